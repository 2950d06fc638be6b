//! Topic → a state × finding table: for each of the 16 states the sentence of its own
//! documents that says most about the topic, when the evidence is strong enough; else
//! "keine Aussage im Bericht"; "kein Bericht" for a state the index holds nothing of.
//!
//! How a state's evidence is judged (the rule and its thresholds were chosen by a sweep
//! over the shared dev questions, see the README; the defaults are in
//! [`ComparePolicy::default`]):
//! 1. The state's passages are ranked for the topic by dense similarity and BM25 within
//!    the state, fused by reciprocal rank; the best [`CANDIDATES`] are read.
//! 2. The topic's *key terms* are its nouns (German nouns are upper case; all words for
//!    an English topic), analysed, that occur in the documents but in at most half of
//!    the passages, without the words that name states; each weighs its IDF. A key term
//!    of five letters or more also matches as the head or first part of a compound.
//! 3. Each sentence of a candidate is scored by the IDF-weighted share of the key terms
//!    it holds; the state's evidence is its best sentence (ties: the better passage).
//! 4. A state has a finding when that share reaches [`ComparePolicy::min_coverage`] and
//!    at least [`ComparePolicy::relative`] of the best state's share; a German topic
//!    with no key term in the documents has no finding. An English topic (its words
//!    rarely occur in the German text) is judged by similarity: the best passage's
//!    cosine within [`ComparePolicy::similarity_margin`] of the best state's and at
//!    least [`ComparePolicy::min_similarity`].
//!
//! **Invariant:** every state appears exactly once, in the official order; a finding is
//! verbatim text of the passage it cites; a state without passages is "kein Bericht",
//! derived from the index, never from a list.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::answer::extractive::holds_term;
use crate::corpus::{StateCode, sentence};
use crate::index::lexical::{LexicalFilter, analyze};
use crate::index::{Index, IndexError};
use crate::retrieve::fuse::RRF_K;
use crate::retrieve::{detect_states, looks_english};

/// What the table says for a state whose documents say nothing on the topic.
pub const NO_STATEMENT: &str = "keine Aussage im Bericht";
/// What the table says for a state the documents hold nothing of.
pub const NO_REPORT: &str = "kein Bericht";

/// Passages of each state read for a finding.
pub const CANDIDATES: usize = 1;

/// When a state's evidence counts as a finding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparePolicy {
    /// Smallest IDF-weighted share of the topic's key terms in the best sentence.
    pub min_coverage: f32,
    /// Smallest share of the best state's coverage.
    pub relative: f32,
    /// English topics: largest distance of a state's best cosine to the best state's.
    pub similarity_margin: f32,
    /// English topics: smallest cosine of a finding's passage (as `ask` abstains below
    /// [`crate::answer::AbstainPolicy::min_similarity_english`]).
    pub min_similarity: f32,
    /// Passages of each state read, best fused rank first.
    pub candidates: usize,
}

impl Default for ComparePolicy {
    fn default() -> Self {
        ComparePolicy {
            min_coverage: 0.4,
            relative: 0.5,
            similarity_margin: 0.01,
            min_similarity: crate::answer::AbstainPolicy::default().min_similarity_english,
            candidates: CANDIDATES,
        }
    }
}

/// What the table says for one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A finding with its citation.
    Finding,
    /// The state's documents say nothing on the topic ("keine Aussage im Bericht").
    NoStatement,
    /// The documents hold nothing of the state ("kein Bericht").
    NoReport,
}

impl Status {
    /// `finding`, `no_statement` or `no_report`.
    pub fn code(self) -> &'static str {
        match self {
            Status::Finding => "finding",
            Status::NoStatement => "no_statement",
            Status::NoReport => "no_report",
        }
    }
}

/// A passage of a state read for the topic, with its best sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Chunk position in the store.
    pub chunk: usize,
    /// Rank among the state's passages for the topic (dense and BM25 fused), from 1.
    pub rank: usize,
    /// Cosine similarity of the passage to the question.
    pub similarity: f32,
    /// BM25 score of the passage for the topic (0 when no key term occurs in it).
    pub bm25: f32,
    /// IDF-weighted share of the key terms in the passage (header included).
    pub passage_coverage: f32,
    /// The best sentence: byte range in the passage text.
    pub sentence: Range<usize>,
    /// IDF-weighted share of the key terms in that sentence.
    pub sentence_coverage: f32,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// The state.
    pub state: StateCode,
    /// Finding, no statement, or no report.
    pub status: Status,
    /// Passages of this state in the index.
    pub passages: usize,
    /// The candidates read, best evidence first (empty without a report).
    pub candidates: Vec<Candidate>,
}

impl StateRow {
    /// The evidence the row rests on: the first candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// The table: every state exactly once, in the official order.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// What was compared.
    pub topic: String,
    /// The topic's key terms (analysed) that occur in the documents.
    pub key_terms: Vec<String>,
    /// True when the states were judged by similarity (an English topic).
    pub by_similarity: bool,
    /// One row per state.
    pub rows: Vec<StateRow>,
}

impl Comparison {
    /// The rows with a finding.
    pub fn findings(&self) -> impl Iterator<Item = &StateRow> {
        self.rows.iter().filter(|r| r.status == Status::Finding)
    }
}

/// The topic's key terms with their IDF: analysed words that occur in the documents but
/// in at most half of the passages (a word in most passages, such as `KI` in a corpus on
/// AI, tells no state from another), without the words that name a state, and without
/// the joined form of a hyphenated compound when its parts are key terms
/// (`Fraunhofer-Institute` counts as `Fraunhofer` and `Institut`).
pub fn key_terms(index: &Index, topic: &str, english: bool) -> Vec<(String, f32)> {
    let state_terms: HashSet<String> = detect_states(topic)
        .iter()
        .flat_map(|n| analyze(&n.phrase))
        .collect();
    let joined = crate::answer::extractive::hyphen_joins(topic);
    // In German the nouns carry the topic and are written in upper case; verbs
    // ("setzen … ein", "planen") and adjectives say little about which state qualifies.
    let nouns: Vec<&str> = topic
        .split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .collect();
    let source = if nouns.is_empty() || english {
        topic.to_string()
    } else {
        nouns.join(" ")
    };
    let half = (index.store.chunks.len() / 2) as u64;
    let common_alias = common_alias_words(index, topic, half);
    let mut seen = HashSet::new();
    analyze(&source)
        .into_iter()
        .filter(|t| !state_terms.contains(t) && !joined.contains(t) && !common_alias.contains(t))
        .filter(|t| (1..=half).contains(&index.backend.doc_freq(t)))
        .filter(|t| seen.insert(t.clone()))
        .map(|t| {
            let idf = index.backend.idf(&t);
            (t, idf)
        })
        .collect()
}

/// The analysed words of two-word phrases that the analyser also reads as a term found
/// in more than `half` of the passages (`Künstliche Intelligenz` is `KI`): such a phrase
/// tells no state from another, as its abbreviation does not.
fn common_alias_words(index: &Index, topic: &str, half: u64) -> HashSet<String> {
    let words: Vec<&str> = topic.split_whitespace().collect();
    let mut common = HashSet::new();
    for pair in words.windows(2) {
        let apart: HashSet<String> = pair.iter().flat_map(|w| analyze(w)).collect();
        let together = analyze(&pair.join(" "));
        if together
            .iter()
            .any(|t| !apart.contains(t) && index.backend.doc_freq(t) > half)
        {
            common.extend(apart);
        }
    }
    common
}

fn coverage(terms: &HashSet<String>, key: &[(String, f32)]) -> f32 {
    let total: f32 = key.iter().map(|k| k.1).sum();
    if total <= 0.0 {
        return 0.0;
    }
    key.iter()
        .filter(|k| holds_term(terms, &k.0))
        .map(|k| k.1)
        .sum::<f32>()
        / total
}

/// Compares the states on `topic`; `question` is what was asked (it tells the
/// language) and `question_vector` its embedding.
pub fn compare(
    index: &Index,
    question: &str,
    topic: &str,
    question_vector: &[f32],
    policy: &ComparePolicy,
) -> Result<Comparison, IndexError> {
    let store = &index.store;
    let n = store.chunks.len();
    let english = looks_english(question) || looks_english(topic);
    let key = key_terms(index, topic, english);
    let all: Vec<usize> = (0..n).collect();
    let dense = index.backend.dense(question_vector, n, Some(&all))?;
    let lexical = index
        .backend
        .lexical(topic, n.max(1), &LexicalFilter::default())?;
    let lexical_weight = if english { 0.3 } else { 1.0 };
    let similarity: HashMap<usize, f32> = dense.iter().copied().collect();
    let bm25: HashMap<usize, f32> = lexical.iter().copied().collect();
    // Ranks within each state.
    let mut fused: HashMap<usize, f32> = HashMap::new();
    let mut per_state_rank: HashMap<&str, (usize, usize)> = HashMap::new();
    for &(chunk, _) in &dense {
        if let Some(s) = store.chunks[chunk].state.as_deref() {
            let r = per_state_rank.entry(s).or_default();
            r.0 += 1;
            *fused.entry(chunk).or_default() += 1.0 / (RRF_K + r.0 as f32);
        }
    }
    for &(chunk, _) in &lexical {
        if let Some(s) = store.chunks[chunk].state.as_deref() {
            let r = per_state_rank.entry(s).or_default();
            r.1 += 1;
            *fused.entry(chunk).or_default() += lexical_weight / (RRF_K + r.1 as f32);
        }
    }
    let mut rows = Vec::with_capacity(16);
    for state in StateCode::all() {
        let mut chunks: Vec<usize> = (0..n)
            .filter(|&i| store.chunks[i].state.as_deref() == Some(state.code()))
            .collect();
        let passages = chunks.len();
        chunks.sort_by(|a, b| {
            let fa = fused.get(a).copied().unwrap_or(0.0);
            let fb = fused.get(b).copied().unwrap_or(0.0);
            fb.total_cmp(&fa).then(a.cmp(b))
        });
        let mut candidates: Vec<Candidate> = chunks
            .into_iter()
            .take(policy.candidates)
            .enumerate()
            .map(|(i, chunk)| {
                let text = store.chunk_text(chunk);
                let passage_terms: HashSet<String> =
                    analyze(&store.indexed_text(chunk)).into_iter().collect();
                let (sentence, sentence_coverage) = best_sentence(text, &key);
                Candidate {
                    chunk,
                    rank: i + 1,
                    similarity: similarity.get(&chunk).copied().unwrap_or(0.0),
                    bm25: bm25.get(&chunk).copied().unwrap_or(0.0),
                    passage_coverage: coverage(&passage_terms, &key),
                    sentence,
                    sentence_coverage,
                }
            })
            .collect();
        // Best evidence first: the best sentence, then the better passage (stable sort
        // keeps the fused order among equals).
        candidates.sort_by(|a, b| b.sentence_coverage.total_cmp(&a.sentence_coverage));
        rows.push(StateRow {
            state,
            status: if passages == 0 {
                Status::NoReport
            } else {
                Status::NoStatement
            },
            passages,
            candidates,
        });
    }
    // English words rarely occur in the German documents; those that do ("Act",
    // "Report") are no evidence of the topic.
    let by_similarity = english;
    decide(&mut rows, by_similarity, policy);
    Ok(Comparison {
        topic: topic.to_string(),
        key_terms: key.into_iter().map(|k| k.0).collect(),
        by_similarity,
        rows,
    })
}

/// Applies the policy to rows whose candidates are known.
fn decide(rows: &mut [StateRow], by_similarity: bool, policy: &ComparePolicy) {
    if by_similarity {
        for row in rows.iter_mut() {
            row.candidates
                .sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        }
        let best = rows
            .iter()
            .filter_map(|r| r.best().map(|c| c.similarity))
            .fold(f32::MIN, f32::max);
        for row in rows.iter_mut() {
            if let Some(c) = row.best()
                && c.similarity >= best - policy.similarity_margin
                && c.similarity >= policy.min_similarity
            {
                row.status = Status::Finding;
            }
        }
        return;
    }
    let best = rows
        .iter()
        .filter_map(|r| r.best().map(|c| c.sentence_coverage))
        .fold(0.0, f32::max);
    for row in rows.iter_mut() {
        if let Some(c) = row.best()
            && c.sentence_coverage >= policy.min_coverage
            && c.sentence_coverage >= policy.relative * best
        {
            row.status = Status::Finding;
        }
    }
}

/// The sentence of `text` with the largest share of the key terms (the first of equals;
/// sentences of fewer than four words only when nothing else holds a key term).
fn best_sentence(text: &str, key: &[(String, f32)]) -> (Range<usize>, f32) {
    // Ordered by: a long sentence with a key term, then coverage, then a long sentence.
    let order = |cov: f32, long: bool| (u8::from(long && cov > 0.0), cov, u8::from(long));
    let mut best: Option<(Range<usize>, f32, bool)> = None;
    for range in sentence::split(text) {
        let s = &text[range.clone()];
        let long = s.split_whitespace().count() >= 4;
        let terms: HashSet<String> = analyze(s).into_iter().collect();
        let cov = coverage(&terms, key);
        let better = best.as_ref().is_none_or(|(_, c, l)| {
            order(cov, long)
                .partial_cmp(&order(*c, *l))
                .is_some_and(std::cmp::Ordering::is_gt)
        });
        if better {
            best = Some((range, cov, long));
        }
    }
    best.map_or((0..text.len(), 0.0), |(r, c, _)| (r, c))
}
