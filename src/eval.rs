//! Answer quality over a question file in the format of `shared/eval/dev.jsonl`:
//! recall@1/5/10, MRR, recall within a 2,000-character reading budget, state coverage
//! of cross-state answers, abstention — overall, per kind and per language.
//!
//! A passage *covers* a quote when, with both reduced to lower-case letters and digits,
//! at least 60 % of the quote appears in the passage as one contiguous run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answer;
use crate::answer::compare::{Comparison, Status};
use crate::answer::judge::Judge;
use crate::corpus::StateCode;
use crate::engine::Engine;
use crate::index::IndexError;
use crate::retrieve::{self, SearchRequest};

/// One evaluation question.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalItem {
    /// Question id.
    pub id: String,
    /// The question.
    pub question: String,
    /// fact, state, strategy, compare, unanswerable.
    pub kind: String,
    /// de or en.
    #[serde(default)]
    pub lang: String,
    /// States the answer concerns.
    #[serde(default)]
    pub states: Vec<String>,
    /// Verbatim quotes.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// For compare items: state → its own quotes.
    #[serde(default)]
    pub state_evidence: BTreeMap<String, Vec<String>>,
}

/// Parses a JSON-lines file; names the line of the first error.
pub fn parse_items(text: &str) -> Result<Vec<EvalItem>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

fn reduce(s: &str) -> Vec<char> {
    s.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Length of the longest common contiguous run of `a` and `b`.
fn longest_common_run(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    let mut best = 0;
    for x in a {
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y { prev[j] + 1 } else { 0 };
            best = best.max(cur[j + 1]);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    best
}

/// True when `passage` covers `quote` (see the module documentation).
pub fn covers(passage: &str, quote: &str) -> bool {
    let q = reduce(quote);
    if q.is_empty() {
        return false;
    }
    let p = reduce(passage);
    longest_common_run(&q, &p) * 10 >= q.len() * 6
}

/// Reading budget for recall@2000ch.
pub const READING_BUDGET: usize = 2000;

/// Results for one question.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemResult {
    /// Question id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Language.
    pub lang: String,
    /// 1-based rank of the first covering hit among the top 10.
    pub first_rank: Option<usize>,
    /// Whether a quote is covered within the reading budget.
    pub within_budget: bool,
    /// Whether `ask` abstained.
    pub abstained: bool,
    /// Whether the text of `ask`'s extractive answer holds one of the evidence quotes
    /// (as [`covers`] reads it); false when it abstained, and for compare items, whose
    /// answer is the comparison's.
    pub answer_holds_evidence: bool,
    /// Milliseconds to embed the question and search.
    pub latency_ms: f64,
    /// Best cosine similarity among the cited passages.
    pub best_similarity: f32,
    /// Share of the question's terms found in the cited passages.
    pub term_coverage: f32,
    /// Share of the question's focus terms held by the cited passages (see
    /// [`answer::extractive::focus_terms`]).
    pub focus_support: f32,
    /// The question's words for something the documents never use
    /// ([`answer::Evidence::unknown`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_words: Vec<String>,
    /// Compare items: qualifying states cited with their own evidence.
    pub states_found: usize,
    /// Compare items: qualifying states.
    pub states_expected: usize,
    /// Compare items: distinct cited states that do not qualify.
    pub states_wrong: usize,
    /// Compare items: distinct cited states.
    pub states_cited: usize,
    /// Compare items: whether `ask` recognises the question as one across the states.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_state_detected: Option<bool>,
    /// Compare items: the topic's key terms (empty: judged by similarity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_key_terms: Option<Vec<String>>,
    /// Compare items: every state's evidence as the comparison judged it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compare_states: Vec<StateDiagnosis>,
}

/// How the comparison judged one state of a compare item.
#[derive(Debug, Clone, Serialize)]
pub struct StateDiagnosis {
    /// State code.
    pub state: String,
    /// Whether the item lists the state as qualifying.
    pub qualifies: bool,
    /// `finding`, `no_statement` or `no_report`.
    pub status: String,
    /// The passages read, best evidence first.
    pub candidates: Vec<CandidateDiagnosis>,
}

/// One passage read for a state.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateDiagnosis {
    /// Rank among the state's passages for the topic, from 1.
    pub rank: usize,
    /// Cosine similarity to the question.
    pub similarity: f32,
    /// BM25 score for the topic.
    pub bm25: f32,
    /// IDF-weighted share of the key terms in the passage.
    pub passage_coverage: f32,
    /// The same for its best sentence.
    pub sentence_coverage: f32,
    /// Whether the passage covers one of the state's own quotes.
    pub covers: bool,
}

/// Scores a compare item by the state-by-state comparison: the states cited are the
/// states with a finding, each citing its finding's passage.
fn score_comparison(engine: &Engine, item: &EvalItem, cmp: &Comparison, r: &mut ItemResult) {
    let store = &engine.index.store;
    let quotes_of = |state: &str| item.state_evidence.get(state).cloned().unwrap_or_default();
    r.compare_key_terms = Some(cmp.key_terms.clone());
    r.states_expected = item.state_evidence.len();
    for row in &cmp.rows {
        let code = row.state.code();
        let quotes = quotes_of(code);
        let qualifies = item.states.iter().any(|s| s == code);
        if row.status == Status::Finding {
            r.states_cited += 1;
            if !qualifies {
                r.states_wrong += 1;
            }
            if row
                .best()
                .is_some_and(|c| quotes.iter().any(|q| covers(store.chunk_text(c.chunk), q)))
            {
                r.states_found += 1;
            }
        }
        r.compare_states.push(StateDiagnosis {
            state: code.to_string(),
            qualifies,
            status: row.status.code().to_string(),
            candidates: row
                .candidates
                .iter()
                .map(|c| CandidateDiagnosis {
                    rank: c.rank,
                    similarity: c.similarity,
                    bm25: c.bm25,
                    passage_coverage: c.passage_coverage,
                    sentence_coverage: c.sentence_coverage,
                    covers: quotes.iter().any(|q| covers(store.chunk_text(c.chunk), q)),
                })
                .collect(),
        });
    }
}

/// Aggregated figures for a group of questions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Questions in the group.
    pub questions: usize,
    /// Answerable questions.
    pub answerable: usize,
    /// recall@1 over answerable questions.
    pub recall_at_1: f64,
    /// recall@5.
    pub recall_at_5: f64,
    /// recall@10.
    pub recall_at_10: f64,
    /// Mean reciprocal rank (top 10).
    pub mrr: f64,
    /// Recall within the first 2,000 characters of the hits.
    pub recall_at_2000ch: f64,
    /// Share of the answerable questions outside comparisons whose extractive answer
    /// text holds one of their evidence quotes: what the user reads first, not only
    /// the passages below it.
    pub answer_recall: Option<f64>,
    /// Share of qualifying states cited with their own evidence (compare items).
    pub compare_state_recall: Option<f64>,
    /// Share of cited states that do not qualify (compare items).
    pub compare_wrong_states: Option<f64>,
    /// Share of unanswerable questions where belegt abstained.
    pub abstention: Option<f64>,
    /// Share of answerable questions where belegt abstained.
    pub false_abstention: f64,
}

/// Everything `belegt eval` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// All questions.
    pub overall: Summary,
    /// Median milliseconds to embed a question and search (model already loaded).
    pub latency_p50_ms: f64,
    /// 95th percentile of the same.
    pub latency_p95_ms: f64,
    /// Per kind.
    pub by_kind: BTreeMap<String, Summary>,
    /// Per language.
    pub by_lang: BTreeMap<String, Summary>,
    /// Per state named in the question's `states`.
    pub by_state: BTreeMap<String, Summary>,
    /// Per question.
    pub items: Vec<ItemResult>,
    /// The LLM that judged the comparisons (`--llm`); absent: the key-term rule did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge_model: Option<String>,
    /// State verdicts the LLM judge failed to give (those rows kept the rule's decision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge_failures: Option<usize>,
}

/// Runs every question through `search` (k = 10) and `ask` (default k); compare items
/// also through the state-by-state comparison, whose findings are the states they cite.
/// With `judge`, the configured LLM decides the comparisons' rows.
pub fn run(
    engine: &Engine,
    items: &[EvalItem],
    ask_k: usize,
    judge: Option<&Judge>,
) -> Result<Report, IndexError> {
    let mut results = Vec::new();
    let mut judge_failures = 0;
    // English questions are searched by their translation, which needs the vocabulary
    // (a server's search does not wait for it): embed it first, so that the figures do
    // not depend on whether an earlier comparison did.
    if items.iter().any(|i| retrieve::looks_english(&i.question)) {
        engine.lexicon()?;
    }
    for item in items {
        // Read as `ask` reads it ([`crate::engine::Engine::spelled`]).
        let question = engine.spelled(&item.question);
        let question = question.as_ref();
        let req = SearchRequest {
            query: question.to_string(),
            states: Vec::new(),
            docs: Vec::new(),
            k: 10.max(ask_k),
        };
        let crate::engine::Retrieved {
            outcome,
            queries:
                crate::engine::Queries {
                    translated,
                    unknown,
                    counted,
                    ..
                },
            vector,
        } = engine.retrieve(&req)?;
        let store = &engine.index.store;
        let mut first_rank = None;
        let mut within_budget = false;
        let mut budget = READING_BUDGET;
        for (i, hit) in outcome.hits.iter().take(10).enumerate() {
            let text = store.chunk_text(hit.chunk);
            if first_rank.is_none() && item.evidence.iter().any(|q| covers(text, q)) {
                first_rank = Some(i + 1);
            }
            if budget > 0 {
                let read: String = text.chars().take(budget).collect();
                budget -= read.chars().count();
                if item.evidence.iter().any(|q| covers(&read, q)) {
                    within_budget = true;
                }
            }
        }
        // `ask` with k passages cites the first k hits of the same ranking.
        let cited = &outcome.hits[..ask_k.min(outcome.hits.len())];
        let ev = answer::evidence(&engine.index, question, &unknown, counted.as_deref(), cited);
        let answer = answer::answer(
            &engine.index,
            question,
            translated.as_deref(),
            &unknown,
            counted.as_deref(),
            cited,
            &engine.config.abstain,
        );
        let mut r = ItemResult {
            id: item.id.clone(),
            kind: item.kind.clone(),
            lang: item.lang.clone(),
            first_rank,
            within_budget,
            abstained: answer.abstained,
            answer_holds_evidence: !answer.abstained
                && item.kind != "compare"
                && item.evidence.iter().any(|q| covers(&answer.text, q)),
            latency_ms: outcome.timings.embed_ms + outcome.timings.search_ms,
            best_similarity: ev.best_similarity,
            term_coverage: ev.term_coverage,
            focus_support: ev.focus_support,
            unknown_words: ev.unknown.clone(),
            states_found: 0,
            states_expected: 0,
            states_wrong: 0,
            states_cited: 0,
            cross_state_detected: None,
            compare_key_terms: None,
            compare_states: Vec::new(),
        };
        // `ask` answers a question across the states from the comparison (and abstains
        // when no state has a finding); a compare item is scored by it.
        let across = retrieve::cross_state(question);
        if item.kind == "compare" || across.is_some() {
            let topic = across
                .as_ref()
                .map_or_else(|| question.to_string(), |c| c.topic.clone());
            let cmp = engine.comparison(question, &topic, &vector, judge)?;
            judge_failures += cmp.judged.as_ref().map_or(0, |j| j.failed);
            if item.kind == "compare" {
                r.cross_state_detected = Some(across.is_some());
                score_comparison(engine, item, &cmp, &mut r);
            }
            if across.is_some() {
                r.abstained = cmp.findings().next().is_none();
            }
        }
        results.push(r);
    }
    let group = |pred: &dyn Fn(&EvalItem) -> Option<String>| {
        let mut map: BTreeMap<String, Vec<&ItemResult>> = BTreeMap::new();
        for (item, r) in items.iter().zip(&results) {
            if let Some(key) = pred(item) {
                map.entry(key).or_default().push(r);
            }
        }
        map.into_iter()
            .map(|(k, v)| (k, summarize(&v)))
            .collect::<BTreeMap<_, _>>()
    };
    let by_kind = group(&|i| Some(i.kind.clone()));
    let by_lang = group(&|i| {
        Some(if i.lang.is_empty() {
            "?".into()
        } else {
            i.lang.clone()
        })
    });
    let mut by_state: BTreeMap<String, Summary> = BTreeMap::new();
    for code in StateCode::all().map(StateCode::code) {
        let rs: Vec<&ItemResult> = items
            .iter()
            .zip(&results)
            .filter(|(i, _)| i.states.iter().any(|s| s == code))
            .map(|(_, r)| r)
            .collect();
        if !rs.is_empty() {
            by_state.insert(code.to_string(), summarize(&rs));
        }
    }
    let mut latencies: Vec<f64> = results.iter().map(|r| r.latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Ok(Report {
        latency_p50_ms: pct(0.5),
        latency_p95_ms: pct(0.95),
        overall: summarize(&results.iter().collect::<Vec<_>>()),
        by_kind,
        by_lang,
        by_state,
        items: results,
        judge_model: judge.map(|j| j.client.settings().model.clone()),
        judge_failures: judge.map(|_| judge_failures),
    })
}

fn summarize(rs: &[&ItemResult]) -> Summary {
    let answerable: Vec<&&ItemResult> = rs.iter().filter(|r| r.kind != "unanswerable").collect();
    let unanswerable = rs.len() - answerable.len();
    let n = answerable.len().max(1) as f64;
    let at = |k: usize| {
        answerable
            .iter()
            .filter(|r| r.first_rank.is_some_and(|f| f <= k))
            .count() as f64
            / n
    };
    let compare: Vec<&&ItemResult> = rs.iter().filter(|r| r.kind == "compare").collect();
    let expected: usize = compare.iter().map(|r| r.states_expected).sum();
    let cited: usize = compare.iter().map(|r| r.states_cited).sum();
    Summary {
        questions: rs.len(),
        answerable: answerable.len(),
        recall_at_1: at(1),
        recall_at_5: at(5),
        recall_at_10: at(10),
        mrr: answerable
            .iter()
            .map(|r| r.first_rank.map_or(0.0, |f| 1.0 / f as f64))
            .sum::<f64>()
            .abs()
            / n,
        recall_at_2000ch: answerable.iter().filter(|r| r.within_budget).count() as f64 / n,
        answer_recall: {
            let read: Vec<&&&ItemResult> =
                answerable.iter().filter(|r| r.kind != "compare").collect();
            (!read.is_empty()).then(|| {
                read.iter().filter(|r| r.answer_holds_evidence).count() as f64 / read.len() as f64
            })
        },
        compare_state_recall: (expected > 0).then(|| {
            compare.iter().map(|r| r.states_found).sum::<usize>() as f64 / expected as f64
        }),
        compare_wrong_states: (cited > 0)
            .then(|| compare.iter().map(|r| r.states_wrong).sum::<usize>() as f64 / cited as f64),
        abstention: (unanswerable > 0).then(|| {
            rs.iter()
                .filter(|r| r.kind == "unanswerable" && r.abstained)
                .count() as f64
                / unanswerable as f64
        }),
        false_abstention: answerable.iter().filter(|r| r.abstained).count() as f64 / n,
    }
}

/// A threshold on an overall figure: `recall_at_5>=0.94` or `false_abstention<=0.03`.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// A field of [`Summary`].
    pub figure: String,
    /// True for `>=`, false for `<=`.
    pub at_least: bool,
    /// The bound.
    pub bound: f64,
}

impl std::str::FromStr for Requirement {
    type Err = String;

    fn from_str(s: &str) -> Result<Requirement, String> {
        let (figure, at_least, bound) = if let Some((f, b)) = s.split_once(">=") {
            (f, true, b)
        } else if let Some((f, b)) = s.split_once("<=") {
            (f, false, b)
        } else {
            return Err(format!(
                "{s:?}: write FIGURE>=VALUE or FIGURE<=VALUE, e.g. recall_at_5>=0.9"
            ));
        };
        let bound: f64 = bound
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: {bound:?} is not a number"))?;
        Ok(Requirement {
            figure: figure.trim().to_string(),
            at_least,
            bound,
        })
    }
}

/// Checks the overall figures against requirements; the error lists every miss.
pub fn check(report: &Report, requirements: &[Requirement]) -> Result<(), String> {
    let overall = serde_json::to_value(&report.overall).expect("summary serializes");
    let mut misses = Vec::new();
    for r in requirements {
        let value = overall
            .get(&r.figure)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| {
                format!(
                    "no figure {:?} to check (see `belegt eval --json`)",
                    r.figure
                )
            })?;
        let ok = if r.at_least {
            value >= r.bound
        } else {
            value <= r.bound
        };
        if !ok {
            let op = if r.at_least { ">=" } else { "<=" };
            misses.push(format!(
                "{} is {value:.3}, required {op} {}",
                r.figure, r.bound
            ));
        }
    }
    if misses.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "answer quality below the required figures: {}",
            misses.join("; ")
        ))
    }
}

/// The report as a plain-text table.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let opt = |v: Option<f64>| v.map_or("   –".to_string(), |x| format!("{x:.2}"));
    out.push_str(&format!(
        "{:<16} {:>4} {:>5} {:>5} {:>5} {:>5} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6}\n",
        "group",
        "n",
        "R@1",
        "R@5",
        "R@10",
        "MRR",
        "R@2000",
        "cmpR",
        "cmpW",
        "abst",
        "fAbst",
        "answer"
    ));
    let mut line = |name: &str, s: &Summary| {
        out.push_str(&format!(
            "{:<16} {:>4} {:>5.2} {:>5.2} {:>5.2} {:>5.2} {:>7.2} {:>6} {:>6} {:>6} {:>6.2} {:>6}\n",
            name,
            s.questions,
            s.recall_at_1,
            s.recall_at_5,
            s.recall_at_10,
            s.mrr,
            s.recall_at_2000ch,
            opt(s.compare_state_recall),
            opt(s.compare_wrong_states),
            opt(s.abstention),
            s.false_abstention,
            opt(s.answer_recall)
        ));
    };
    line("overall", &report.overall);
    for (k, s) in &report.by_kind {
        line(&format!("kind:{k}"), s);
    }
    for (k, s) in &report.by_lang {
        line(&format!("lang:{k}"), s);
    }
    for (k, s) in &report.by_state {
        line(&format!("state:{k}"), s);
    }
    out.push_str(&format!(
        "latency (embed + search, model loaded): p50 {:.1} ms, p95 {:.1} ms over {} questions\n",
        report.latency_p50_ms,
        report.latency_p95_ms,
        report.items.len()
    ));
    if let (Some(model), Some(failures)) = (&report.judge_model, report.judge_failures) {
        out.push_str(&format!(
            "comparisons judged by the LLM {model:?}; {failures} state verdicts failed and kept the key-term rule\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_ignores_case_spacing_and_hyphens() {
        let passage =
            "Die KI-Strategie wurde in einem Diskussions- prozess entwickelt und beschlossen.";
        assert!(covers(
            passage,
            "Die KIStrategie wurde in einem Diskussionsprozess entwickelt"
        ));
        assert!(!covers(
            passage,
            "Ein völlig anderer Satz über Tablets in Schulen und Lehrkräfte"
        ));
    }

    #[test]
    fn sixty_percent_of_a_straddling_quote_is_enough() {
        let quote = "aaaa bbbb cccc dddd eeee";
        assert!(!covers("xx aaaa bbbb ccc", quote));
        assert!(covers("xx aaaa bbbb cccc ddd", quote));
    }

    #[test]
    fn answer_recall_counts_the_answers_outside_comparisons() {
        let item = |kind: &str, holds: bool| ItemResult {
            kind: kind.to_string(),
            first_rank: Some(1),
            answer_holds_evidence: holds,
            ..ItemResult::default()
        };
        let items = [
            item("fact", true),
            item("fact", false),
            item("state", true),
            item("strategy", true),
            // Neither counts: a comparison's answer is its table, and an unanswerable
            // question has no evidence.
            item("compare", false),
            item("unanswerable", false),
        ];
        let summary = summarize(&items.iter().collect::<Vec<_>>());
        assert_eq!(summary.answer_recall, Some(0.75));
        let compare_only = [item("compare", false)];
        assert_eq!(
            summarize(&compare_only.iter().collect::<Vec<_>>()).answer_recall,
            None
        );
    }

    #[test]
    fn requirements_parse_and_fail_with_every_miss() {
        let r: Requirement = "recall_at_5>=0.9".parse().expect("parses");
        assert!(r.at_least && r.figure == "recall_at_5" && (r.bound - 0.9).abs() < 1e-9);
        assert!("recall_at_5=0.9".parse::<Requirement>().is_err());
        let report = Report {
            overall: Summary {
                recall_at_5: 0.8,
                false_abstention: 0.1,
                ..Summary::default()
            },
            latency_p50_ms: 0.0,
            latency_p95_ms: 0.0,
            by_kind: BTreeMap::new(),
            by_lang: BTreeMap::new(),
            by_state: BTreeMap::new(),
            items: Vec::new(),
            judge_model: None,
            judge_failures: None,
        };
        let reqs: Vec<Requirement> = ["recall_at_5>=0.9", "false_abstention<=0.05", "mrr>=0.0"]
            .iter()
            .map(|s| s.parse().expect("parses"))
            .collect();
        let err = check(&report, &reqs).expect_err("two misses");
        assert!(
            err.contains("recall_at_5 is 0.800") && err.contains("false_abstention is 0.100"),
            "{err}"
        );
        assert!(check(&report, &reqs[2..]).is_ok());
        let unknown: Requirement = "speed>=1".parse().expect("parses");
        assert!(
            check(&report, &[unknown])
                .expect_err("unknown")
                .contains("no figure")
        );
    }

    #[test]
    fn parses_items_and_names_bad_lines() {
        let items = parse_items("{\"id\":\"q1\",\"question\":\"?\",\"kind\":\"fact\"}\n\n")
            .expect("parses");
        assert_eq!(items[0].id, "q1");
        assert!(
            parse_items("{\"id\":1}\n")
                .expect_err("must fail")
                .starts_with("line 1")
        );
    }
}
