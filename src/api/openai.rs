//! An OpenAI-compatible facade: `POST /v1/chat/completions` and `GET /v1/models`, so
//! existing OpenAI clients can use belegt as a model. The last user message is the
//! question, the user message before it the conversation's previous question; the reply
//! is the answer followed by its references.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiJson};
use super::handlers::{AskBody, Progress, progress, run_ask, sse_response};
use crate::engine::draft;
use crate::wire::AskResponse;

/// The model name belegt answers to.
pub const MODEL: &str = "belegt";

/// A chat message; `content` is a string or a list of parts (`{"type": "text", "text"}`).
#[derive(Debug, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, `tool`.
    pub role: String,
    /// The text, in either form; `null` for tool calls.
    #[serde(default)]
    pub content: Value,
}

/// Body of `POST /v1/chat/completions`; other OpenAI fields are accepted and ignored.
#[derive(Debug, Deserialize)]
pub struct ChatBody {
    /// Ignored: belegt is the model.
    #[serde(default)]
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Answer as `chat.completion.chunk` events.
    #[serde(default)]
    pub stream: bool,
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The references section appended to the answer.
pub fn references(r: &AskResponse) -> String {
    let mut out = String::new();
    let unsupported = r.unsupported_sentences();
    if !unsupported.is_empty() {
        out.push_str("\n\nNicht durch die Belege gestützt:");
        for s in unsupported {
            out.push_str(&format!("\n- {s}"));
        }
    }
    if r.citations.is_empty() {
        return out;
    }
    out.push_str(if r.abstained {
        "\n\nNächstliegende Passagen (kein Beleg):"
    } else {
        "\n\nQuellen:"
    });
    for c in &r.citations {
        let state = match (&c.state_name, &c.state) {
            (Some(name), Some(code)) => format!("{name} ({code}) · "),
            _ => String::new(),
        };
        out.push_str(&format!(
            "\n[{}] {state}{} · {} ({}:{}–{})",
            c.n, c.doc_title, c.section, c.doc, c.start, c.end
        ));
    }
    out
}

fn ask_body(messages: &[ChatMessage]) -> Result<AskBody, ApiError> {
    let mut users = messages.iter().rev().filter(|m| m.role == "user");
    let question = users.next().map(|m| text_of(&m.content)).ok_or_else(|| {
        ApiError::bad_request("no_user_message", "messages holds no user message")
    })?;
    let previous_question = users.next().map(|m| text_of(&m.content));
    Ok(AskBody {
        question,
        states: Vec::new(),
        docs: Vec::new(),
        k: None,
        previous_question,
        mode: None,
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn citations_json(r: &AskResponse) -> Value {
    serde_json::to_value(&r.citations).expect("wire types serialize")
}

/// `POST /v1/chat/completions`.
pub async fn chat_completions(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<ChatBody>,
) -> Result<Response, ApiError> {
    let (mut response, llm) = run_ask(&app, ask_body(&body.messages)?).await?;
    let id = format!("chatcmpl-belegt-{}", now());
    let created = now();
    if !body.stream {
        if let Some(client) = llm {
            draft(&client, &mut response, None).await;
        }
        let content = format!("{}{}", response.answer, references(&response));
        return Ok(Json(json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": MODEL,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "references": citations_json(&response),
            "belegt": {
                "mode": response.mode,
                "abstained": response.abstained,
                "sentences": response.sentences,
                "llm_error": response.llm_error,
            },
        }))
        .into_response());
    }
    let chunk = move |delta: Value, finish: Value| {
        Event::default().data(
            json!({
                "id": id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            })
            .to_string(),
        )
    };
    let first = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
    let rest = futures_util::stream::unfold(
        (progress(response, llm), chunk, false),
        |(mut rx, chunk, ended)| async move {
            if ended {
                return None;
            }
            let events = match rx.recv().await {
                Some(Progress::Delta(d)) => vec![chunk(json!({ "content": d }), Value::Null)],
                Some(Progress::Done(r, broken)) => {
                    let mut tail = String::new();
                    if broken {
                        tail.push_str(&format!(
                            "\n\n(KI-Zusammenfassung abgebrochen: {}. Antwort aus den Passagen:)\n{}",
                            r.llm_error.as_deref().unwrap_or("unbekannter Fehler"),
                            r.answer
                        ));
                    }
                    tail.push_str(&references(&r));
                    vec![
                        chunk(json!({ "content": tail }), Value::Null),
                        chunk(json!({}), json!("stop")),
                        Event::default().data("[DONE]"),
                    ]
                }
                None => return None,
            };
            let ended = events.len() > 1;
            Some((futures_util::stream::iter(events), (rx, chunk, ended)))
        },
    )
    .flatten();
    Ok(sse_response(first, rest))
}

/// `GET /v1/models`: belegt itself.
pub async fn models() -> Json<Value> {
    Json(json!({
        "object": "list",
        "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "belegt"}],
    }))
}
