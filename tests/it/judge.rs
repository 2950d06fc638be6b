//! The comparison judged by an LLM (a local fake that names the sentences holding the
//! question's last noun): the LLM's choice decides every state with a report, findings
//! stay verbatim sentences of their passages, each state is asked with its own
//! sentences only, and a failing LLM leaves the key-term rule's table and says why.

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use belegt::answer::judge::Judge;
use belegt::answer::llm::{LlmClient, LlmSettings};
use belegt::corpus::StateCode;
use belegt::engine::Engine;
use belegt::wire::CompareResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::compare::assert_table_is_sound;
use crate::fake_llm::{self, Behavior, Fake, judged_sentences, question_of};
use crate::util;

const POLICE: &str = "Welche Länder setzen KI bei der Polizei ein?";
/// The fake names no sentence for this question.
const NOTHING: &str = "Welche Länder setzen KI bei der Polizei ein, etwa mit Drohnen?";
/// The fake answers HTTP 500 for this question.
const FAILING: &str = "Welche Länder setzen KI bei der Polizei ein, etwa in Leitstellen?";
/// The fake answers this question after 5 s.
const SLOW: &str = "Welche Länder setzen KI bei der Polizei ein, etwa in Hafenstädten?";

fn fake() -> &'static Fake {
    static FAKE: OnceLock<Fake> = OnceLock::new();
    FAKE.get_or_init(|| {
        fake_llm::spawn(vec![
            ("Drohnen", Behavior::JudgeNothing),
            ("Leitstellen", Behavior::ServerError),
            ("Hafenstädten", Behavior::Slow),
        ])
    })
}

/// The fake's settings; `model` tells whose requests are whose (tests run in parallel).
fn settings(model: &str) -> LlmSettings {
    LlmSettings {
        base_url: fake().base_url.clone(),
        model: model.into(),
        api_key: None,
        timeout: Duration::from_secs(2),
        max_tokens: 100,
        temperature: 0.0,
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fn judge() -> Judge {
    Judge {
        client: LlmClient::new(settings("judge-model")).expect("a client"),
        runtime: runtime().handle().clone(),
        limit: settings("judge-model").timeout,
    }
}

fn states_with(res: &CompareResponse, status: &str) -> BTreeSet<String> {
    res.rows
        .iter()
        .filter(|r| r.status == status)
        .map(|r| r.state.clone())
        .collect()
}

fn compare(engine: &Engine, question: &str, judge: Option<&Judge>) -> CompareResponse {
    let res = engine.compare(question, judge).expect("compare runs");
    assert_table_is_sound(engine, &res);
    res
}

#[test]
fn the_llm_decides_each_state_from_its_own_sentences() {
    let engine = util::engine();
    let rule = compare(&engine, POLICE, None);
    assert_eq!(rule.method, "terms");
    assert!(rule.judge.is_none());
    let judged = compare(&engine, POLICE, Some(&judge()));
    assert_eq!(judged.method, "llm");
    let with_report = 16 - judged.counts.no_report;
    let report = judged.judge.as_ref().expect("the judge's report");
    assert_eq!(
        (
            report.model.as_str(),
            report.states_judged,
            report.states_failed
        ),
        ("judge-model", with_report, 0)
    );
    assert!(judged.timings_ms.llm > 0.0);
    // Every finding is a sentence the fake named: one holding "Polizei".
    for row in judged.rows.iter().filter(|r| r.status == "finding") {
        assert!(row.finding.to_lowercase().contains("polizei"), "{row:?}");
    }
    // The rule's findings rest on such sentences among the passages the LLM reads.
    let found = states_with(&judged, "finding");
    assert!(states_with(&rule, "finding").is_subset(&found), "{found:?}");
    assert_eq!(
        states_with(&judged, "no_report"),
        states_with(&rule, "no_report")
    );
    // One request per state with a report, each with that state's sentences only.
    let asked: Vec<_> = fake()
        .received()
        .into_iter()
        .filter(|r| {
            r.body["model"] == "judge-model"
                && r.body["messages"][1]["content"]
                    .as_str()
                    .is_some_and(|p| question_of(p) == POLICE)
        })
        .collect();
    assert_eq!(asked.len(), with_report);
    let mut named = BTreeSet::new();
    for request in &asked {
        let prompt = request.body["messages"][1]["content"]
            .as_str()
            .expect("a prompt");
        assert_eq!(question_of(prompt), POLICE);
        let states: Vec<StateCode> = StateCode::all()
            .filter(|s| prompt.contains(&format!("des Landes {} ({})", s.name(), s.code())))
            .collect();
        assert_eq!(states.len(), 1, "{prompt}");
        named.insert(states[0].code().to_string());
        let sentences = judged_sentences(prompt);
        assert!(!sentences.is_empty() && sentences.len() <= 30, "{prompt}");
        let store = &engine.index.store;
        let of_state: Vec<&str> = store
            .chunks
            .iter()
            .enumerate()
            .filter(|(_, c)| c.state.as_deref() == Some(states[0].code()))
            .map(|(i, _)| store.chunk_text(i))
            .collect();
        for s in &sentences {
            assert!(
                of_state.iter().any(|t| t
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(s.as_str())),
                "{s:?} is not a sentence of {}",
                states[0].code()
            );
        }
    }
    let with_passages: BTreeSet<String> = judged
        .rows
        .iter()
        .filter(|r| r.status != "no_report")
        .map(|r| r.state.clone())
        .collect();
    assert_eq!(named, with_passages);
}

#[test]
fn an_llm_that_names_no_sentence_leaves_no_finding() {
    let engine = util::engine();
    let rule = compare(&engine, NOTHING, None);
    assert!(
        rule.counts.finding > 0,
        "the rule finds the police states: {:?}",
        states_with(&rule, "finding")
    );
    let judged = compare(&engine, NOTHING, Some(&judge()));
    assert_eq!(judged.method, "llm");
    assert_eq!(judged.counts.finding, 0);
    assert_eq!(judged.counts.no_report, rule.counts.no_report);
}

#[test]
fn a_failing_llm_leaves_the_rules_table_and_says_why() {
    let engine = util::engine();
    let rule = compare(&engine, FAILING, None);
    let judged = compare(&engine, FAILING, Some(&judge()));
    assert_eq!(judged.method, rule.method);
    assert_eq!(judged.rows, rule.rows);
    let report = judged.judge.as_ref().expect("the judge's report");
    assert_eq!(report.states_judged, 0);
    assert_eq!(report.states_failed, 16 - rule.counts.no_report);
    let error = report.error.as_deref().expect("why");
    assert!(error.contains("HTTP 500"), "{error}");
}

#[test]
fn the_whole_judgement_ends_within_the_llm_timeout() {
    let engine = util::engine();
    let rule = compare(&engine, SLOW, None);
    let t = std::time::Instant::now();
    let judged = compare(&engine, SLOW, Some(&judge()));
    // 15 states, 4 at a time, would take 8 s if each call had its own 2 s.
    let took = t.elapsed();
    assert!(took < Duration::from_millis(4500), "{took:?}");
    assert_eq!(judged.rows, rule.rows);
    let report = judged.judge.as_ref().expect("the judge's report");
    assert_eq!(report.states_failed, 16 - rule.counts.no_report);
    assert!(
        report
            .error
            .as_deref()
            .is_some_and(|e| e.contains("did not answer within")),
        "{report:?}"
    );
}

/// A server over the shared index whose LLM is this file's fake.
fn server() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let shared = util::shared();
        let mut config = util::config_for(&shared.seeds_dir, &shared.index_dir);
        config.llm = Some(settings("server-model"));
        let engine = Engine::open_with(config, util::load_model()).expect("the shared index opens");
        crate::api::start(Some(engine))
    })
}

async fn post(path: &str, body: Value) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}{path}", server()))
        .json(&body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("answered");
    (res.status(), res.json().await.expect("JSON"))
}

#[tokio::test]
async fn the_api_judges_with_the_llm_by_default_and_not_in_mode_extractive() {
    let (status, v) = post("/api/compare", json!({"topic": POLICE})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["method"], "llm", "{v}");
    assert_eq!(v["judge"]["model"], "server-model");
    let (_, v) = post(
        "/api/compare",
        json!({"topic": POLICE, "mode": "extractive"}),
    )
    .await;
    assert_eq!(v["method"], "terms", "{v}");
    assert!(v.get("judge").is_none(), "{v}");
    let (status, v) = post("/api/compare", json!({"topic": POLICE, "mode": "poetry"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "bad_mode");
    // `ask` answers a question across the states from the judged table.
    let (status, v) = post("/api/ask", json!({"question": POLICE})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["comparison"]["method"], "llm", "{v}");
    let (_, v) = post(
        "/api/ask",
        json!({"question": POLICE, "mode": "extractive"}),
    )
    .await;
    assert_eq!(v["comparison"]["method"], "terms", "{v}");
}

#[tokio::test]
async fn mode_llm_without_an_endpoint_is_a_400_that_says_so() {
    static BASE: OnceLock<String> = OnceLock::new();
    let base = BASE.get_or_init(|| {
        let shared = util::shared();
        let config = util::config_for(&shared.seeds_dir, &shared.index_dir);
        let engine = Engine::open_with(config, util::load_model()).expect("the shared index opens");
        crate::api::start(Some(engine))
    });
    let res = reqwest::Client::new()
        .post(format!("{base}/api/compare"))
        .json(&json!({"topic": POLICE, "mode": "llm"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: Value = res.json().await.expect("JSON");
    assert_eq!(v["error"]["code"], "llm_not_configured", "{v}");
}

#[test]
fn compare_llm_on_the_command_line_judges_or_says_there_is_no_endpoint() {
    let shared = util::shared();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        crate::cli::belegt(&shared.seeds_dir, &shared.index_dir, env, args)
    };
    let out = run(&[], &["compare", "--llm", POLICE]);
    crate::cli::assert_fails_with(&out, &["no LLM endpoint is configured"]);
    let out = run(
        &[("BELEGT_LLM_URL", &fake().base_url)],
        &["compare", "--llm", "--json", POLICE],
    );
    let v = crate::cli::json_of(&out);
    assert_eq!(v["method"], "llm", "{v}");
    let out = run(
        &[("BELEGT_LLM_URL", &fake().base_url)],
        &["compare", "--llm", POLICE],
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("wählte das Sprachmodell"), "{shown}");
}
