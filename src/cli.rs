//! The command line: `belegt index | search | ask | compare | eval | serve`.
//!
//! Every error ends as one line on stderr and exit code 2.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::answer::judge::Judge;
use crate::answer::llm::LlmClient;
use crate::config::{Config, Overrides};
use crate::embed::{Embedder, Workload};
use crate::engine::{AnswerMode, Engine, draft};
use crate::eval;
use crate::index::Stage;
use crate::retrieve::{MAX_K, SearchRequest};
use crate::wire::{AskResponse, CitationJson, CompareResponse, SearchResponse};

/// belegt — Antworten mit Belegen: answers from the documents, with the passages that prove them.
#[derive(Debug, Parser)]
#[command(name = "belegt", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Folder with catalog.toml and the documents [default: ./seeds]
    #[arg(long, env = "BELEGT_SEEDS", global = true)]
    seeds: Option<PathBuf>,
    /// Folder for the index [default: ./embeddings]
    #[arg(long, env = "BELEGT_INDEX_DIR", global = true)]
    index_dir: Option<PathBuf>,
    /// Embedding model: a model directory, or a fastembed model name to download
    /// [default: $BELEGT_HOME/models/multilingual-e5-small-q4]
    #[arg(long, env = "BELEGT_MODEL", global = true)]
    model: Option<String>,
    /// ONNX Runtime library (libonnxruntime.so, 1.24 or newer)
    /// [default: $ORT_DYLIB_PATH, else $BELEGT_HOME/onnxruntime/libonnxruntime.so]
    #[arg(long, env = "BELEGT_ORT_LIB", global = true)]
    ort_lib: Option<PathBuf>,
    /// Threads for the embedding model [default: all cores]
    #[arg(long, env = "BELEGT_THREADS", global = true)]
    threads: Option<usize>,
    /// English–German dictionary in the Ding format for English comparisons, or "off"
    /// [default: $BELEGT_HOME/dictionary/de-en, else /usr/share/trans/de-en]
    #[arg(long, env = "BELEGT_DICTIONARY", global = true)]
    dictionary: Option<PathBuf>,
    /// German thesaurus in the OpenThesaurus text format: a comparison also counts a
    /// topic word's synonyms, or "off"
    /// [default: $BELEGT_HOME/dictionary/openthesaurus.txt, else
    /// /usr/share/openthesaurus-de/openthesaurus.txt]
    #[arg(long, env = "BELEGT_THESAURUS", global = true)]
    thesaurus: Option<PathBuf>,
    /// OpenAI-compatible LLM endpoint for drafted answers, up to /v1
    /// (e.g. http://127.0.0.1:11434/v1); API key in $BELEGT_LLM_API_KEY [default: off]
    #[arg(long, env = "BELEGT_LLM_URL", global = true)]
    llm_url: Option<String>,
    /// LLM model name [default: "default"]
    #[arg(long, env = "BELEGT_LLM_MODEL", global = true)]
    llm_model: Option<String>,
    /// Longest time an LLM draft may take, in seconds [default: 20]
    #[arg(long, env = "BELEGT_LLM_TIMEOUT_SECS", global = true)]
    llm_timeout_secs: Option<u64>,
    /// Longest LLM draft, in tokens [default: 600]
    #[arg(long, env = "BELEGT_LLM_MAX_TOKENS", global = true)]
    llm_max_tokens: Option<u32>,
    /// LLM sampling temperature [default: 0.1]
    #[arg(long, env = "BELEGT_LLM_TEMPERATURE", global = true)]
    llm_temperature: Option<f32>,
    /// Keep the index in PostgreSQL (with pgvector) instead of the index folder, e.g.
    /// postgres://belegt@db.internal/belegt; a password is never printed [default: off]
    #[arg(long, env = "BELEGT_STORE", global = true, value_name = "POSTGRES_URL")]
    store: Option<String>,
    /// Read from this PostgreSQL streaming replica; `index` still writes to --store
    #[arg(
        long,
        env = "BELEGT_STORE_READ_URL",
        global = true,
        value_name = "POSTGRES_URL",
        requires = "store"
    )]
    store_read_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build (or rebuild) the index of the seeds, with a progress bar.
    Index {
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ranked passages for a query.
    Search(QueryArgs),
    /// A short answer with numbered citations, or an honest abstention.
    Ask {
        #[command(flatten)]
        query: QueryArgs,
        /// Draft the answer with the configured LLM, checked against the passages
        /// (falls back to the extractive answer, saying why, when the LLM fails); a
        /// question across the states also has its comparison judged by it.
        #[arg(long)]
        llm: bool,
    },
    /// Compare the 16 states on a topic: one finding per state with its citation, "keine
    /// Aussage im Bericht", or "kein Bericht".
    Compare {
        /// The topic, or a question across the states ("Welche Länder …").
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
        /// Print JSON (the object `POST /api/compare` returns).
        #[arg(long)]
        json: bool,
        /// Let the configured LLM judge each state's sentences (falls back to the
        /// key-term rule for a state whose call fails, saying why).
        #[arg(long)]
        llm: bool,
    },
    /// Serve the HTTP API and the web chat (builds the index first if it is missing or stale).
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "BELEGT_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Folder with the web chat [default: ./web]
        #[arg(long, env = "BELEGT_WEB_DIR")]
        web_dir: Option<PathBuf>,
        /// Longest time a request may take, in seconds.
        #[arg(long, env = "BELEGT_TIMEOUT_SECS", default_value_t = 30)]
        timeout_secs: u64,
        /// Allow cross-origin requests from this origin (CORS is off by default).
        #[arg(long, env = "BELEGT_CORS_ORIGIN")]
        cors_origin: Option<String>,
        /// Log requests as JSON lines instead of text.
        #[arg(long, env = "BELEGT_LOG_JSON")]
        log_json: bool,
        #[command(flatten)]
        access: AccessArgs,
    },
    /// Answer quality over a question file (JSON lines, as shared/eval/dev.jsonl).
    Eval {
        /// The question file.
        #[arg(long)]
        file: PathBuf,
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
        /// Citations per answer for the compare and abstention figures.
        #[arg(short, default_value_t = 5)]
        k: usize,
        /// Fail (exit 2) unless an overall figure meets this bound, e.g.
        /// `--require recall_at_5>=0.94 --require false_abstention<=0.03`.
        #[arg(long = "require", value_name = "FIGURE>=VALUE")]
        requirements: Vec<eval::Requirement>,
        /// Let the configured LLM judge the comparisons' states (as `compare --llm`).
        #[arg(long)]
        llm: bool,
    },
}

/// Who may use the API, and how much. The keys themselves are never a flag (they would
/// show in process lists): `$BELEGT_API_KEYS` or a file.
#[derive(Debug, Args)]
struct AccessArgs {
    /// Require `Authorization: Bearer <key>` on /api/* and /v1/*, with the keys in this
    /// file (one per line; `#` comments). `$BELEGT_API_KEYS` (comma-separated) adds keys.
    #[arg(long, env = "BELEGT_API_KEY_FILE", value_name = "FILE")]
    api_key_file: Option<PathBuf>,
    /// Requests per minute and client on /api/* and /v1/*; more get 429 with
    /// `Retry-After` (off by default).
    #[arg(long, env = "BELEGT_RATE_LIMIT", value_name = "PER_MINUTE")]
    rate_limit: Option<std::num::NonZeroU32>,
    /// Requests a client may send at once before the rate applies [default: 10 s worth].
    #[arg(long, env = "BELEGT_RATE_BURST", requires = "rate_limit")]
    rate_burst: Option<std::num::NonZeroU32>,
    /// Count clients by the last address in `X-Forwarded-For` (only behind a proxy
    /// that sets it).
    #[arg(long, env = "BELEGT_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
}

impl AccessArgs {
    fn resolve(self) -> Result<crate::api::guard::AccessOptions> {
        use crate::api::guard::{AccessOptions, ApiKeys, RateLimit};
        let mut text = crate::config::api_keys_from_env().unwrap_or_default();
        if let Some(file) = &self.api_key_file {
            let from_file = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the API key file {}", file.display()))?;
            text.push('\n');
            text.push_str(&from_file);
        }
        let api_keys = ApiKeys::parse(&text).map_err(anyhow::Error::msg)?;
        if self.api_key_file.is_some() && api_keys.is_empty() {
            bail!("the API key file has no key");
        }
        let rate_limit = self.rate_limit.map(|per_minute| {
            let default = RateLimit::per_minute(per_minute);
            RateLimit {
                burst: self.rate_burst.unwrap_or(default.burst),
                ..default
            }
        });
        Ok(AccessOptions {
            api_keys,
            rate_limit,
            trust_forwarded_for: self.trust_forwarded_for,
        })
    }
}

#[derive(Debug, Args)]
struct QueryArgs {
    /// The question or search words.
    #[arg(required = true, num_args = 1..)]
    words: Vec<String>,
    /// Only these states (two-letter codes, comma-separated: BY,BW).
    #[arg(long, value_delimiter = ',')]
    state: Vec<String>,
    /// Only these documents (catalog ids, comma-separated).
    #[arg(long, value_delimiter = ',')]
    doc: Vec<String>,
    /// Number of passages (1–50).
    #[arg(short, default_value_t = 5)]
    k: usize,
    /// Print JSON (the same objects the HTTP API returns).
    #[arg(long)]
    json: bool,
}

/// Parses the command line; on a usage error prints one line and exits 2.
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            std::process::exit(0);
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "belegt: {} (see `belegt --help`)",
                first.trim_start_matches("error: ")
            );
            std::process::exit(2);
        }
    }
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    let g = cli.global;
    let config = Config::resolve(
        Overrides {
            seeds: g.seeds,
            index_dir: g.index_dir,
            model: g.model,
            ort_library: g.ort_lib,
            threads: g.threads,
            dictionary: g.dictionary,
            thesaurus: g.thesaurus,
            llm_url: g.llm_url,
            llm_model: g.llm_model,
            llm_timeout_secs: g.llm_timeout_secs,
            llm_max_tokens: g.llm_max_tokens,
            llm_temperature: g.llm_temperature,
            store: g.store,
            store_read_url: g.store_read_url,
        }
        .with_file()
        .map_err(anyhow::Error::msg)?,
    );
    match cli.command {
        Command::Index { json } => index(config, json),
        Command::Search(args) => {
            let req = request(&args)?;
            let engine = Engine::open(config)?;
            let res = engine.search(&req)?;
            print_out(args.json, &res, render_search)
        }
        Command::Ask { query: args, llm } => {
            let req = request(&args)?;
            let llm = LlmRun::new(&config, llm)?;
            let engine = Engine::open(config)?;
            let mut res = engine.ask(&req, llm.as_ref().map(|l| &l.judge))?;
            if let Some(l) = &llm {
                l.runtime.block_on(draft(&l.judge.client, &mut res, None));
            }
            print_out(args.json, &res, render_ask)
        }
        Command::Compare { words, json, llm } => {
            let topic = compare_topic(&words.join(" "))?;
            let llm = LlmRun::new(&config, llm)?;
            let engine = Engine::open(config)?;
            let res = engine.compare(&topic, llm.as_ref().map(|l| &l.judge))?;
            print_out(json, &res, render_compare)
        }
        Command::Serve {
            addr,
            web_dir,
            timeout_secs,
            cors_origin,
            log_json,
            access,
        } => serve(
            config,
            addr,
            web_dir,
            timeout_secs,
            cors_origin,
            log_json,
            access,
        ),
        Command::Eval {
            file,
            json,
            k,
            requirements,
            llm,
        } => {
            check_k(k)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let items =
                eval::parse_items(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let llm = LlmRun::new(&config, llm)?;
            let engine = Engine::open(config)?;
            let report = eval::run(&engine, &items, k, llm.as_ref().map(|l| &l.judge))?;
            print_out(json, &report, eval::render)?;
            eval::check(&report, &requirements).map_err(anyhow::Error::msg)
        }
    }
}

fn check_k(k: usize) -> Result<()> {
    if !(1..=MAX_K).contains(&k) {
        bail!("-k must be between 1 and {MAX_K}, got {k}");
    }
    Ok(())
}

/// The configured LLM with a runtime to reach it from the command line.
struct LlmRun {
    judge: Judge,
    runtime: tokio::runtime::Runtime,
}

impl LlmRun {
    /// `None` unless `wanted`; an error when wanted and no endpoint is configured.
    fn new(config: &Config, wanted: bool) -> Result<Option<LlmRun>> {
        let mode = if wanted {
            AnswerMode::Llm
        } else {
            AnswerMode::Extractive
        };
        let (true, Some(settings)) = (mode.uses_llm(config.llm.is_some())?, &config.llm) else {
            return Ok(None);
        };
        // Multi-threaded: its worker drives the requests while the engine waits for
        // them on this thread.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        Ok(Some(LlmRun {
            judge: Judge {
                client: LlmClient::new(settings.clone())?,
                runtime: runtime.handle().clone(),
                limit: settings.timeout,
            },
            runtime,
        }))
    }
}

/// Checks a compare topic as a question is checked (not empty, not too long).
fn compare_topic(topic: &str) -> Result<String> {
    Ok(SearchRequest::parse(topic, &[], &[], 1)?.query)
}

fn request(args: &QueryArgs) -> Result<SearchRequest> {
    Ok(SearchRequest::parse(
        &args.words.join(" "),
        &args.state,
        &args.doc,
        args.k,
    )?)
}

fn print_out<T: serde::Serialize>(
    json: bool,
    value: &T,
    render: impl Fn(&T) -> String,
) -> Result<()> {
    let text = if json {
        serde_json::to_string_pretty(value).context("cannot serialize the result")?
    } else {
        render(value)
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", text.trim_end()).context("cannot write to stdout")?;
    Ok(())
}

fn index(mut config: Config, json: bool) -> Result<()> {
    let t = std::time::Instant::now();
    // Nothing else runs in this process while it embeds: let ONNX Runtime's threads spin.
    config.model.workload = Workload::Indexing;
    let embedder = Embedder::load(&config.model)?;
    let model_load = t.elapsed().as_secs_f64();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {pos}/{len} passages, {elapsed} (ETA {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let (_, report) = Engine::build(config, embedder, |stage| match stage {
        Stage::Prepare => bar.set_message("preparing"),
        Stage::Embed { done, total } => {
            bar.set_message("embedding");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Stage::Write => bar.set_message("writing"),
    })?;
    bar.finish_and_clear();
    let report = IndexFigures {
        model_load_seconds: model_load,
        build: report,
    };
    print_out(json, &report, |f| {
        let r = &f.build;
        let s = &r.seconds;
        format!(
            "Indexed {} documents, {} passages in {:.1} s (model load {:.1} s; prepare {:.1} s, embed {:.1} s, hnsw {:.2} s, lexical {:.2} s, write {:.2} s)\nIndex: {}",
            r.documents,
            r.chunks,
            s.total,
            f.model_load_seconds,
            s.prepare,
            s.embed,
            s.hnsw,
            s.lexical,
            s.write,
            r.generation.display()
        )
    })
}

fn serve(
    config: Config,
    addr: std::net::SocketAddr,
    web_dir: Option<PathBuf>,
    timeout_secs: u64,
    cors_origin: Option<String>,
    log_json: bool,
    access: AccessArgs,
) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn,ort=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if log_json {
        builder.json().init();
    } else {
        builder.init();
    }
    if !(1..=3600).contains(&timeout_secs) {
        bail!("--timeout-secs must be between 1 and 3600, got {timeout_secs}");
    }
    let cors_origin = cors_origin
        .map(|o| {
            axum::http::HeaderValue::from_str(&o)
                .with_context(|| format!("bad --cors-origin {o:?}"))
        })
        .transpose()?;
    let options = crate::api::ServeOptions {
        web_dir: web_dir.unwrap_or_else(|| {
            config
                .seeds_dir
                .parent()
                .map_or_else(|| PathBuf::from("web"), |p| p.join("web"))
        }),
        timeout: std::time::Duration::from_secs(timeout_secs),
        cors_origin,
        access: access.resolve()?,
    };
    if !options.access.api_keys.is_empty() {
        tracing::info!(keys = ?options.access.api_keys, "API key required on /api and /v1");
    }
    if let Some(limit) = options.access.rate_limit {
        tracing::info!(
            per_minute = limit.per_minute.get(),
            burst = limit.burst.get(),
            "rate limit per client on /api and /v1"
        );
    }
    let load = move || {
        let mut last = 0;
        let (engine, report) = Engine::load_or_build(config, |stage| {
            if let Stage::Embed { done, total } = stage {
                let pct = done * 100 / total.max(1);
                if pct >= last + 10 || done == total {
                    last = pct;
                    eprintln!("belegt: building the index: {done}/{total} passages");
                }
            }
        })
        .map_err(|e| e.to_string())?;
        if let Some(r) = report {
            eprintln!(
                "belegt: indexed {} documents, {} passages in {:.1} s",
                r.documents, r.chunks, r.seconds.total
            );
        }
        Ok(engine)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime
        .block_on(crate::api::serve(addr, options, load))
        .map_err(anyhow::Error::msg)
}

/// What `belegt index` reports.
#[derive(serde::Serialize)]
struct IndexFigures {
    model_load_seconds: f64,
    #[serde(flatten)]
    build: crate::index::BuildReport,
}

fn citation_block(c: &CitationJson, rank_note: &str) -> String {
    let state = match (&c.state_name, &c.state) {
        (Some(name), Some(code)) => format!("{name} ({code}) · "),
        _ => String::new(),
    };
    let text = c.text.replace("\n\n", "\n    ");
    format!(
        "[{}] {state}{} · {}{rank_note}\n    {}:{}–{}\n    {}\n",
        c.n, c.doc_title, c.section, c.doc, c.start, c.end, text
    )
}

fn render_filters(f: &crate::wire::FiltersJson) -> String {
    let mut parts = Vec::new();
    if !f.states.is_empty() {
        parts.push(format!("Länder: {}", f.states.join(", ")));
    }
    if !f.docs.is_empty() {
        parts.push(format!("Dokumente: {}", f.docs.join(", ")));
    }
    match (&f.reason, parts.is_empty()) {
        (_, true) => String::new(),
        (Some(r), false) if f.detected_from_question => {
            format!("Filter: {} (erkannt in der Frage: {r})\n", parts.join("; "))
        }
        _ => format!("Filter: {}\n", parts.join("; ")),
    }
}

fn render_ask(r: &AskResponse) -> String {
    let mut out = format!("{}\n", r.answer);
    if !r.unknown_words.is_empty() {
        out.push_str(&format!("{}\n", unknown_note(&r.unknown_words)));
    }
    out.push_str(&format!("\n{}", render_filters(&r.filters)));
    let unsupported = r.unsupported_sentences();
    if r.mode == "llm" {
        out.push_str("(KI-Zusammenfassung, gegen die Belege geprüft)\n");
    }
    for s in &unsupported {
        out.push_str(&format!("Nicht belegt: {s}\n"));
    }
    if !r.invalid_citations.is_empty() {
        let list: Vec<String> = r
            .invalid_citations
            .iter()
            .map(|n| format!("[{n}]"))
            .collect();
        out.push_str(&format!(
            "Entfernte Verweise ohne Passage: {}\n",
            list.join(", ")
        ));
    }
    if let Some(e) = &r.llm_error {
        out.push_str(&format!(
            "KI-Zusammenfassung nicht verfügbar ({e}); Antwort aus den Passagen.\n"
        ));
    }
    if !r.abstained {
        out.push_str("\nBelege:\n");
        for c in &r.citations {
            out.push_str(&citation_block(c, ""));
        }
    } else if !r.citations.is_empty() {
        out.push_str("\nNächstliegende Passagen (belegen keine Antwort):\n");
        for c in &r.citations {
            out.push_str(&citation_block(c, ""));
        }
    }
    out
}

/// "„Bibliotheken“ kommt in den Dokumenten nicht vor." for the words an abstention
/// was for.
fn unknown_note(words: &[String]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("„{w}“")).collect();
    let verb = if words.len() == 1 { "kommt" } else { "kommen" };
    let list = match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} und {last}", rest.join(", ")),
        _ => quoted.concat(),
    };
    format!("{list} {verb} in den Dokumenten nicht vor.")
}

fn render_compare(r: &CompareResponse) -> String {
    let c = &r.counts;
    let mut out = format!(
        "Vergleich der Länder: {}\n{} mit Aussage, {} ohne Aussage im Bericht, {} ohne Bericht\n",
        r.topic, c.finding, c.no_statement, c.no_report
    );
    if !r.unknown_terms.is_empty() {
        out.push_str(&format!(
            "Die Dokumente verwenden nicht: {} (darum keine Aussage)\n",
            r.unknown_terms.join(", ")
        ));
    }
    for (label, counted) in [
        ("Gleichbedeutend gezählt (OpenThesaurus)", &r.synonyms),
        (
            "Englisch geschrieben gezählt (Wörterbuch)",
            &r.english_words,
        ),
    ] {
        if !counted.is_empty() {
            let pairs: Vec<String> = counted
                .iter()
                .map(|s| format!("{} = {}", s.word, s.synonyms.join(", ")))
                .collect();
            out.push_str(&format!("{label}: {}\n", pairs.join("; ")));
        }
    }
    if let Some(j) = &r.judge {
        if j.states_judged > 0 {
            out.push_str(&format!(
                "Die Aussagen wählte das Sprachmodell {:?} unter den Sätzen jedes Landes; belegt zitiert sie wörtlich.\n",
                j.model
            ));
        }
        if let Some(e) = &j.error {
            out.push_str(&format!(
                "Für {} Länder entschied die Schlüsselwort-Regel, weil das Sprachmodell nicht antwortete: {e}\n",
                j.states_failed
            ));
        }
    }
    if !r.documents.is_empty() {
        let titles: Vec<&str> = r.documents.iter().map(|d| d.short_title.as_str()).collect();
        out.push_str(&format!(
            "Nur die Dokumente, die die Frage nennt: {}\n",
            titles.join("; ")
        ));
    }
    out.push('\n');
    for row in &r.rows {
        let cite = row
            .citation
            .as_ref()
            .map_or(String::new(), |c| format!(" [{}]", c.n));
        out.push_str(&format!(
            "{:<24} {}{cite}\n",
            format!("{} ({})", row.state_name, row.state),
            row.finding.trim_start_matches(['•', ' ']),
        ));
    }
    let cited: Vec<&CitationJson> = r.rows.iter().filter_map(|x| x.citation.as_ref()).collect();
    if !cited.is_empty() {
        out.push_str("\nBelege:\n");
        for c in cited {
            out.push_str(&citation_block(c, ""));
        }
    }
    out
}

fn render_search(r: &SearchResponse) -> String {
    let mut out = render_filters(&r.filters);
    if r.hits.is_empty() {
        out.push_str("Keine Treffer.\n");
    }
    for h in &r.hits {
        let ranks = format!(
            " (vektor: {}, lexikalisch: {})",
            h.dense_rank.map_or("–".into(), |r| r.to_string()),
            h.lexical_rank.map_or("–".into(), |r| r.to_string())
        );
        out.push_str(&citation_block(&h.passage, &ranks));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unknown_note;

    #[test]
    fn the_note_names_every_word_the_documents_lack() {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            unknown_note(&words(&["Bibliotheken"])),
            "„Bibliotheken“ kommt in den Dokumenten nicht vor."
        );
        assert_eq!(
            unknown_note(&words(&["Wetter", "Ostsee", "Grillen"])),
            "„Wetter“, „Ostsee“ und „Grillen“ kommen in den Dokumenten nicht vor."
        );
    }
}
