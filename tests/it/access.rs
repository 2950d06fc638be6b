//! API key and rate limit on a real socket: what is guarded, what stays open, the status
//! codes, headers and JSON bodies, and that clients are counted separately.
//!
//! The servers here never load an engine: the guard answers before any handler, and a
//! request that passes it gets the handler's 503 `not_ready`.

use std::num::NonZeroU32;
use std::time::Duration;

use belegt::api::guard::{AccessOptions, ApiKeys, RateLimit};
use reqwest::StatusCode;
use serde_json::Value;

use crate::api::start_with;

const KEY: &str = "test-key-7f3a9c2e51d04b8e";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

async fn get(url: String, auth: Option<&str>, forwarded: Option<&str>) -> reqwest::Response {
    let mut req = client().get(url);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.expect("the request is answered")
}

async fn error_code(res: reqwest::Response) -> (StatusCode, String, Value) {
    let status = res.status();
    let text = res.text().await.expect("a body");
    let body: Value = serde_json::from_str(&text).expect("a JSON body");
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, code, body)
}

fn keyed() -> AccessOptions {
    AccessOptions {
        api_keys: ApiKeys::parse(KEY).expect("a valid key"),
        ..AccessOptions::default()
    }
}

fn limited(per_minute: u32, burst: u32, trust_forwarded_for: bool) -> AccessOptions {
    let n = |v| NonZeroU32::new(v).expect("non-zero");
    AccessOptions {
        rate_limit: Some(RateLimit {
            per_minute: n(per_minute),
            burst: n(burst),
        }),
        trust_forwarded_for,
        ..AccessOptions::default()
    }
}

#[tokio::test]
async fn with_a_key_the_api_needs_it_and_the_rest_stays_open() {
    let base = start_with(None, keyed());
    for path in [
        "/api/states",
        "/api/documents",
        "/v1/models",
        "/api/nothing",
    ] {
        let res = get(format!("{base}{path}"), None, None).await;
        assert_eq!(
            res.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"belegt\""),
            "{path}"
        );
        let (status, code, body) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{path}: {body}"
        );
    }
    for auth in [
        "Bearer wrong-key-0000000000000",
        "Basic dGVzdDp0ZXN0",
        "Bearer",
        KEY,
    ] {
        let (status, code, body) =
            error_code(get(format!("{base}/api/states"), Some(auth), None).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{auth}"
        );
        assert!(
            !body.to_string().contains("wrong-key"),
            "the token is not echoed: {body}"
        );
    }
    // The right key passes the guard and reaches the handler (not ready: no engine).
    for auth in [format!("Bearer {KEY}"), format!("bearer {KEY}")] {
        let (status, code, _) =
            error_code(get(format!("{base}/api/states"), Some(&auth), None).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
        );
    }
    let (status, code, _) = error_code(
        client()
            .post(format!("{base}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(&serde_json::json!({"messages": [{"role": "user", "content": "Hallo"}]}))
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    );
    for path in ["/", "/app.js", "/healthz", "/openapi.json", "/metrics"] {
        let res = get(format!("{base}{path}"), None, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path} stays open");
    }
}

#[tokio::test]
async fn over_the_budget_a_client_gets_429_with_retry_after_and_health_stays_open() {
    let base = start_with(None, limited(6, 3, false));
    for i in 0..3 {
        let (status, code, _) =
            error_code(get(format!("{base}/api/states"), None, None).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            "request {i} is within the burst"
        );
    }
    let res = get(format!("{base}/api/states"), None, None).await;
    let retry_after: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in whole seconds");
    // 6 per minute = one request every 10 s.
    assert!((1..=10).contains(&retry_after), "Retry-After {retry_after}");
    let (status, code, body) = error_code(res).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(" s")),
        "{body}"
    );
    // Other paths are not counted, and a spoofed X-Forwarded-For does not help when
    // the proxy header is not trusted.
    assert_eq!(
        get(format!("{base}/healthz"), None, None).await.status(),
        StatusCode::OK
    );
    let (status, _, _) =
        error_code(get(format!("{base}/v1/models"), None, Some("203.0.113.9")).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let base = start_with(None, limited(60, 1, true));
    let status = |res: reqwest::Response| res.status();
    assert_eq!(
        status(
            get(
                format!("{base}/api/states"),
                None,
                Some("198.51.100.1, 203.0.113.1")
            )
            .await
        ),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Same last hop: same client, over budget, whatever the client claimed before it.
    assert_eq!(
        status(
            get(
                format!("{base}/api/states"),
                None,
                Some("192.0.2.77, 203.0.113.1")
            )
            .await
        ),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        status(get(format!("{base}/api/states"), None, Some("203.0.113.2")).await),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // IPv6 clients count by their /64 network.
    assert_eq!(
        status(get(format!("{base}/api/states"), None, Some("2001:db8:1:2::1")).await),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        status(get(format!("{base}/api/states"), None, Some("2001:db8:1:2::ff")).await),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_key_is_checked_after_the_rate_limit_so_guessing_is_throttled() {
    let mut access = limited(6, 2, false);
    access.api_keys = ApiKeys::parse(KEY).expect("a valid key");
    let base = start_with(None, access);
    for _ in 0..2 {
        let (status, _, _) = error_code(
            get(
                format!("{base}/api/states"),
                Some("Bearer guess-000000000000000"),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = error_code(
        get(
            format!("{base}/api/states"),
            Some(&format!("Bearer {KEY}")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
