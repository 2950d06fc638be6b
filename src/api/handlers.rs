//! Request handlers. Sync work (embedding, search) runs on the blocking pool under the
//! configured timeout.

use std::convert::Infallible;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiJson};
use super::{AppState, Ready};
use crate::answer::judge::Judge;
use crate::answer::llm::LlmClient;
use crate::corpus::StateCode;
use crate::engine::{AnswerMode, draft};
use crate::index::store::StoredSection;
use crate::retrieve::{RequestError, SearchRequest, follow_up_query};
use crate::wire::{AskResponse, CompareResponse, SearchResponse};

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
    /// `extractive`, `llm` or `auto` (the default: the LLM when one is configured).
    pub mode: Option<String>,
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

/// Body of `POST /api/compare`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareBody {
    /// The topic, or a question across the states ("Welche Länder …").
    pub topic: String,
    /// `extractive` (the key-term rule decides each state), `llm` (the configured LLM
    /// judges each state's sentences) or `auto` (the default: the LLM when one is
    /// configured).
    pub mode: Option<String>,
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

/// The LLM client when a request's `mode` (`extractive`, `llm`, `auto`: the default,
/// the LLM when one is configured) wants one.
fn llm_for(ready: &Ready, mode: Option<&str>) -> Result<Option<LlmClient>, ApiError> {
    let mode = match mode {
        None => AnswerMode::Auto,
        Some(m) => AnswerMode::parse(m).ok_or_else(|| {
            ApiError::bad_request(
                "bad_mode",
                format!("unknown mode {m:?} (valid: extractive, llm, auto)"),
            )
        })?,
    };
    match mode.uses_llm(ready.llm.is_some()) {
        Ok(true) => Ok(ready.llm.clone()),
        Ok(false) => Ok(None),
        Err(e) => Err(ApiError::bad_request("llm_not_configured", e.to_string())),
    }
}

/// An LLM judge for comparisons on this runtime (the engine calls it from a blocking
/// thread). Its verdicts end within the LLM timeout and within three quarters of the
/// request's, so that a slow LLM leaves the rule's table rather than a timeout error.
fn judge_of(app: &AppState, llm: Option<&LlmClient>) -> Option<Judge> {
    llm.map(|client| Judge {
        client: client.clone(),
        runtime: tokio::runtime::Handle::current(),
        limit: client
            .settings()
            .timeout
            .min(app.request_timeout().mul_f64(0.75)),
    })
}

/// Retrieves and answers extractively (a question across the states from the
/// comparison, judged by the LLM when the mode wants one); also returns the LLM client
/// when the request's mode wants an LLM draft (not yet made).
pub(crate) async fn run_ask(
    app: &AppState,
    body: AskBody,
) -> Result<(AskResponse, Option<LlmClient>), ApiError> {
    let ready = app.ready()?;
    let llm = llm_for(&ready, body.mode.as_deref())?;
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
    let judge = judge_of(app, llm.as_ref());
    let mut response = app
        .blocking(move || {
            ready
                .engine
                .ask(&req, judge.as_ref())
                .map_err(ApiError::from)
        })
        .await?;
    let asked = body.question.trim().to_string();
    if response.question != asked {
        response.contextual_query = Some(std::mem::replace(&mut response.question, asked));
    }
    Ok((response, llm))
}

/// How an answer comes about, piece by piece.
pub(crate) enum Progress {
    /// A piece of the answer text.
    Delta(String),
    /// The final response; `true` when the pieces sent were an LLM draft that broke off
    /// (the response then holds the extractive answer and `llm_error`).
    Done(Box<AskResponse>, bool),
}

/// Streams the answer: the LLM's draft as it arrives when `llm` is given (falling back
/// to the extractive answer), else the extractive answer in pieces.
pub(crate) fn progress(
    mut response: AskResponse,
    llm: Option<LlmClient>,
) -> tokio::sync::mpsc::UnboundedReceiver<Progress> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut streamed = 0usize;
        if let Some(client) = llm {
            let mut on_delta = |d: &str| {
                streamed += 1;
                let _ = tx.send(Progress::Delta(d.to_string()));
            };
            draft(&client, &mut response, Some(&mut on_delta)).await;
        }
        let broken = streamed > 0 && response.mode != "llm";
        if streamed == 0 {
            for piece in answer_pieces(&response.answer) {
                let _ = tx.send(Progress::Delta(piece));
            }
        }
        let _ = tx.send(Progress::Done(Box::new(response), broken));
    });
    rx
}

/// `POST /api/ask`: an extractive answer with citations.
pub async fn ask(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<Json<AskResponse>, ApiError> {
    let (mut response, llm) = run_ask(&app, body).await?;
    if let Some(client) = llm {
        draft(&client, &mut response, None).await;
    }
    Ok(Json(response))
}

/// `POST /api/ask/stream`: the same as Server-Sent Events: `citations`, `answer`
/// pieces (the LLM's deltas as they arrive, when it drafts), `done` with the full
/// response. When an LLM draft breaks off, `done` holds the extractive answer and
/// `llm_error`; it always holds the answer to show.
pub async fn ask_stream(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<Response, ApiError> {
    let (response, llm) = run_ask(&app, body).await?;
    let first = json_event(
        "citations",
        &CitationsEvent {
            filters: &response.filters,
            citations: &response.citations,
            abstained: response.abstained,
        },
    );
    let rest = futures_util::stream::unfold(progress(response, llm), |mut rx| async move {
        let event = match rx.recv().await? {
            Progress::Delta(d) => json_event("answer", &serde_json::json!({ "delta": d })),
            Progress::Done(response, _) => json_event("done", &response),
        };
        Some((event, rx))
    });
    Ok(sse_response(first, rest))
}

/// An SSE response: `first`, then the events of `rest`, with keep-alive comments.
pub fn sse_response(
    first: Event,
    rest: impl futures_util::Stream<Item = Event> + Send + 'static,
) -> Response {
    let stream = futures_util::stream::once(async { first })
        .chain(rest)
        .map(Ok::<Event, Infallible>);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
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
        .blocking(move || ready.engine.search(&req).map_err(ApiError::from))
        .await?;
    Ok(Json(response))
}

/// `POST /api/compare`: the 16 states on a topic, one finding (or none) each.
pub async fn compare(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<CompareBody>,
) -> Result<Json<CompareResponse>, ApiError> {
    let ready = app.ready()?;
    let llm = llm_for(&ready, body.mode.as_deref())?;
    let topic = SearchRequest::parse(&body.topic, &[], &[], DEFAULT_K)?.query;
    let judge = judge_of(&app, llm.as_ref());
    let response = app
        .blocking(move || {
            ready
                .engine
                .compare(&topic, judge.as_ref())
                .map_err(ApiError::from)
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
    // With a database behind the index: ready only while it answers.
    let probe = ready.clone();
    app.blocking(move || probe.index.backend.healthy().map_err(ApiError::from))
        .await?;
    Ok(Json(serde_json::json!({
        "status": "ready",
        "documents": ready.index.store.docs.len(),
        "passages": ready.index.store.chunks.len(),
        "llm": ready.llm.is_some(),
        "generation": ready.index.backend.generation(),
        "dense_search": match ready.index.backend.as_embedded() {
            Some(e) if e.vectors.has_graph() => "graph",
            Some(_) => "exact",
            None => "database",
        },
        "english_vocabulary": ready.engine.lexicon_loaded(),
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
