//! Access control for the API: an optional API key and a per-client rate limit.
//!
//! Both apply to `/api/*` and `/v1/*` only; the web chat's static files, `/healthz`,
//! `/readyz`, `/metrics` and `/openapi.json` stay open so that a browser can load the chat
//! (which then asks for the key) and load balancers can probe.
//!
//! **Invariants:** keys are kept only as SHA-256 digests and compared in constant time;
//! neither a key nor a presented token is ever logged or echoed. The rate limit is checked
//! before the key, so guessing keys is throttled too.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// The accepted API keys, held as digests. `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub struct ApiKeys(Vec<[u8; 32]>);

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} configured)", self.0.len())
    }
}

impl ApiKeys {
    /// Keys from a text: one per line or separated by commas; blank entries and lines
    /// starting with `#` are skipped. A key must be 16–512 visible ASCII characters
    /// without spaces (what fits in an `Authorization` header).
    pub fn parse(text: &str) -> Result<ApiKeys, String> {
        let mut keys = Vec::new();
        for (n, entry) in text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            if !(16..=512).contains(&entry.len()) {
                return Err(format!(
                    "API key {} has {} characters; use 16 to 512",
                    n + 1,
                    entry.len()
                ));
            }
            if !entry.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(format!(
                    "API key {} contains a space or a non-ASCII character",
                    n + 1
                ));
            }
            keys.push(digest(entry));
        }
        Ok(ApiKeys(keys))
    }

    /// No key configured: the API is open.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `token` is one of the keys (constant time in the token's content).
    pub fn accepts(&self, token: &str) -> bool {
        let presented = digest(token);
        self.0
            .iter()
            .fold(false, |ok, key| ok | constant_time_eq(key, &presented))
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The per-client request budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute and client.
    pub per_minute: NonZeroU32,
    /// Requests a client may make at once before the sustained rate applies.
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// `per_minute` with the default burst: ten seconds' worth, at least 1.
    pub fn per_minute(per_minute: NonZeroU32) -> RateLimit {
        RateLimit {
            per_minute,
            burst: NonZeroU32::new(per_minute.get().div_ceil(6)).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// Access settings of the server.
#[derive(Debug, Clone, Default)]
pub struct AccessOptions {
    /// Accepted bearer tokens; empty = no key needed.
    pub api_keys: ApiKeys,
    /// Per-client limit; `None` = unlimited.
    pub rate_limit: Option<RateLimit>,
    /// Identify clients by the last address in `X-Forwarded-For` (set this only behind
    /// a proxy that writes that header; otherwise clients could pick their identity).
    pub trust_forwarded_for: bool,
}

/// The guard as the middleware uses it.
pub struct Guard {
    keys: ApiKeys,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trust_forwarded_for: bool,
}

impl Guard {
    /// A guard for these settings.
    pub fn new(options: &AccessOptions) -> Guard {
        Guard {
            keys: options.api_keys.clone(),
            limiter: options.rate_limit.map(|limit| {
                let period = Duration::from_secs(60) / limit.per_minute.get();
                let quota = Quota::with_period(period)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
                    .allow_burst(limit.burst);
                RateLimiter::keyed(quota)
            }),
            trust_forwarded_for: options.trust_forwarded_for,
        }
    }

    /// Forgets clients whose budget is full again (keeps memory bounded).
    pub fn forget_idle_clients(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Whether the guard does anything at all.
    pub fn is_active(&self) -> bool {
        self.limiter.is_some() || !self.keys.is_empty()
    }

    /// Checks one request; `Some` is the refusal to send instead of an answer.
    pub fn check(&self, req: &Request) -> Option<Response> {
        if !is_guarded(req.uri().path()) {
            return None;
        }
        if let Some(limiter) = &self.limiter {
            let client = self.client(req);
            if let Err(not_until) = limiter.check_key(&client) {
                let wait = not_until.wait_time_from(limiter.clock().now());
                return Some(too_many_requests(wait));
            }
        }
        if !self.keys.is_empty() {
            match bearer_token(req.headers()) {
                Some(token) if self.keys.accepts(token) => {}
                Some(_) => return Some(unauthorized("the API key is not valid")),
                None => {
                    return Some(unauthorized(
                        "this server needs an API key: send `Authorization: Bearer <key>`",
                    ));
                }
            }
        }
        None
    }

    /// The client a request counts against: its address (IPv6 by its /64 network, which
    /// one host usually owns whole), or the proxy-reported one when trusted.
    fn client(&self, req: &Request) -> IpAddr {
        let forwarded = self
            .trust_forwarded_for
            .then(|| {
                req.headers()
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                    .next_back()
            })
            .flatten();
        let peer = || {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        };
        let ip = forwarded
            .or_else(peer)
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        }
    }
}

/// The paths behind the guard.
pub fn is_guarded(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/v1" || path.starts_with("/v1/")
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::unauthorized(message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"belegt\""),
    );
    response
}

fn too_many_requests(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let message = format!("too many requests from this client; try again in {secs} s");
    let mut response = ApiError::rate_limited(message).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Middleware: runs [`Guard::check`].
pub async fn guard(
    axum::extract::State(guard): axum::extract::State<Arc<Guard>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    match guard.check(&req) {
        None => next.run(req).await,
        Some(refusal) => refusal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_lines_and_commas_and_are_checked_exactly() {
        let keys = ApiKeys::parse(
            "# team keys\nkey-one-0123456789\n\n key-two-0123456789 , key-three-0123456789\n",
        )
        .expect("valid keys");
        assert_eq!(format!("{keys:?}"), "ApiKeys(3 configured)");
        assert!(keys.accepts("key-two-0123456789"));
        assert!(!keys.accepts("key-two-012345678"));
        assert!(!keys.accepts("key-two-0123456789 "));
        assert!(!keys.accepts(""));
        assert!(ApiKeys::parse("").expect("no keys").is_empty());
    }

    #[test]
    fn short_or_spaced_keys_are_refused_without_echoing_them() {
        let err = ApiKeys::parse("short").expect_err("too short");
        assert!(
            err.contains("5 characters") && !err.contains("short"),
            "{err}"
        );
        let err = ApiKeys::parse("a key with spaces inside").expect_err("spaces");
        assert!(!err.contains("spaces inside"), "{err}");
    }

    #[test]
    fn only_api_and_v1_paths_are_guarded() {
        for p in ["/api", "/api/ask", "/api/documents/x", "/v1/models", "/v1"] {
            assert!(is_guarded(p), "{p}");
        }
        for p in [
            "/",
            "/app.js",
            "/healthz",
            "/readyz",
            "/metrics",
            "/openapi.json",
            "/apix",
            "/v10/x",
        ] {
            assert!(!is_guarded(p), "{p}");
        }
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn default_burst_is_ten_seconds_worth() {
        let n = |v| NonZeroU32::new(v).expect("non-zero");
        assert_eq!(RateLimit::per_minute(n(60)).burst, n(10));
        assert_eq!(RateLimit::per_minute(n(1)).burst, n(1));
    }
}
