//! The PostgreSQL backend against a real server (PostgreSQL 18 + pgvector from
//! `scripts/pg.sh`). Ignored by plain `cargo test`; `scripts/test.sh` starts a server and
//! runs them with `BELEGT_TEST_PG_URL` set (`cargo test --test it pg:: -- --ignored`).

use belegt::corpus::chunk::ChunkParams;
use belegt::index::backend::SearchBackend;
use belegt::index::lexical::LexicalFilter;
use belegt::index::postgres::{self, PgSettings};
use belegt::index::{Index, IndexError};

use crate::util;

fn settings() -> PgSettings {
    let url = std::env::var("BELEGT_TEST_PG_URL")
        .expect("BELEGT_TEST_PG_URL names a test database (scripts/pg.sh start DIR prints one)");
    PgSettings::new(url)
}

/// Builds the shared seeds into the database.
fn build_into(
    settings: &PgSettings,
    model: &belegt::embed::Embedder,
) -> Result<belegt::index::BuildReport, IndexError> {
    postgres::build(
        &util::shared().seeds_dir,
        settings,
        model,
        ChunkParams::default(),
        |_| {},
    )
}

/// One test at a time: they share the database's live generation.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    util::lock(&LOCK)
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn a_postgres_index_holds_the_same_passages_and_ranks_like_the_embedded_one() {
    let _serial = serial();
    let shared = util::shared();
    let settings = settings();
    let model = util::load_model();
    let report = build_into(&settings, &model).expect("the build into PostgreSQL");
    assert_eq!(report.chunks, shared.report.chunks);
    let expected = Index::expected(&shared.seeds_dir, &model, ChunkParams::default())
        .expect("the seeds fingerprint");
    let (manifest, store, search) = postgres::open(&settings, &expected).expect("it opens");
    let engine = util::engine();
    let embedded = &engine.index;
    let parts = util::embedded(embedded);
    assert_eq!(manifest.corpus_hash, embedded.manifest.corpus_hash);
    assert_eq!(store.chunks.len(), embedded.store.chunks.len());
    for (a, b) in store.chunks.iter().zip(&embedded.store.chunks) {
        assert_eq!((&a.id, a.start, a.end), (&b.id, b.start, b.end));
    }
    let mut same_top1 = 0;
    let mut overlap = 0.0;
    let queries = [
        "Welche Länder setzen KI in der Polizei ein?",
        "Was plant Bayern für den Mittelstand?",
        "KI-Kompetenzzentrum Hochschulen Forschung",
        "Verwaltungsdigitalisierung Chatbot Bürgerservice",
        "Which states use AI in schools?",
    ];
    for q in queries {
        let qv = model.embed_query(q).expect("a query vector");
        let pg_dense = search.dense(&qv, 10, None).expect("dense search");
        let emb_dense = parts.vectors.search(&qv, 10, None);
        assert_eq!(pg_dense.len(), 10);
        if pg_dense[0].0 == emb_dense[0].0 {
            same_top1 += 1;
        }
        assert!(
            (pg_dense[0].1 - emb_dense[0].1).abs() < 1e-3,
            "{q}: same best similarity"
        );
        let filter = LexicalFilter::default();
        let pg_lex = search.lexical(q, 10, &filter).expect("lexical search");
        let emb_lex = parts.lexical.search(q, 10, &filter).expect("tantivy");
        let shared_hits = pg_lex
            .iter()
            .filter(|(i, _)| emb_lex.iter().any(|(j, _)| i == j))
            .count();
        overlap += shared_hits as f64 / emb_lex.len().max(1) as f64;
        assert_eq!(
            pg_lex.first().map(|h| h.0),
            emb_lex.first().map(|h| h.0),
            "{q}: same best BM25 hit"
        );
    }
    assert!(same_top1 >= 4, "dense top-1 agrees on {same_top1} of 5");
    assert!(
        overlap / queries.len() as f64 >= 0.8,
        "lexical top-10 overlap {overlap}"
    );
    // Filters: only the asked-for state comes back.
    let filter = LexicalFilter {
        states: vec!["BY".into()],
        docs: vec![],
    };
    let hits = search
        .lexical("Mittelstand", 10, &filter)
        .expect("filtered");
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|(i, _)| store.chunks[*i].state.as_deref() == Some("BY"))
    );
    let allowed: Vec<usize> = (0..store.chunks.len())
        .filter(|&i| store.chunks[i].state.as_deref() == Some("BY"))
        .collect();
    let qv = model.embed_query("Mittelstand").expect("vector");
    let hits = search
        .dense(&qv, 5, Some(&allowed))
        .expect("filtered dense");
    assert_eq!(hits.len(), 5.min(allowed.len()));
    assert!(hits.iter().all(|(i, _)| allowed.contains(i)));
    assert_eq!(
        search.doc_freq("polizei"),
        parts.lexical.doc_freq("polizei")
    );
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn a_second_build_switches_generations_and_keeps_only_the_previous_one() {
    let _serial = serial();
    let shared = util::shared();
    let settings = settings();
    let model = util::load_model();
    let expected =
        Index::expected(&shared.seeds_dir, &model, ChunkParams::default()).expect("fingerprint");
    let build = |model: &belegt::embed::Embedder| {
        postgres::build(
            &shared.seeds_dir,
            &settings,
            model,
            ChunkParams::default(),
            |_| {},
        )
        .expect("build")
    };
    build(&model);
    let (_, _, first) = postgres::open(&settings, &expected).expect("opens");
    build(&model);
    let (_, _, second) = postgres::open(&settings, &expected).expect("opens");
    assert_ne!(first.generation(), second.generation());
    // The first reader still answers from its generation (kept as the previous one) and
    // sees that a newer one is live.
    let qv = model.embed_query("Polizei").expect("vector");
    assert_eq!(
        first
            .dense(&qv, 3, None)
            .expect("old generation still readable")
            .len(),
        3
    );
    assert_eq!(first.live_generation().expect("live"), second.generation());
    build(&model);
    let err = first
        .dense(&qv, 3, None)
        .expect_err("two builds later the first generation is gone");
    assert!(matches!(err, IndexError::Database { .. }), "{err}");
}

#[test]
fn passwords_never_show_in_urls_we_print() {
    assert_eq!(
        postgres::redact("postgres://belegt:s3cret@db.internal:5432/belegt?sslmode=disable"),
        "postgres://belegt:***@db.internal:5432/belegt?sslmode=disable"
    );
    assert_eq!(
        postgres::redact("postgres://belegt@db/belegt"),
        "postgres://belegt@db/belegt"
    );
    assert_eq!(
        postgres::redact("postgres://u:p@ss@host/db"),
        "postgres://u:***@host/db"
    );
    let settings = PgSettings::new("postgres://u:topsecret@127.0.0.1:1/x");
    assert!(!format!("{settings:?}").contains("topsecret"));
    let err = match postgres::open(
        &settings,
        &Index::expected(
            &util::shared().seeds_dir,
            &util::engine().embedder,
            ChunkParams::default(),
        )
        .expect("fp"),
    ) {
        Ok(_) => panic!("nothing listens on port 1"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("u:***@127.0.0.1:1") && !err.contains("topsecret"),
        "{err}"
    );
}

fn generation_schemas(url: &str) -> Vec<String> {
    let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).expect("connect");
    client
        .query(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'belegt\\_g%' ORDER BY nspname",
            &[],
        )
        .expect("list schemas")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn top_ids(index: &Index, model: &belegt::embed::Embedder, question: &str) -> Vec<String> {
    let v = model.embed_query(question).expect("vector");
    belegt::retrieve::search_with_vector(
        index,
        question,
        &v,
        &belegt::retrieve::Filters::default(),
        5,
        None,
    )
    .expect("the search runs")
    .iter()
    .map(|h| index.store.chunks[h.chunk].id.clone())
    .collect()
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn a_build_into_postgres_killed_at_any_point_leaves_the_live_generation_serving() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let _serial = serial();
    let shared = util::shared();
    let settings = settings();
    let model = util::load_model();
    let expected =
        Index::expected(&shared.seeds_dir, &model, ChunkParams::default()).expect("fingerprint");
    let location = belegt::index::Location::Postgres(settings.clone());
    let question = "KI in der Landesverwaltung";
    build_into(&settings, &model).expect("a first build");
    let before = belegt::index::open_at(&location, &expected).expect("it opens");
    let live = before.backend.location();
    let good = top_ids(&before, &model, question);
    drop(before);
    let writing = || {
        generation_schemas(&settings.url).iter().any(|s| {
            !live.ends_with(&format!("#{s}")) && s.as_str() > live.rsplit('#').next().unwrap_or("")
        })
    };
    let never = || false;
    let points: [(Duration, &dyn Fn() -> bool); 3] = [
        (Duration::from_millis(500), &never),
        (Duration::from_secs(3), &never),
        (Duration::from_secs(300), &writing),
    ];
    for (after, when) in points {
        let cwd = util::temp_dir();
        let mut child = Command::new(env!("CARGO_BIN_EXE_belegt"))
            .current_dir(cwd.path())
            .args(["index", "--store", &settings.url])
            .env("BELEGT_SEEDS", &shared.seeds_dir)
            .env_remove("BELEGT_STORE_READ_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("belegt index starts");
        let started = Instant::now();
        while started.elapsed() < after && !when() {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!("belegt index ended by itself ({status}) before the kill");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let ran = started.elapsed();
        let index = belegt::index::open_at(&location, &expected)
            .unwrap_or_else(|e| panic!("killed after {ran:?}: the index does not open: {e}"));
        assert_eq!(
            index.backend.location(),
            live,
            "killed after {ran:?}: the live generation changed"
        );
        assert_eq!(
            top_ids(&index, &model, question),
            good,
            "killed after {ran:?}: answers differ"
        );
    }
    // The next build cleans up what the killed ones left.
    build_into(&settings, &model).expect("a build after the kills");
    let left = generation_schemas(&settings.url);
    assert!(
        left.len() <= 2,
        "live and previous generation only: {left:?}"
    );
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn ask_cites_the_same_passages_in_the_same_order_from_postgres_as_from_the_files() {
    let _serial = serial();
    let shared = util::shared();
    let settings = settings();
    let model = util::load_model();
    build_into(&settings, &model).expect("the build");
    let config = util::config_for(&shared.seeds_dir, &shared.index_dir);
    let files = belegt::engine::Engine::open_with(config.clone(), model).expect("files");
    let pg_config = belegt::config::Config {
        postgres: Some(settings.clone()),
        ..config
    };
    let pg = belegt::engine::Engine::open_with(pg_config, util::load_model()).expect("postgres");
    let questions = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/queries.txt"),
    )
    .expect("benches/queries.txt");
    let (mut same, mut same_set, mut n) = (0, 0, 0);
    for q in questions
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let req = belegt::retrieve::SearchRequest::parse(q, &[], &[], 5).expect("a request");
        let a = files.ask(&req, None).expect("files answer");
        let b = pg.ask(&req, None).expect("postgres answers");
        let ids = |r: &belegt::wire::AskResponse| -> Vec<String> {
            r.citations.iter().map(|c| c.id.clone()).collect()
        };
        let (ia, ib) = (ids(&a), ids(&b));
        n += 1;
        if ia == ib {
            same += 1;
        }
        let mut sa = ia.clone();
        let mut sb = ib.clone();
        sa.sort();
        sb.sort();
        if sa == sb {
            same_set += 1;
        }
        assert_eq!(a.abstained, b.abstained, "{q}: the same abstention");
    }
    eprintln!(
        "pg parity: {same}/{n} questions cite the same passages in the same order, {same_set}/{n} the same set"
    );
    assert!(n >= 50, "{n} questions");
    assert!(
        same * 20 >= n * 19,
        "only {same}/{n} identical citation lists"
    );
}

/// Runs `scripts/pg.sh ACTION $BELEGT_TEST_PG_DATA`.
fn pg_ctl(action: &str) {
    let dir = std::env::var("BELEGT_TEST_PG_DATA").expect(
        "BELEGT_TEST_PG_DATA names the test server's folder (scripts/test-postgres.sh sets it)",
    );
    let status = std::process::Command::new(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg.sh"),
    )
    .args([action, &dir])
    .stdout(std::process::Stdio::null())
    .status()
    .expect("scripts/pg.sh runs");
    assert!(status.success(), "scripts/pg.sh {action} failed");
}

/// `belegt serve --store URL` on a free loopback port; killed on drop.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_postgres(url: &str, extra: &[&str]) -> Server {
    use std::io::BufRead;
    let shared = util::shared();
    let cwd = util::temp_dir();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_belegt"))
        .current_dir(cwd.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--store", url])
        .args(extra)
        .env("BELEGT_SEEDS", &shared.seeds_dir)
        .env(
            "BELEGT_WEB_DIR",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("belegt serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a line on stdout");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no listening line: {line:?}"))
        .to_string();
    Server { child, base }
}

async fn post_ask(base: &str, question: &str) -> (reqwest::StatusCode, serde_json::Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/ask"))
        .json(&serde_json::json!({ "question": question }))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .expect("answered in time");
    let status = res.status();
    (status, res.json().await.expect("a JSON body"))
}

async fn readyz(base: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(format!("{base}/readyz"))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .expect("answered in time")
        .status()
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn while_the_database_is_down_the_api_says_503_and_recovers_when_it_is_back() {
    let _serial = serial();
    let settings = settings();
    let model = util::load_model();
    build_into(&settings, &model).expect("the build");
    drop(model);
    let server = serve_postgres(&settings.url, &[]);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let question = "Was plant Bayern für den Mittelstand?";
        let (status, body) = post_ask(&server.base, question).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        assert_eq!(readyz(&server.base).await, reqwest::StatusCode::OK);

        pg_ctl("stop");
        let started = std::time::Instant::now();
        let (status, body) = post_ask(&server.base, question).await;
        assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
        assert!(
            !body.to_string().contains("127.0.0.1"),
            "no connection details: {body}"
        );
        assert_eq!(
            readyz(&server.base).await,
            reqwest::StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(25),
            "no hang"
        );

        pg_ctl("start");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while readyz(&server.base).await != reqwest::StatusCode::OK {
            assert!(
                std::time::Instant::now() < deadline,
                "no recovery within 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        let (status, body) = post_ask(&server.base, question).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        assert_eq!(body["filters"]["states"], serde_json::json!(["BY"]));
    });
}

async fn generation_of(base: &str) -> Option<String> {
    let res = reqwest::Client::new()
        .get(format!("{base}/readyz"))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    let body: serde_json::Value = res.json().await.ok()?;
    body["generation"].as_str().map(str::to_string)
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn two_replicas_switch_to_a_new_generation_under_load_without_errors() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let _serial = serial();
    let settings = settings();
    let model = util::load_model();
    build_into(&settings, &model).expect("the first generation");
    let replicas = [
        serve_postgres(&settings.url, &[]),
        serve_postgres(&settings.url, &[]),
    ];
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let first = runtime
        .block_on(generation_of(&bases[0]))
        .expect("a generation");
    assert_eq!(
        runtime.block_on(generation_of(&bases[1])).as_deref(),
        Some(first.as_str())
    );

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let questions = [
        "Was plant Bayern für den Mittelstand?",
        "KI in der Polizei",
        "Wie fördert Sachsen die KI-Forschung?",
        "KI-Kompetenzzentren an Hochschulen",
    ];
    let load: Vec<_> = (0..4)
        .map(|i| {
            let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
            let base = bases[i % 2].clone();
            let q = questions[i];
            runtime.spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let res = client
                        .post(format!("{base}/api/search"))
                        .json(&serde_json::json!({ "query": q }))
                        .timeout(std::time::Duration::from_secs(30))
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().is_success() => ok.fetch_add(1, Ordering::Relaxed),
                        _ => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    // Re-index while both serve under load.
    build_into(&settings, &model).expect("the second generation");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let second = loop {
        let gens: Vec<Option<String>> = bases
            .iter()
            .map(|b| runtime.block_on(generation_of(b)))
            .collect();
        if gens
            .iter()
            .all(|g| g.is_some() && g.as_deref() != Some(first.as_str()))
            && gens[0] == gens[1]
        {
            break gens[0].clone().expect("a generation");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "replicas did not switch within 60 s: {gens:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_ne!(second, first);
    std::thread::sleep(std::time::Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for task in load {
        runtime.block_on(task).expect("a load task");
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    eprintln!("replicas under re-index: {ok} answered, {failed} failed; {first} → {second}");
    assert_eq!(failed, 0, "{failed} requests failed during the switch");
    assert!(ok >= 20, "only {ok} requests answered");
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test.sh runs it"]
fn a_replica_of_belegt_reads_from_a_streaming_replica_of_postgres() {
    let _serial = serial();
    let settings = settings();
    let model = util::load_model();
    build_into(&settings, &model).expect("the build on the primary");
    let primary = std::env::var("BELEGT_TEST_PG_DATA").expect("BELEGT_TEST_PG_DATA");
    let dir = util::temp_dir();
    let standby = dir.path().join("standby");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg.sh");
    let out = std::process::Command::new(&script)
        .arg("replica")
        .arg(&primary)
        .arg(&standby)
        .output()
        .expect("scripts/pg.sh runs");
    assert!(
        out.status.success(),
        "pg_basebackup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read_url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let stop_standby = || {
        let _ = std::process::Command::new(&script)
            .arg("stop")
            .arg(&standby)
            .status();
    };
    let mut standby_client =
        ::postgres::Client::connect(&read_url, ::postgres::NoTls).expect("the standby answers");
    let in_recovery: bool = standby_client
        .query_one("SELECT pg_is_in_recovery()", &[])
        .expect("query")
        .get(0);
    drop(standby_client);
    assert!(in_recovery, "{read_url} is a standby");
    let server = serve_postgres(&settings.url, &["--store-read-url", &read_url]);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let question = "Was plant Bayern für den Mittelstand?";
    let (status, body) = runtime.block_on(post_ask(&server.base, question));
    // With the primary stopped, answers still come: they are read from the standby.
    pg_ctl("stop");
    let (status_without_primary, body_without_primary) =
        runtime.block_on(post_ask(&server.base, question));
    pg_ctl("start");
    drop(server);
    stop_standby();
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["abstained"], false, "{body}");
    assert_eq!(
        status_without_primary,
        reqwest::StatusCode::OK,
        "{body_without_primary}"
    );
    assert_eq!(body_without_primary["citations"], body["citations"]);
}
