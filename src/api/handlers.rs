//! Request handlers. Sync work (embedding, search) runs on the blocking pool under the
//! configured timeout.

use std::convert::Infallible;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiJson};
use super::{AppState, Ready};
use crate::corpus::StateCode;
use crate::index::store::StoredSection;
use crate::retrieve::{RequestError, SearchRequest, follow_up_query};
use crate::wire::{AskResponse, SearchResponse};

/// Default number of passages.
const DEFAULT_K: usize = 5;

/// Body of `POST /api/ask` and `/api/ask/stream`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// The question.
    pub question: String,
    /// Only these states.
    #[serde(default)]
    pub states: Vec<String>,
    /// Only these documents.
    #[serde(default)]
    pub docs: Vec<String>,
    /// Number of passages.
    pub k: Option<usize>,
    /// The conversation's previous question, so that a follow-up keeps its topic.
    pub previous_question: Option<String>,
}

/// Body of `POST /api/search`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    /// Search words or question.
    pub query: String,
    /// Only these states.
    #[serde(default)]
    pub states: Vec<String>,
    /// Only these documents.
    #[serde(default)]
    pub docs: Vec<String>,
    /// Number of hits.
    pub k: Option<usize>,
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> ApiError {
        let code = match e {
            RequestError::EmptyQuery => "empty_question",
            RequestError::TooLong => "question_too_long",
            RequestError::BadK(_) => "bad_k",
            RequestError::UnknownState(_) => "unknown_state",
        };
        ApiError::bad_request(code, e.to_string())
    }
}

fn check_docs(ready: &Ready, docs: &[String]) -> Result<(), ApiError> {
    for d in docs {
        if !ready.index.store.docs.iter().any(|x| &x.id == d) {
            let valid: Vec<&str> = ready
                .index
                .store
                .docs
                .iter()
                .map(|x| x.id.as_str())
                .collect();
            return Err(ApiError::bad_request(
                "unknown_document",
                format!("unknown document id {d:?} (valid: {})", valid.join(", ")),
            ));
        }
    }
    Ok(())
}

async fn run_ask(app: &AppState, body: AskBody) -> Result<AskResponse, ApiError> {
    let ready = app.ready()?;
    // Check the question as asked; retrieve with the conversation's topic.
    SearchRequest::parse(
        &body.question,
        &body.states,
        &body.docs,
        body.k.unwrap_or(DEFAULT_K),
    )?;
    if let Some(p) = &body.previous_question
        && p.chars().count() > crate::retrieve::MAX_QUESTION_CHARS
    {
        return Err(RequestError::TooLong.into());
    }
    let query = follow_up_query(body.question.trim(), body.previous_question.as_deref());
    let req = SearchRequest::parse(
        &query,
        &body.states,
        &body.docs,
        body.k.unwrap_or(DEFAULT_K),
    )?;
    check_docs(&ready, &req.docs)?;
    let mut response = app
        .blocking(move || {
            ready
                .engine
                .lock()
                .map_err(ApiError::internal)?
                .ask(&req)
                .map_err(ApiError::internal)
        })
        .await?;
    let asked = body.question.trim().to_string();
    if response.question != asked {
        response.contextual_query = Some(std::mem::replace(&mut response.question, asked));
    }
    Ok(response)
}

/// `POST /api/ask`: an extractive answer with citations.
pub async fn ask(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<Json<AskResponse>, ApiError> {
    Ok(Json(run_ask(&app, body).await?))
}

/// `POST /api/ask/stream`: the same as Server-Sent Events: `citations`, `answer`
/// pieces, `done` with the full response.
pub async fn ask_stream(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<Response, ApiError> {
    let response = run_ask(&app, body).await?;
    let mut events = vec![json_event(
        "citations",
        &CitationsEvent {
            filters: &response.filters,
            citations: &response.citations,
            abstained: response.abstained,
        },
    )];
    for piece in answer_pieces(&response.answer) {
        events.push(json_event("answer", &serde_json::json!({ "delta": piece })));
    }
    events.push(json_event("done", &response));
    let stream = futures_util::stream::iter(events.into_iter().map(Ok::<Event, Infallible>));
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// First event of the stream: what the answer will cite.
#[derive(Serialize)]
struct CitationsEvent<'a> {
    filters: &'a crate::wire::FiltersJson,
    citations: &'a [crate::wire::CitationJson],
    abstained: bool,
}

fn json_event<T: Serialize>(name: &str, data: &T) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(data).expect("wire types serialize"))
}

/// Splits an answer into pieces of a few words for streaming; the pieces concatenate
/// to the answer exactly.
pub fn answer_pieces(answer: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    for (i, part) in answer.split_inclusive(' ').enumerate() {
        current.push_str(part);
        words += 1;
        if words == 6 || i == 0 {
            pieces.push(std::mem::take(&mut current));
            words = 0;
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// `POST /api/search`: ranked passages.
pub async fn search(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<SearchBody>,
) -> Result<Json<SearchResponse>, ApiError> {
    let ready = app.ready()?;
    let req = SearchRequest::parse(
        &body.query,
        &body.states,
        &body.docs,
        body.k.unwrap_or(DEFAULT_K),
    )?;
    check_docs(&ready, &req.docs)?;
    let response = app
        .blocking(move || {
            ready
                .engine
                .lock()
                .map_err(ApiError::internal)?
                .search(&req)
                .map_err(ApiError::internal)
        })
        .await?;
    Ok(Json(response))
}

/// A catalog entry as `GET /api/documents` lists it.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentInfo {
    /// Catalog id.
    pub id: String,
    /// Full title.
    pub title: String,
    /// Short title.
    pub short_title: String,
    /// Publisher.
    pub publisher: String,
    /// Publication date, if known.
    pub date: Option<String>,
    /// Kind of document.
    pub kind: String,
    /// State of the whole document, if any.
    pub state: Option<String>,
    /// Length of the normalized text in characters.
    pub chars: usize,
}

/// `GET /api/documents/{id}`: the document with its normalized text and sections.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentText {
    /// Catalog data.
    #[serde(flatten)]
    pub info: DocumentInfo,
    /// The normalized text; citation offsets index into it (in characters).
    pub text: String,
    /// Sections with character offsets.
    pub sections: Vec<StoredSection>,
}

fn info(d: &crate::index::store::StoredDoc) -> DocumentInfo {
    DocumentInfo {
        id: d.id.clone(),
        title: d.title.clone(),
        short_title: d.short_title.clone(),
        publisher: d.publisher.clone(),
        date: d.date.clone(),
        kind: d.kind.clone(),
        state: d.state.clone(),
        chars: d.text.chars().count(),
    }
}

/// `GET /api/documents`.
pub async fn documents(State(app): State<AppState>) -> Result<Json<Vec<DocumentInfo>>, ApiError> {
    let ready = app.ready()?;
    Ok(Json(ready.index.store.docs.iter().map(info).collect()))
}

/// `GET /api/documents/{id}`. Only catalog ids resolve; nothing else is ever read.
pub async fn document(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DocumentText>, ApiError> {
    let ready = app.ready()?;
    let d = ready
        .index
        .store
        .docs
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no document with id {id:?}")))?;
    Ok(Json(DocumentText {
        info: info(d),
        text: d.text.clone(),
        sections: d.sections.clone(),
    }))
}

/// A state as `GET /api/states` lists it.
#[derive(Debug, Serialize, Deserialize)]
pub struct StateInfo {
    /// Two-letter code.
    pub code: String,
    /// German name.
    pub name: String,
    /// Passages of this state in the index.
    pub passages: usize,
    /// Whether the documents hold anything from this state.
    pub has_report: bool,
}

/// `GET /api/states`: all 16 states.
pub async fn states(State(app): State<AppState>) -> Result<Json<Vec<StateInfo>>, ApiError> {
    let ready = app.ready()?;
    let chunks = &ready.index.store.chunks;
    Ok(Json(
        StateCode::all()
            .map(|s| {
                let passages = chunks
                    .iter()
                    .filter(|c| c.state.as_deref() == Some(s.code()))
                    .count();
                StateInfo {
                    code: s.code().to_string(),
                    name: s.name().to_string(),
                    passages,
                    has_report: passages > 0,
                }
            })
            .collect(),
    ))
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: 200 once the index is loaded, else 503.
pub async fn readyz(State(app): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let ready = app.ready()?;
    Ok(Json(serde_json::json!({
        "status": "ready",
        "documents": ready.index.store.docs.len(),
        "passages": ready.index.store.chunks.len(),
    })))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(app): State<AppState>) -> Response {
    let index = app
        .ready()
        .ok()
        .map(|r| (r.index.store.docs.len(), r.index.store.chunks.len()));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics().render(index, app.uptime()),
    )
        .into_response()
}

/// The OpenAPI document, kept next to the router and tested against it.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
