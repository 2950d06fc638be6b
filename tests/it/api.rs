//! The HTTP API on a real socket (127.0.0.1:0): every endpoint, every error status,
//! the security headers, and graceful shutdown of the real binary.

use std::sync::OnceLock;
use std::time::Duration;

use belegt::api::{self, AppState, ServeOptions};
use belegt::engine::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::util;

/// Base URL of a server over the shared index, started once for all API tests.
fn server() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let shared = util::shared();
        let config = util::config_for(&shared.seeds_dir, &shared.index_dir);
        let engine = Engine::open_with(config, util::load_model()).expect("the shared index opens");
        start(Some(engine))
    })
}

/// Starts a server on a free loopback port in a background runtime; `None` = never ready.
pub(crate) fn start(engine: Option<Engine>) -> String {
    start_with(engine, api::guard::AccessOptions::default())
}

/// [`start`] with API key and rate limit settings.
pub(crate) fn start_with(engine: Option<Engine>, access: api::guard::AccessOptions) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let options = ServeOptions {
                web_dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web"),
                timeout: Duration::from_secs(30),
                cors_origin: None,
                access,
            };
            let app = AppState::new(options);
            if let Some(e) = engine {
                app.set_ready(e);
            }
            tx.send(format!(
                "http://{}",
                listener.local_addr().expect("local address")
            ))
            .expect("send the address");
            let service =
                api::router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service).await.expect("serve");
        });
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the server starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

pub(crate) async fn post(path: &str, body: Value) -> (StatusCode, Value) {
    let res = client()
        .post(format!("{}{path}", server()))
        .json(&body)
        .send()
        .await
        .expect("the request is answered");
    let status = res.status();
    (status, res.json().await.expect("a JSON body"))
}

async fn get(path: &str) -> (StatusCode, Value) {
    let res = client()
        .get(format!("{}{path}", server()))
        .send()
        .await
        .expect("the request is answered");
    let status = res.status();
    (status, res.json().await.expect("a JSON body"))
}

pub(crate) fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn ask_answers_with_citations_that_are_slices_of_the_document() {
    let (status, body) = post(
        "/api/ask",
        json!({"question": "Was plant Bayern für den Mittelstand?"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["abstained"], false);
    assert_eq!(body["mode"], "extractive");
    assert_eq!(body["filters"]["states"], json!(["BY"]));
    assert_eq!(body["filters"]["detected_from_question"], true);
    let citations = body["citations"].as_array().expect("citations");
    assert_eq!(citations.len(), 5);
    assert!(body["answer"].as_str().expect("answer").contains("[1]"));
    let doc_id = citations[0]["doc"].as_str().expect("doc id");
    let (status, doc) = get(&format!("/api/documents/{doc_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let text: Vec<char> = doc["text"].as_str().expect("text").chars().collect();
    for c in citations.iter().filter(|c| c["doc"] == doc_id) {
        let (start, end) = (
            c["start"].as_u64().expect("start") as usize,
            c["end"].as_u64().expect("end") as usize,
        );
        let slice: String = text[start..end].iter().collect();
        assert_eq!(slice, c["text"].as_str().expect("citation text"));
        assert_eq!(c["state"], "BY");
        assert_eq!(c["state_name"], "Bayern");
    }
}

#[tokio::test]
async fn a_follow_up_keeps_the_earlier_topic_and_takes_the_new_state() {
    let (status, body) = post(
        "/api/ask",
        json!({"question": "Und Berlin?", "previous_question": "Wie nutzt Baden-Württemberg KI bei der Polizei?"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["question"], "Und Berlin?");
    let contextual = body["contextual_query"].as_str().expect("contextual query");
    assert!(
        contextual.contains("Polizei") && !contextual.contains("Baden-Württemberg"),
        "{contextual}"
    );
    assert_eq!(body["filters"]["states"], json!(["BE"]));
}

#[tokio::test]
async fn the_stream_sends_citations_then_pieces_then_the_whole_answer() {
    let res = client()
        .post(format!("{}/api/ask/stream", server()))
        .json(&json!({"question": "Welche Aufgaben hat die Taskforce KI in Berlin?"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream")
    );
    let text = res.text().await.expect("the stream ends");
    let mut events: Vec<(String, Value)> = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let name = block
            .lines()
            .find_map(|l| l.strip_prefix("event: "))
            .unwrap_or("")
            .to_string();
        let data = block
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap_or("null");
        events.push((name, serde_json::from_str(data).expect("JSON data")));
    }
    let names: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names.first(), Some(&"citations"));
    assert_eq!(names.last(), Some(&"done"));
    assert!(
        names[1..names.len() - 1].iter().all(|n| *n == "answer") && names.len() > 2,
        "{names:?}"
    );
    let streamed: String = events[1..events.len() - 1]
        .iter()
        .map(|e| e.1["delta"].as_str().expect("delta").to_string())
        .collect();
    let done = &events.last().expect("done").1;
    assert_eq!(streamed, done["answer"].as_str().expect("answer"));
    assert_eq!(events[0].1["citations"], done["citations"]);
}

#[tokio::test]
async fn search_returns_ranked_hits_within_the_requested_states() {
    let (status, body) = post(
        "/api/search",
        json!({"query": "Verwaltungsassistent", "states": ["BY", "bw"], "k": 10}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hits = body["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    for (i, h) in hits.iter().enumerate() {
        assert_eq!(h["rank"], i + 1);
        assert!(h["state"] == "BY" || h["state"] == "BW", "{h}");
        assert!(h.get("dense_rank").is_some() && h.get("lexical_rank").is_some());
    }
    assert_eq!(body["filters"]["detected_from_question"], false);
}

#[tokio::test]
async fn documents_states_and_probes_describe_the_index() {
    let (status, docs) = get("/api/documents").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(docs.as_array().expect("list").len(), 2);
    let (status, states) = get("/api/states").await;
    assert_eq!(status, StatusCode::OK);
    let states = states.as_array().expect("list");
    assert_eq!(states.len(), 16);
    let mv = states
        .iter()
        .find(|s| s["code"] == "MV")
        .expect("MV listed");
    assert_eq!(mv["has_report"], false);
    assert_eq!(mv["passages"], 0);
    assert!(states.iter().filter(|s| s["has_report"] == true).count() == 15);
    assert_eq!(get("/healthz").await.0, StatusCode::OK);
    let (status, ready) = get("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["documents"], 2);
    // The work a server does in the background once ready: the HNSW graph (exact
    // search until then) and the vocabulary for English questions. Both finish.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let (_, ready) = get("/readyz").await;
        assert!(
            ["graph", "exact"].contains(&ready["dense_search"].as_str().unwrap_or("")),
            "{ready}"
        );
        assert!(ready["english_vocabulary"].is_boolean(), "{ready}");
        if ready["dense_search"] == "graph" && ready["english_vocabulary"] == true {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "background work unfinished: {ready}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let metrics = client()
        .get(format!("{}/metrics", server()))
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            "belegt_http_requests_total{method=\"GET\",route=\"/api/states\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("belegt_index_passages "));
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_the_router_serves() {
    let (status, doc) = get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    documented.sort();
    let mut routed: Vec<(String, String)> = api::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Every documented route answers its method (not 404/405) and refuses another (405).
    for (method, path) in routed {
        let url = format!(
            "{}{}",
            server(),
            path.replace("{id}", "sachsen-ki-strategie")
        );
        let c = client();
        let (ok, wrong) = if method == "get" {
            (c.get(&url), c.delete(&url))
        } else {
            (
                c.post(&url).json(&json!({"question": "KI", "query": "KI"})),
                c.get(&url),
            )
        };
        let status = ok.send().await.expect("answered").status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {status}"
        );
        let res = wrong.send().await.expect("answered");
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let body: Value = res.json().await.expect("JSON 405 body");
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}

#[tokio::test]
async fn bad_fields_get_400_with_a_message() {
    let (s, b) = post("/api/ask", json!({"question": "   "})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "empty_question");
    let (s, b) = post("/api/ask", json!({"question": "KI", "states": ["XX"]})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "unknown_state");
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("BW, BY")
    );
    let (s, b) = post("/api/search", json!({"query": "KI", "k": 0})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "bad_k");
    let (s, b) = post("/api/search", json!({"query": "KI", "k": 51})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "bad_k");
    let (s, b) = post("/api/search", json!({"query": "KI", "docs": ["nope"]})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "unknown_document");
    let (s, b) = post("/api/ask", json!({"question": "x".repeat(2001)})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "question_too_long");
}

#[tokio::test]
async fn malformed_bodies_get_415_422_400_and_413() {
    let url = format!("{}/api/ask", server());
    let res = client()
        .post(&url)
        .body("{\"question\":\"KI\"}")
        .send()
        .await
        .expect("answered");
    let s = res.status();
    assert_error(
        s,
        &res.json().await.expect("JSON"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let (s, b) = post("/api/ask", json!({"question": 42})).await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "bad_fields");
    let (s, b) = post("/api/ask", json!({"question": "KI", "surprise": true})).await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "bad_fields");
    let res = client()
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"question\": ")
        .send()
        .await
        .expect("answered");
    let s = res.status();
    assert_error(
        s,
        &res.json().await.expect("JSON"),
        StatusCode::BAD_REQUEST,
        "bad_json",
    );
    let huge = json!({"question": "a".repeat(api::MAX_BODY_BYTES + 10)});
    let (s, b) = post("/api/ask", huge).await;
    assert_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

#[tokio::test]
async fn unknown_paths_and_documents_are_404_and_nothing_outside_the_catalog_is_read() {
    for path in [
        "/api/nothing-here",
        "/api/documents/unknown",
        "/api/documents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/documents/%2Fetc%2Fpasswd",
        "/../Cargo.toml",
        "/..%2FCargo.toml",
    ] {
        let res = client()
            .get(format!("{}{path}", server()))
            .send()
            .await
            .expect("answered");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body = res.text().await.expect("body");
        assert!(
            !body.contains("root:") && !body.contains("[package]"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn responses_carry_the_security_headers_and_no_cors_by_default() {
    let res = client()
        .get(format!("{}/api/states", server()))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("answered");
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().expect("ascii");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.get("access-control-allow-origin").is_none());
    let page = client()
        .get(format!("{}/", server()))
        .send()
        .await
        .expect("answered");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn a_server_that_is_still_loading_answers_503_and_stays_healthy() {
    let base = start(None);
    let c = client();
    let res = c
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "not_ready");
    let res = c
        .post(format!("{base}/api/ask"))
        .json(&json!({"question": "KI"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        c.get(format!("{base}/healthz"))
            .send()
            .await
            .expect("answered")
            .status(),
        StatusCode::OK
    );
}

#[test]
fn the_binary_serves_until_sigterm_and_exits_cleanly() {
    use std::io::BufRead;
    let shared = util::shared();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_belegt"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("BELEGT_SEEDS", &shared.seeds_dir)
        .env("BELEGT_INDEX_DIR", &shared.index_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("belegt serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("the listening line")
        .to_string();
    let ready = blocking_status(&format!("{base}/readyz"));
    assert_eq!(ready, 200);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "exit status {exit}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "belegt serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A GET from synchronous code; returns the status.
fn blocking_status(url: &str) -> u16 {
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    rt.block_on(async { reqwest::get(url).await.expect("answered").status().as_u16() })
}
