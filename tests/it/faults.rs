//! Faults: bad documents, damaged index files and a `belegt index` killed with SIGKILL.
//! Whatever goes wrong, `belegt` ends with one stderr line and exit code 2 that names the
//! problem, never panics, and the working index keeps loading and answering.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use belegt::corpus::chunk::ChunkParams;
use belegt::index::manifest::Expected;
use belegt::index::{self, Index, IndexError};
use belegt::retrieve::{self, Filters};

use crate::util;

/// A `belegt` command in a fresh working directory with only the given seeds and index
/// folders configured (every other `BELEGT_*` variable of the caller is removed).
fn belegt_cmd(seeds: &Path, index_dir: &Path, args: &[&str]) -> (Command, tempfile::TempDir) {
    let cwd = util::temp_dir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_belegt"));
    cmd.current_dir(cwd.path()).args(args);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_string();
        if name.starts_with("BELEGT_") && name != "BELEGT_HOME" || name == "ORT_DYLIB_PATH" {
            cmd.env_remove(name);
        }
    }
    cmd.env("BELEGT_SEEDS", seeds)
        .env("BELEGT_INDEX_DIR", index_dir);
    (cmd, cwd)
}

fn belegt(seeds: &Path, index_dir: &Path, args: &[&str]) -> Output {
    let (mut cmd, _cwd) = belegt_cmd(seeds, index_dir, args);
    cmd.output().expect("the belegt binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// The run failed with exit code 2, one stderr line containing every needle, no panic.
fn assert_fails_with(out: &Output, needles: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "exactly one line on stderr: {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr names {needle:?}: {stderr}");
    }
}

/// `belegt search --json` against the shared (good) seeds answers with hits.
fn assert_searches(index_dir: &Path) {
    let out = belegt(
        &util::shared().seeds_dir,
        index_dir,
        &["search", "--json", "-k", "3", "KI in der Polizei"],
    );
    assert!(
        out.status.success(),
        "search on {} failed: {}",
        index_dir.display(),
        text(&out.stderr)
    );
    let res: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON value");
    assert_eq!(
        res["hits"].as_array().map(Vec::len),
        Some(3),
        "three hits: {res}"
    );
}

/// A temporary copy of the shared index folder; the copy is `dir.path().join("index")`.
fn index_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = util::temp_dir();
    let copy = dir.path().join("index");
    util::copy_dir(&util::shared().index_dir, &copy);
    (dir, copy)
}

fn current_name(index_dir: &Path) -> String {
    std::fs::read_to_string(index_dir.join("CURRENT"))
        .expect("CURRENT is readable")
        .trim()
        .to_string()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder is readable")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    names.sort();
    names
}

fn expected() -> Expected {
    let engine = util::engine();
    Index::expected(
        &util::shared().seeds_dir,
        &engine.embedder,
        ChunkParams::default(),
    )
    .expect("the seeds fingerprint")
}

/// The chunk ids the shared engine finds for `question`, to compare other indexes with.
fn top_ids(index: &Index, question: &str) -> Vec<String> {
    let v = util::engine()
        .embedder
        .embed_query(question)
        .expect("the question embeds");
    retrieve::search_with_vector(index, question, &v, &Filters::default(), 5, None)
        .expect("the search runs")
        .iter()
        .map(|h| index.store.chunks[h.chunk].id.clone())
        .collect()
}

const EXTRA_ENTRY: &str = r#"
[[document]]
id = "kaputt"
file = "kaputt.txt"
title = "Ein fehlerhaftes Dokument"
publisher = "belegt tests"
kind = "Testdokument"
"#;

/// What is wrong, the file's bytes (`None`: no file), what the error line must say.
type BadDocument = (&'static str, Option<Vec<u8>>, &'static [&'static str]);

#[test]
fn a_bad_document_fails_the_build_with_one_line_and_the_old_index_still_answers() {
    let (_index_tmp, index_dir) = index_copy();
    let generation = current_name(&index_dir);
    let before = entries(&index_dir);
    let mut binary = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0".to_vec();
    binary.extend((0u8..=255).cycle().take(4096));
    let cases: [BadDocument; 5] = [
        ("an empty file", Some(Vec::new()), &["empty"]),
        ("only white space", Some(b" \n\n\t \n".to_vec()), &["empty"]),
        ("a binary file", Some(binary), &["binary"]),
        (
            "a Latin-1 file",
            Some(b"Die K\xfcnstliche Intelligenz in der Verwaltung, Stra\xdfe.".to_vec()),
            &["not UTF-8", "iconv"],
        ),
        ("a missing file", None, &["No such file"]),
    ];
    for (what, content, reason) in cases {
        let (_seeds_tmp, seeds) = util::seeds_copy();
        let catalog = seeds.join("catalog.toml");
        let mut toml = std::fs::read_to_string(&catalog).expect("the catalog is readable");
        toml.push_str(EXTRA_ENTRY);
        std::fs::write(&catalog, toml).expect("extend the catalog");
        if let Some(bytes) = content {
            std::fs::write(seeds.join("kaputt.txt"), bytes).expect("write the document");
        }
        let out = belegt(&seeds, &index_dir, &["index"]);
        let mut needles = vec!["kaputt"];
        needles.extend(reason);
        assert_fails_with(&out, &needles);
        assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
        assert_eq!(current_name(&index_dir), generation, "{what}: CURRENT kept");
        let mut now = entries(&index_dir);
        now.retain(|n| n != ".lock");
        let mut was = before.clone();
        was.retain(|n| n != ".lock");
        assert_eq!(now, was, "{what}: nothing written into the index folder");
        assert_searches(&index_dir);
    }
}

#[test]
fn damaged_index_files_are_one_error_line_that_says_to_run_belegt_index() {
    type Damage = fn(&Path, &Path);
    let cases: [(&str, Damage); 6] = [
        ("store.json truncated", |_, g| {
            let p = g.join("store.json");
            let bytes = std::fs::read(&p).expect("readable");
            std::fs::write(&p, &bytes[..bytes.len() / 2]).expect("truncate");
        }),
        ("manifest.json garbage", |_, g| {
            std::fs::write(g.join("manifest.json"), b"\0\x01garbage{").expect("write");
        }),
        ("manifest.json empty", |_, g| {
            std::fs::write(g.join("manifest.json"), b"").expect("write");
        }),
        ("manifest.json missing", |_, g| {
            std::fs::remove_file(g.join("manifest.json")).expect("remove");
        }),
        ("CURRENT names a missing generation", |i, _| {
            std::fs::write(i.join("CURRENT"), b"gen-0-0").expect("write");
        }),
        ("CURRENT empty", |i, _| {
            std::fs::write(i.join("CURRENT"), b"").expect("write");
        }),
    ];
    for (what, damage) in cases {
        let (_tmp, copy) = index_copy();
        let generation = copy.join(current_name(&copy));
        damage(&copy, &generation);
        let out = belegt(
            &util::shared().seeds_dir,
            &copy,
            &["search", "KI in der Polizei"],
        );
        assert_fails_with(&out, &["belegt index"]);
        assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
    }
}

#[test]
fn a_store_that_matches_its_checksum_but_not_its_documents_is_corrupt() {
    // The checksum is recomputed, so only the store's own validation can catch this.
    let (_tmp, copy) = index_copy();
    let generation = copy.join(current_name(&copy));
    let store_path = generation.join("store.json");
    let mut store: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&store_path).expect("readable")).expect("parses");
    store["chunks"][0]["end"] = serde_json::json!(u32::MAX);
    std::fs::write(&store_path, serde_json::to_vec(&store).expect("serializes")).expect("write");
    let manifest_path = generation.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("readable")).expect("parses");
    manifest["files"]["store.json"] =
        serde_json::json!(index::manifest::file_sha256(&store_path).expect("hashes"));
    std::fs::write(
        &manifest_path,
        serde_json::to_vec(&manifest).expect("serializes"),
    )
    .expect("write");
    match index::open(&copy, &expected()) {
        Err(IndexError::Corrupt { message, .. }) => {
            assert!(message.contains("outside"), "{message}")
        }
        Err(other) => panic!("expected a corrupt index, got {other}"),
        Ok(_) => panic!("a store with a chunk outside its document opened"),
    }
}

#[test]
fn a_truncated_lexical_file_never_loads_an_index_that_answers_differently() {
    let shared = util::shared();
    let expected = expected();
    let question = "Förderung von Start-ups und Gründungen";
    let good = top_ids(
        &index::open(&shared.index_dir, &expected).expect("the index opens"),
        question,
    );
    let lexical = shared
        .index_dir
        .join(current_name(&shared.index_dir))
        .join("lexical");
    let files: Vec<String> = entries(&lexical)
        .into_iter()
        .filter(|n| n != ".tantivy-meta.lock" && n != ".tantivy-writer.lock")
        .collect();
    assert!(files.len() >= 5, "tantivy files: {files:?}");
    let mut refused = Vec::new();
    for name in &files {
        let (_tmp, copy) = index_copy();
        let path = copy.join(current_name(&copy)).join("lexical").join(name);
        let bytes = std::fs::read(&path).expect("readable");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
        match index::open(&copy, &expected) {
            Err(IndexError::Corrupt { .. }) => refused.push(name.clone()),
            Err(other) => panic!("{name} truncated: expected a corrupt index, got {other}"),
            Ok(index) => assert_eq!(
                top_ids(&index, question),
                good,
                "{name} truncated: the index loaded and answers differently"
            ),
        }
    }
    assert!(!refused.is_empty(), "no truncation was noticed: {files:?}");
}

/// When to kill a build: after a time, or earlier when the condition holds.
type KillPoint<'a> = (Duration, &'a dyn Fn() -> bool);

/// Starts `belegt index` on `index_dir`, kills it with SIGKILL after `after` (or when
/// `when` first holds) and returns how long it ran.
fn kill_build(index_dir: &Path, after: Duration, when: &dyn Fn() -> bool) -> Duration {
    let (mut cmd, _cwd) = belegt_cmd(&util::shared().seeds_dir, index_dir, &["index"]);
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("belegt index starts");
    loop {
        if started.elapsed() >= after || when() {
            break;
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("belegt index ended by itself ({status}) before the kill");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    started.elapsed()
}

#[test]
fn a_build_killed_at_any_point_leaves_the_previous_index_answering_and_the_next_build_cleans_up() {
    let expected = expected();
    let question = "KI in der Landesverwaltung";
    let (_tmp, index_dir) = index_copy();
    let old = current_name(&index_dir);
    let good = top_ids(
        &index::open(&index_dir, &expected).expect("the index opens"),
        question,
    );
    let never = || false;
    let writing = || {
        entries(&index_dir)
            .iter()
            .any(|n| n.starts_with(".tmp-gen-"))
    };
    // Model load, prepare, early and late embedding, and the moment the new generation's
    // files are being written.
    let points: [KillPoint<'_>; 4] = [
        (Duration::from_millis(500), &never),
        (Duration::from_secs(2), &never),
        (Duration::from_secs(5), &never),
        (Duration::from_secs(120), &writing),
    ];
    for (after, when) in points {
        let ran = kill_build(&index_dir, after, when);
        let current = current_name(&index_dir);
        let index = index::open(&index_dir, &expected)
            .unwrap_or_else(|e| panic!("killed after {ran:?}: the index does not open: {e}"));
        // CURRENT names the old generation or, if the kill came after the switch, a
        // complete new one; either answers as before.
        assert!(
            current == old || util::embedded(&index).dir.join("manifest.json").is_file(),
            "killed after {ran:?}: CURRENT = {current}"
        );
        assert_eq!(
            top_ids(&index, question),
            good,
            "killed after {ran:?}: answers differ"
        );
    }
    assert_searches(&index_dir);

    let out = belegt(&util::shared().seeds_dir, &index_dir, &["index"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let new = current_name(&index_dir);
    assert_ne!(new, old, "the next build switched to a new generation");
    let mut left = entries(&index_dir);
    left.retain(|n| n != ".lock");
    assert_eq!(
        left,
        vec!["CURRENT".to_string(), new],
        "leftovers cleaned up"
    );
    let index = index::open(&index_dir, &expected).expect("the new index opens");
    assert_eq!(
        top_ids(&index, question),
        good,
        "the new index answers alike"
    );
}
