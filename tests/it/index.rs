//! The index on disk: it round-trips, refuses to load when stale, damaged or absent, survives
//! an interrupted build, and takes in a new document.

use std::path::{Path, PathBuf};

use belegt::corpus::StateCode;
use belegt::corpus::chunk::ChunkParams;
use belegt::index::manifest::Expected;
use belegt::index::{self, Index, IndexError};
use belegt::retrieve::{self, Filters, SearchRequest};

use crate::util;

/// What an index of `seeds_dir` built now with the installed model must match.
fn expected(seeds_dir: &Path) -> Expected {
    let engine = util::engine();
    Index::expected(seeds_dir, &engine.embedder, ChunkParams::default())
        .expect("the seeds fingerprint")
}

/// A temporary copy of the shared index folder; the copy is `dir.path().join("index")`.
fn index_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = util::temp_dir();
    let copy = dir.path().join("index");
    util::copy_dir(&util::shared().index_dir, &copy);
    (dir, copy)
}

/// The live generation directory of an index folder.
fn live_generation(index_dir: &Path) -> PathBuf {
    let name = std::fs::read_to_string(index_dir.join("CURRENT")).expect("CURRENT is readable");
    index_dir.join(name.trim())
}

fn open_err(index_dir: &Path, expected: &Expected) -> IndexError {
    match index::open(index_dir, expected) {
        Ok(_) => panic!("the index in {} opened", index_dir.display()),
        Err(e) => e,
    }
}

#[test]
fn an_index_opens_again_with_the_same_chunks_and_the_same_results() {
    let shared = util::shared();
    let expected = expected(&shared.seeds_dir);
    let reopened = index::open(&shared.index_dir, &expected).expect("the index opens again");
    let engine = util::engine();
    assert_eq!(reopened.store.chunks.len(), shared.report.chunks);
    assert_eq!(reopened.store.chunks, engine.index.store.chunks);
    assert_eq!(reopened.store.docs, engine.index.store.docs);
    assert_eq!(reopened.manifest, engine.index.manifest);
    assert_eq!(reopened.manifest.chunks, shared.report.chunks);
    assert_eq!(reopened.manifest.documents, 2);
    let filters = [
        Filters::default(),
        Filters {
            states: vec![StateCode::parse("NW").expect("NW")],
            ..Filters::default()
        },
    ];
    for question in [
        "KI in der Landesverwaltung",
        "Förderung von Start-ups und Gründungen",
    ] {
        let v = engine
            .embedder
            .embed_query(question)
            .expect("the question embeds");
        for f in &filters {
            let first: Vec<usize> =
                retrieve::search_with_vector(&engine.index, question, &v, f, 5, None)
                    .expect("the search runs")
                    .iter()
                    .map(|h| h.chunk)
                    .collect();
            let again: Vec<usize> =
                retrieve::search_with_vector(&reopened, question, &v, f, 5, None)
                    .expect("the search runs")
                    .iter()
                    .map(|h| h.chunk)
                    .collect();
            assert_eq!(first.len(), 5);
            assert_eq!(again, first, "results for {question:?} with {:?}", f.states);
        }
    }
}

#[test]
fn a_changed_seed_file_makes_the_index_stale() {
    let (_seeds_tmp, seeds) = util::seeds_copy();
    let file = seeds.join("dmk-2024-04-19-laenderberichte-ki.txt");
    let mut text = std::fs::read_to_string(&file).expect("the protocol is readable");
    text.push_str("\n\nEin nachgetragener Absatz über ein neues Pilotprojekt.\n");
    std::fs::write(&file, text).expect("append a paragraph");
    let err = open_err(&util::shared().index_dir, &expected(&seeds));
    match &err {
        IndexError::Stale { reason, .. } => {
            assert!(
                reason.contains("documents"),
                "the reason names the documents: {reason}"
            )
        }
        other => panic!("expected a stale index, got {other}"),
    }
    assert!(
        err.to_string().contains("belegt index"),
        "says how to fix it: {err}"
    );
}

#[test]
fn an_index_of_another_format_version_is_stale() {
    let (_tmp, copy) = index_copy();
    let manifest_path = live_generation(&copy).join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest.json is readable"))
            .expect("manifest.json parses");
    manifest["format_version"] = serde_json::json!(999);
    std::fs::write(
        &manifest_path,
        serde_json::to_vec(&manifest).expect("serializes"),
    )
    .expect("write manifest");
    match open_err(&copy, &expected(&util::shared().seeds_dir)) {
        IndexError::Stale { reason, .. } => {
            assert!(reason.contains("999"), "names the version: {reason}")
        }
        other => panic!("expected a stale index, got {other}"),
    }
}

#[test]
fn a_truncated_vector_file_is_reported_as_corrupt() {
    let (_tmp, copy) = index_copy();
    let vectors = live_generation(&copy).join("vectors.bin");
    let bytes = std::fs::read(&vectors).expect("vectors.bin is readable");
    std::fs::write(&vectors, &bytes[..bytes.len() / 2]).expect("truncate vectors.bin");
    match open_err(&copy, &expected(&util::shared().seeds_dir)) {
        IndexError::Corrupt { message, .. } => {
            assert!(message.contains("vectors.bin"), "names the file: {message}");
            assert!(
                message.contains("checksum"),
                "says the checksum failed: {message}"
            );
        }
        other => panic!("expected a corrupt index, got {other}"),
    }
}

#[test]
fn a_missing_or_empty_index_folder_is_reported_as_missing() {
    let dir = util::temp_dir();
    let expected = expected(&util::shared().seeds_dir);
    for index_dir in [dir.path().join("never-built"), dir.path().to_path_buf()] {
        let err = open_err(&index_dir, &expected);
        assert!(
            matches!(err, IndexError::Missing { .. }),
            "expected a missing index, got {err}"
        );
        assert!(
            err.to_string().contains("belegt index"),
            "says how to fix it: {err}"
        );
    }
}

const THIRD_DOC_ID: &str = "bremen-ki-lotsen";

const THIRD_DOC: &str = "BREMER KI-LOTSENDIENST

Der Senat der Freien Hansestadt richtet einen Lotsendienst für künstliche Intelligenz ein. Er berät Ämter, Schulen und Betriebe, die Sprachmodelle erproben wollen, und vermittelt feste Ansprechpersonen in der Verwaltung.

Der Lotsendienst beginnt mit vier Beschäftigten im Rathaus und soll bis zum Jahr 2027 auf zwölf Stellen wachsen.

HAFENLOGISTIK UND KI

Im Überseehafen erprobt die Hafengesellschaft ein Prognosesystem, das die Ankunftszeiten von Containerschiffen aus Wetterdaten, Schleusenzeiten und der Belegung der Liegeplätze vorhersagt.

Die Vorhersagen sollen die Wartezeiten der Lastwagen am Containerterminal um ein Drittel verringern.
";

const THIRD_DOC_CATALOG: &str = r#"
[[document]]
id = "bremen-ki-lotsen"
file = "bremen-ki-lotsen.txt"
title = "Testdokument: KI-Lotsendienst und Hafenlogistik"
short_title = "KI-Lotsen"
publisher = "belegt tests"
kind = "Testdokument"
state = "HB"
"#;

#[test]
fn an_interrupted_build_leaves_the_old_index_and_a_new_document_becomes_searchable() {
    let shared = util::shared();
    let (_seeds_tmp, seeds) = util::seeds_copy();
    let (_index_tmp, index_dir) = index_copy();

    // A build that died before switching CURRENT leaves a temporary and an unnamed generation.
    let old_generation = live_generation(&index_dir);
    for leftover in [".tmp-gen-x", "gen-y"] {
        std::fs::create_dir_all(index_dir.join(leftover).join("lexical"))
            .expect("create a leftover");
        std::fs::write(
            index_dir.join(leftover).join("store.json"),
            b"{ half written",
        )
        .expect("write garbage");
        std::fs::write(index_dir.join(leftover).join("manifest.json"), b"garbage")
            .expect("write garbage");
    }
    let old =
        index::open(&index_dir, &expected(&seeds)).expect("the previous generation still loads");
    assert_eq!(util::embedded(&old).dir, old_generation);
    assert_eq!(old.store.chunks.len(), shared.report.chunks);
    drop(old);

    // A third document, with its own headings, for Bremen.
    std::fs::write(seeds.join("bremen-ki-lotsen.txt"), THIRD_DOC)
        .expect("write the third document");
    let catalog_path = seeds.join("catalog.toml");
    let mut catalog = std::fs::read_to_string(&catalog_path).expect("the catalog is readable");
    catalog.push_str(THIRD_DOC_CATALOG);
    std::fs::write(&catalog_path, catalog).expect("extend the catalog");
    let expected_now = expected(&seeds);
    assert!(
        matches!(
            index::open(&index_dir, &expected_now),
            Err(IndexError::Stale { .. })
        ),
        "a new document makes the index stale"
    );

    let model = util::model();
    let report = index::build(&seeds, &index_dir, &model, ChunkParams::default(), |_| {})
        .expect("the index builds with the third document");
    assert_eq!(report.documents, 3);
    assert!(report.chunks > shared.report.chunks);

    // The next build cleaned up: only CURRENT, the lock and the new generation are left.
    let mut names: Vec<String> = std::fs::read_dir(&index_dir)
        .expect("the index folder is readable")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .filter(|n| n != ".lock")
        .collect();
    names.sort();
    let generation = report
        .generation
        .file_name()
        .expect("a generation name")
        .to_string_lossy()
        .to_string();
    assert_eq!(names, vec!["CURRENT".to_string(), generation]);
    assert!(
        !old_generation.exists(),
        "the previous generation was removed"
    );

    let index = index::open(&index_dir, &expected_now).expect("the new index opens");
    let (doc_pos, doc) = index
        .store
        .docs
        .iter()
        .enumerate()
        .find(|(_, d)| d.id == THIRD_DOC_ID)
        .expect("the third document is stored");
    assert_eq!(doc.state.as_deref(), Some("HB"));
    let titles: Vec<&str> = doc.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        vec!["BREMER KI-LOTSENDIENST", "HAFENLOGISTIK UND KI"]
    );
    assert!(
        doc.sections
            .iter()
            .all(|s| s.state.as_deref() == Some("HB"))
    );
    let own: Vec<_> = index
        .store
        .chunks
        .iter()
        .filter(|c| c.doc == doc_pos)
        .collect();
    assert!(!own.is_empty(), "the third document has chunks");
    assert!(own.iter().all(|c| c.state.as_deref() == Some("HB")));

    let request = SearchRequest {
        query: "Vorhersage der Ankunftszeiten von Containerschiffen".into(),
        states: vec![],
        docs: vec![],
        k: 5,
    };
    let outcome = retrieve::search(&index, &model, &request, None).expect("the search runs");
    drop(model);
    let top = outcome.hits.first().expect("a hit");
    let chunk = &index.store.chunks[top.chunk];
    assert_eq!(chunk.doc, doc_pos, "the best hit is the third document's");
    assert_eq!(chunk.state.as_deref(), Some("HB"));
    assert!(
        index
            .store
            .chunk_text(top.chunk)
            .contains("Containerschiffen")
    );

    // The two original documents are chunked exactly as before: ids are stable across builds.
    let before: Vec<String> = util::engine()
        .index
        .store
        .chunks
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let after: Vec<String> = index
        .store
        .chunks
        .iter()
        .filter(|c| c.doc != doc_pos)
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(
        after, before,
        "the original documents' chunk ids are the same in both builds"
    );
}

#[test]
fn a_server_starting_during_another_build_waits_for_it_and_opens_its_result() {
    let shared = util::shared();
    let dir = util::temp_dir();
    let index_dir = dir.path().join("index");
    std::fs::create_dir_all(&index_dir).expect("the index folder");
    // Another process is building: it holds the build lock of an empty index folder.
    let lock = std::fs::File::create(index_dir.join(".lock")).expect("the lock file");
    lock.try_lock().expect("the lock is free");
    let config = util::config_for(&shared.seeds_dir, &index_dir);
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let result = belegt::engine::Engine::load_or_build(config, |_| {});
        tx.send(()).expect("report");
        result
    });
    // While the lock is held the server neither fails nor builds a second index.
    assert!(
        rx.recv_timeout(std::time::Duration::from_secs(8)).is_err(),
        "load_or_build returned while another build held the lock"
    );
    assert!(!index_dir.join("CURRENT").exists(), "no second build ran");
    // The other build finishes: its generation is in place, then the lock is released.
    for entry in std::fs::read_dir(&shared.index_dir).expect("the shared index") {
        let entry = entry.expect("an entry");
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = index_dir.join(&name);
        if entry.file_type().expect("a type").is_dir() {
            util::copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    drop(lock);
    let (engine, report) = waiter
        .join()
        .expect("no panic")
        .expect("the finished index opens");
    assert!(report.is_none(), "the waiting server did not build again");
    assert_eq!(
        util::embedded(&engine.index).vectors.len(),
        shared.report.chunks
    );
}
