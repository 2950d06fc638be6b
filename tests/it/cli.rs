//! The `belegt` binary, run in a temporary directory against temporary seeds and index
//! folders: JSON output of `index`, `ask` and `search`, and one stderr line with exit
//! code 2 for every bad input.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::util;

/// Environment variables that would otherwise leak the caller's choices into a run.
const CLEARED: &[&str] = &[
    "BELEGT_SEEDS",
    "BELEGT_INDEX_DIR",
    "BELEGT_MODEL",
    "BELEGT_ORT_LIB",
    "BELEGT_THREADS",
    "ORT_DYLIB_PATH",
    "BELEGT_LLM_URL",
    "BELEGT_LLM_MODEL",
    "BELEGT_LLM_API_KEY",
    "BELEGT_CONFIG",
    "BELEGT_API_KEYS",
    "BELEGT_API_KEY_FILE",
    "BELEGT_RATE_LIMIT",
    "BELEGT_RATE_BURST",
    "BELEGT_TRUST_FORWARDED_FOR",
];

/// Runs `belegt args…` in a fresh temporary directory with the given seeds and index
/// folders and extra environment.
pub(crate) fn belegt(
    seeds: &Path,
    index_dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Output {
    let cwd = util::temp_dir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_belegt"));
    cmd.current_dir(cwd.path()).args(args);
    for name in CLEARED {
        cmd.env_remove(name);
    }
    cmd.env("BELEGT_SEEDS", seeds)
        .env("BELEGT_INDEX_DIR", index_dir);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("the belegt binary runs")
}

/// Runs `belegt` against the shared index of the real seeds.
pub(crate) fn belegt_shared(args: &[&str]) -> Output {
    let shared = util::shared();
    belegt(&shared.seeds_dir, &shared.index_dir, &[], args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// The run succeeded; its stdout is exactly one JSON value.
pub(crate) fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "belegt failed with {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON value ({e}): {}", text(&out.stdout)))
}

/// The run failed with exit code 2 and one stderr line that contains every `needle`.
pub(crate) fn assert_fails_with(out: &Output, needles: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "exactly one line on stderr: {stderr:?}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "stderr names {needle:?}: {stderr}");
    }
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        text(&out.stdout)
    );
}

fn field<'a>(object: &'a Value, name: &str) -> &'a Value {
    object
        .get(name)
        .unwrap_or_else(|| panic!("field {name:?} is present in {object:#}"))
}

#[test]
fn belegt_index_json_prints_the_figures_of_the_build() {
    let (dir, seeds) = util::seeds_copy();
    let index_dir = dir.path().join("index");
    let report = json_of(&belegt(&seeds, &index_dir, &[], &["index", "--json"]));
    assert_eq!(field(&report, "documents"), 2);
    let chunks = field(&report, "chunks")
        .as_u64()
        .expect("chunks is a number");
    assert!(chunks > 100, "{chunks} chunks");
    let seconds = field(&report, "seconds");
    for stage in ["prepare", "embed", "hnsw", "lexical", "write", "total"] {
        assert!(
            field(seconds, stage).as_f64().is_some(),
            "seconds.{stage} is a number"
        );
    }
    let generation = field(&report, "generation")
        .as_str()
        .expect("generation is a path");
    assert!(
        Path::new(generation).starts_with(&index_dir),
        "{generation} lies in the index folder"
    );
    assert!(Path::new(generation).join("manifest.json").is_file());
    assert!(index_dir.join("CURRENT").is_file());
}

#[test]
fn belegt_ask_json_prints_one_object_with_the_documented_fields() {
    let question = "Wer begleitet den Weg Bremens zu einer KI-Strategie wissenschaftlich?";
    let res = json_of(&belegt_shared(&["ask", "--json", question]));
    assert_eq!(field(&res, "question"), question);
    assert!(
        field(&res, "answer")
            .as_str()
            .is_some_and(|a| a.contains("[1]"))
    );
    assert_eq!(field(&res, "abstained"), false);
    assert_eq!(field(&res, "mode"), "extractive");
    let filters = field(&res, "filters");
    assert_eq!(field(filters, "states"), &serde_json::json!(["HB"]));
    assert_eq!(field(filters, "docs"), &serde_json::json!([]));
    assert_eq!(field(filters, "detected_from_question"), true);
    let citations = field(&res, "citations")
        .as_array()
        .expect("citations is an array");
    assert_eq!(citations.len(), 5);
    let engine = util::engine();
    for (i, c) in citations.iter().enumerate() {
        assert_eq!(field(c, "n"), i + 1);
        assert_eq!(field(c, "state"), "HB");
        assert_eq!(field(c, "state_name"), "Bremen");
        for name in ["doc", "doc_title", "section", "text"] {
            assert!(field(c, name).is_string(), "{name} is a string");
        }
        assert!(field(c, "score").is_f64());
        let doc_id = field(c, "doc").as_str().expect("doc is a string");
        let doc = engine
            .index
            .store
            .docs
            .iter()
            .find(|d| d.id == doc_id)
            .expect("the cited document is in the index");
        let start = field(c, "start").as_u64().expect("start is a number") as usize;
        let end = field(c, "end").as_u64().expect("end is a number") as usize;
        let slice: String = doc.text.chars().skip(start).take(end - start).collect();
        assert_eq!(
            field(c, "text"),
            slice.as_str(),
            "citation {} is verbatim",
            i + 1
        );
    }
    let timings = field(&res, "timings_ms");
    for name in ["embed", "search", "total"] {
        assert!(
            field(timings, name).as_f64().is_some_and(|t| t >= 0.0),
            "timings_ms.{name}"
        );
    }
}

#[test]
fn belegt_search_json_with_two_states_returns_ranked_hits_of_those_states() {
    let res = json_of(&belegt_shared(&[
        "search",
        "--json",
        "--state",
        "BY,BW",
        "-k",
        "10",
        "Verwaltungsassistent",
    ]));
    assert_eq!(field(&res, "query"), "Verwaltungsassistent");
    let filters = field(&res, "filters");
    assert_eq!(field(filters, "states"), &serde_json::json!(["BY", "BW"]));
    assert_eq!(field(filters, "detected_from_question"), false);
    let hits = field(&res, "hits").as_array().expect("hits is an array");
    assert_eq!(hits.len(), 10);
    for (i, h) in hits.iter().enumerate() {
        assert_eq!(field(h, "rank"), i + 1);
        let dense = field(h, "dense_rank");
        let lexical = field(h, "lexical_rank");
        assert!(
            dense.is_u64() || dense.is_null(),
            "dense_rank is a rank or null"
        );
        assert!(
            lexical.is_u64() || lexical.is_null(),
            "lexical_rank is a rank or null"
        );
        assert!(
            dense.is_u64() || lexical.is_u64(),
            "a hit comes from at least one ranking"
        );
        let state = field(h, "state").as_str().expect("every hit has a state");
        assert!(
            ["BY", "BW"].contains(&state),
            "hit {} is from {state}",
            i + 1
        );
        assert!(field(h, "text").is_string());
    }
}

#[test]
fn an_empty_question_is_refused() {
    let empty = util::temp_dir();
    let out = belegt(&util::project_seeds(), empty.path(), &[], &["ask", ""]);
    assert_fails_with(&out, &["question is empty"]);
}

#[test]
fn an_unknown_state_code_is_refused_with_the_valid_codes() {
    let empty = util::temp_dir();
    let out = belegt(
        &util::project_seeds(),
        empty.path(),
        &[],
        &["ask", "--state", "XX", "Was plant Bayern?"],
    );
    assert_fails_with(
        &out,
        &[
            "XX",
            "BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH",
        ],
    );
}

#[test]
fn k_outside_one_to_fifty_is_refused() {
    let empty = util::temp_dir();
    for k in ["0", "51"] {
        let out = belegt(
            &util::project_seeds(),
            empty.path(),
            &[],
            &["search", "-k", k, "Polizei"],
        );
        assert_fails_with(&out, &["between 1 and 50", k]);
    }
}

#[test]
fn a_missing_index_says_to_run_belegt_index() {
    let empty = util::temp_dir();
    let out = belegt(
        &util::project_seeds(),
        empty.path(),
        &[],
        &["ask", "Was plant Bayern?"],
    );
    assert_fails_with(&out, &["belegt index"]);
}

#[test]
fn a_missing_onnx_runtime_library_is_one_error_line() {
    let empty = util::temp_dir();
    let lib = "/nonexistent/libonnxruntime.so";
    let out = belegt(
        &util::project_seeds(),
        empty.path(),
        &[("BELEGT_ORT_LIB", lib)],
        &["ask", "Was plant Bayern?"],
    );
    assert_fails_with(&out, &["ONNX Runtime", lib]);
}

#[test]
fn a_missing_model_directory_is_one_error_line() {
    let empty = util::temp_dir();
    let model = "/nonexistent-dir";
    let out = belegt(
        &util::project_seeds(),
        empty.path(),
        &[("BELEGT_MODEL", model)],
        &["ask", "Was plant Bayern?"],
    );
    assert_fails_with(&out, &[model, "not found"]);
}

#[test]
fn serve_refuses_bad_access_settings_in_one_line_without_echoing_a_key() {
    let shared = util::shared();
    let serve = |env: &[(&str, &str)], args: &[&str]| {
        let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
        all.extend_from_slice(args);
        belegt(&shared.seeds_dir, &shared.index_dir, env, &all)
    };
    let out = serve(&[("BELEGT_API_KEYS", "tooshort")], &[]);
    assert_fails_with(&out, &["API key 1 has 8 characters"]);
    assert!(!text(&out.stderr).contains("tooshort"));
    let out = serve(&[], &["--api-key-file", "/nonexistent/keys.txt"]);
    assert_fails_with(
        &out,
        &["cannot read the API key file /nonexistent/keys.txt"],
    );
    let dir = util::temp_dir();
    let empty = dir.path().join("keys.txt");
    std::fs::write(&empty, "# no key yet\n\n").expect("write the key file");
    let out = serve(
        &[],
        &["--api-key-file", empty.to_str().expect("utf-8 path")],
    );
    assert_fails_with(&out, &["the API key file has no key"]);
    let out = serve(&[], &["--rate-limit", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--rate-limit"),
        "{}",
        text(&out.stderr)
    );
}
