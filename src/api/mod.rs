//! The HTTP API and the web chat's static files (axum). The only module that knows
//! HTTP; it speaks the `wire` JSON contract.
//!
//! **Invariant:** every error response is JSON `{"error": {"code", "message"}}`;
//! sync work runs on the blocking pool under a timeout; no handler holds a lock across
//! an await.

pub mod error;
pub mod guard;
pub mod handlers;
pub mod metrics;
pub mod openai;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::engine::Engine;
use crate::index::Index;
use error::ApiError;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Folder with the web chat's static files.
    pub web_dir: PathBuf,
    /// Longest time a request may take.
    pub timeout: Duration,
    /// Origin allowed for cross-origin requests; `None` = CORS off.
    pub cors_origin: Option<HeaderValue>,
    /// API key and rate limit for `/api/*` and `/v1/*`.
    pub access: guard::AccessOptions,
}

/// A loaded index and model.
pub struct Ready {
    /// The index, read without locking.
    pub index: Arc<Index>,
    /// The engine, shared without a lock (its model thread batches the questions).
    pub engine: Engine,
    /// The LLM endpoint for drafted answers, when configured.
    pub llm: Option<crate::answer::llm::LlmClient>,
}

struct Shared {
    /// Replaced as a whole when a newer index generation is switched in.
    ready: RwLock<Option<Arc<Ready>>>,
    metrics: metrics::Metrics,
    options: ServeOptions,
    started: Instant,
}

/// State shared by all handlers.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// A server that is not ready yet.
    pub fn new(options: ServeOptions) -> AppState {
        AppState(Arc::new(Shared {
            ready: RwLock::new(None),
            metrics: metrics::Metrics::default(),
            options,
            started: Instant::now(),
        }))
    }

    /// Makes the server ready with a loaded engine.
    pub fn set_ready(&self, engine: Engine) {
        let llm = engine.config.llm.clone().and_then(|settings| {
            crate::answer::llm::LlmClient::new(settings)
                .map_err(|e| tracing::error!(error = %e, "LLM client unavailable"))
                .ok()
        });
        let ready = Ready {
            index: engine.index.clone(),
            engine,
            llm,
        };
        self.replace_ready(ready);
    }

    /// Puts `ready` in place, then has the vocabulary for English comparisons loaded
    /// or embedded on a background thread, so that the first English question does
    /// not wait for it.
    fn replace_ready(&self, ready: Ready) {
        let ready = Arc::new(ready);
        let mut slot = self.0.ready.write().unwrap_or_else(|p| p.into_inner());
        *slot = Some(Arc::clone(&ready));
        drop(slot);
        let spawned = std::thread::Builder::new()
            .name("belegt-lexicon".into())
            .spawn(move || ready.engine.warm_lexicon());
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start loading the vocabulary for English questions");
        }
    }

    /// The loaded engine, or 503.
    pub fn ready(&self) -> Result<Arc<Ready>, ApiError> {
        self.0
            .ready
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(ApiError::not_ready)
    }

    /// Switches to a newer generation of the index: requests already running finish on
    /// the old one, new requests use the new one.
    pub fn switch_index(&self, index: crate::index::Index) -> Result<(), ApiError> {
        let current = self.ready()?;
        let engine = current.engine.with_index(index);
        self.replace_ready(Ready {
            index: engine.index.clone(),
            engine,
            llm: current.llm.clone(),
        });
        Ok(())
    }

    fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }

    fn uptime(&self) -> Duration {
        self.0.started.elapsed()
    }

    /// Longest time a request's work may take (`--timeout-secs`).
    pub fn request_timeout(&self) -> Duration {
        self.0.options.timeout
    }

    /// Runs sync work on the blocking pool under the request timeout.
    pub async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        match tokio::time::timeout(self.0.options.timeout, tokio::task::spawn_blocking(work)).await
        {
            Err(_) => Err(ApiError::timeout()),
            Ok(Err(join)) => Err(ApiError::internal(join)),
            Ok(Ok(result)) => result,
        }
    }
}

/// Adds `charset=utf-8` to text responses that lack it (static files, event streams).
async fn utf8_charset(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Some(ct) = content_type
        && (ct.starts_with("text/") || ct.starts_with("application/javascript"))
        && !ct.contains("charset")
        && let Ok(v) = HeaderValue::from_str(&format!("{ct}; charset=utf-8"))
    {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}

async fn track(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "static".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    app.metrics().record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The paths and methods of the API, as the router serves them; the OpenAPI document is
/// tested against this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/ask"),
    ("post", "/api/ask/stream"),
    ("post", "/api/search"),
    ("post", "/api/compare"),
    ("get", "/api/documents"),
    ("get", "/api/documents/{id}"),
    ("get", "/api/states"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/v1/chat/completions"),
    ("get", "/v1/models"),
];

/// The whole application: API routes, static web chat, security headers, limits, logs.
pub fn router(app: AppState) -> Router {
    let options = app.0.options.clone();
    let guard = Arc::new(guard::Guard::new(&options.access));
    router_with_guard(app, guard)
}

fn router_with_guard(app: AppState, guard: Arc<guard::Guard>) -> Router {
    let options = app.0.options.clone();
    let static_files =
        ServeDir::new(&options.web_dir).not_found_service(error::not_found.into_service());
    let mut router = Router::new()
        .route("/api/ask", post(handlers::ask))
        .route("/api/ask/stream", post(handlers::ask_stream))
        .route("/api/search", post(handlers::search))
        .route("/api/compare", post(handlers::compare))
        .route("/api/documents", get(handlers::documents))
        .route("/api/documents/{id}", get(handlers::document))
        .route("/api/states", get(handlers::states))
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics))
        .route("/openapi.json", get(handlers::openapi))
        .route("/v1/chat/completions", post(openai::chat_completions))
        .route("/v1/models", get(openai::models))
        .route("/api", get(error::not_found))
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback_service(static_files)
        .layer(middleware::from_fn(utf8_charset))
        .layer(middleware::from_fn_with_state(guard, guard::guard))
        .layer(middleware::from_fn_with_state(app.clone(), track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ));
    if let Some(origin) = options.cors_origin {
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::exact(origin))
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        );
    }
    router.layer(TraceLayer::new_for_http()).with_state(app)
}

/// Binds `addr`, loads the engine with `load` on the blocking pool (the server answers
/// `/healthz` and 503 on the API meanwhile), prints `listening on http://ADDR` on stdout
/// once ready, and serves until SIGTERM or Ctrl-C.
pub async fn serve(
    addr: SocketAddr,
    options: ServeOptions,
    load: impl FnOnce() -> Result<Engine, String> + Send + 'static,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let guard = Arc::new(guard::Guard::new(&options.access));
    if guard.is_active() {
        let guard = guard.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                guard.forget_idle_clients();
            }
        });
    }
    let app = AppState::new(options);
    let service =
        router_with_guard(app.clone(), guard).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(shutdown_signal());
    let server = tokio::spawn(async move { server.await });
    let engine = tokio::task::spawn_blocking(load)
        .await
        .map_err(|e| format!("loading failed: {e}"))??;
    let watch = engine.index.backend.generation().is_some();
    app.set_ready(engine);
    if watch {
        tokio::spawn(follow_generations(app.clone(), GENERATION_POLL));
    }
    tracing::info!(%local, "ready");
    println!("listening on http://{local}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    server
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("server error: {e}"))
}

/// How often a server over a database checks for a newer index generation.
pub const GENERATION_POLL: Duration = Duration::from_secs(2);

/// Polls the index's source for a newer generation and switches to it once it is
/// complete and opens; a failed check or open is logged and retried at the next poll
/// (the server keeps answering from the generation it has).
pub async fn follow_generations(app: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Ok(ready) = app.ready() else { continue };
        let check = tokio::task::spawn_blocking(move || {
            let current = ready.index.backend.generation();
            let live = ready.index.backend.live_generation()?;
            if live.is_none() || live == current {
                return Ok::<_, crate::index::IndexError>(None);
            }
            let expected = ready.engine.expected()?;
            crate::index::open_at(&ready.engine.config.location(), &expected).map(Some)
        })
        .await;
        match check {
            Ok(Ok(Some(index))) => {
                let generation = index.backend.generation().unwrap_or_default();
                if app.switch_index(index).is_ok() {
                    tracing::info!(%generation, "switched to a new index generation");
                }
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "checking for a new index generation failed"),
            Err(e) => tracing::error!(error = %e, "the generation check panicked"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
