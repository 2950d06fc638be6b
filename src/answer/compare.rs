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
//!    of five letters or more also matches as the head or first part of a compound. A
//!    noun the documents do not use is split into parts they do ("Hochwasserwarnungen":
//!    "Hochwasser", "Warnungen"); its other parts count only next to its most specific
//!    one (largest IDF), so "Förderung" alone says nothing on "Mittelstandsförderung".
//! 3. Each sentence of a candidate is scored by the IDF-weighted share of the key terms
//!    it holds; the state's evidence is its best sentence (ties: the better passage).
//! 4. A state has a finding when that share reaches [`ComparePolicy::min_coverage`] and
//!    at least [`ComparePolicy::relative`] of the best state's share; a German topic
//!    with no key term in the documents has no finding.
//! 5. An English topic shares almost no words with German documents: its words are
//!    translated into the documents' own terms first ([`crate::retrieve::lexicon`]),
//!    each English word one key term that any of its translations fulfils, and then
//!    judged as above. A topic with a word that has no translation ("libraries" in
//!    documents that never name them) has no finding.
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
use crate::retrieve::compound::split_unknown_compounds;
use crate::retrieve::fuse::RRF_K;
use crate::retrieve::lexicon::Translation;
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
    /// Passages of each state read, best fused rank first.
    pub candidates: usize,
}

impl Default for ComparePolicy {
    fn default() -> Self {
        ComparePolicy {
            min_coverage: 0.4,
            relative: 0.5,
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
    /// The topic's key terms (analysed) that occur in the documents; for an English
    /// topic, its words' translations.
    pub key_terms: Vec<String>,
    /// For an English topic: its words and their translations (empty for German).
    pub translations: Vec<Translation>,
    /// One row per state.
    pub rows: Vec<StateRow>,
}

impl Comparison {
    /// The rows with a finding.
    pub fn findings(&self) -> impl Iterator<Item = &StateRow> {
        self.rows.iter().filter(|r| r.status == Status::Finding)
    }
}

/// A key term of the topic: analysed forms of which any counts (one for a German word;
/// an English word's translations), weighted by IDF.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyTerm {
    /// The analysed forms, best first.
    pub forms: Vec<String>,
    /// Inverse document frequency (the largest of the forms').
    pub idf: f32,
    /// For a part of a compound the documents do not use ([`split_unknown_compounds`]):
    /// the compound's most specific part, without which this one does not count
    /// ("Förderung" of "Mittelstandsförderung" only next to "Mittelstand").
    pub with: Option<String>,
}

/// The topic's key terms with their IDF: analysed words that occur in the documents but
/// in at most half of the passages (a word in most passages, such as `KI` in a corpus on
/// AI, tells no state from another), without the words that name a state, and without
/// the joined form of a hyphenated compound when its parts are key terms
/// (`Fraunhofer-Institute` counts as `Fraunhofer` and `Institut`). A noun the documents
/// do not use counts as its parts ([`split_unknown_compounds`]), bound to the most
/// specific of them ([`KeyTerm::with`]).
pub fn key_terms(index: &Index, topic: &str) -> Vec<KeyTerm> {
    let (split, compounds) = split_unknown_compounds(index, topic);
    key_terms_of_split(index, &split, &compounds)
}

/// [`key_terms`] of a topic whose unknown compounds are already split.
fn key_terms_of_split(index: &Index, split: &str, compounds: &[Vec<String>]) -> Vec<KeyTerm> {
    let mut key = key_terms_of(index, split);
    for parts in compounds {
        let terms: Vec<String> = parts.iter().flat_map(|p| analyze(p)).collect();
        // The part of largest IDF; of equals the first (in German the modifier narrows
        // the head: "Mittelstand" in "Mittelstandsförderung").
        let Some(rarest) = terms
            .iter()
            .filter_map(|t| key.iter().find(|k| &k.forms[0] == t))
            .fold(None::<&KeyTerm>, |best, k| match best {
                Some(b) if b.idf >= k.idf => Some(b),
                _ => Some(k),
            })
            .map(|k| k.forms[0].clone())
        else {
            continue;
        };
        for k in key.iter_mut() {
            if terms.contains(&k.forms[0]) && k.forms[0] != rarest {
                k.with = Some(rarest.clone());
            }
        }
    }
    key
}

fn key_terms_of(index: &Index, topic: &str) -> Vec<KeyTerm> {
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
    let source = if nouns.is_empty() {
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
        .map(|t| KeyTerm {
            idf: index.backend.idf(&t),
            forms: vec![t],
            with: None,
        })
        .collect()
}

/// The key terms of an English topic: one per word, its forms the word's translations
/// that occur in at most half of the passages; words that spell out a too-common
/// abbreviation ("artificial intelligence" is `KI`) and words naming a state are left
/// out. When a word has no translation at all ("whaling"), there are none: English has
/// no capitals to tell a topic's nouns from its verbs, and a topic judged by half its
/// words ("regulate" without "whaling") would find what was not asked.
pub fn translated_key_terms(
    index: &Index,
    topic: &str,
    translations: &[Translation],
) -> Vec<KeyTerm> {
    let half = (index.store.chunks.len() / 2) as u64;
    let mut skip = common_alias_words(index, topic, half);
    skip.extend(detect_states(topic).iter().flat_map(|n| analyze(&n.phrase)));
    let wanted: Vec<&Translation> = translations
        .iter()
        .filter(|t| !analyze(&t.word).iter().any(|a| skip.contains(a)))
        .collect();
    if wanted.iter().any(|t| t.terms.is_empty()) {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    wanted
        .into_iter()
        .filter_map(|t| {
            let forms: Vec<String> = t
                .terms
                .iter()
                .filter(|f| (1..=half).contains(&index.backend.doc_freq(f)))
                .filter(|f| seen.insert((*f).clone()))
                .cloned()
                .collect();
            let idf = forms
                .iter()
                .map(|f| index.backend.idf(f))
                .fold(0.0, f32::max);
            (!forms.is_empty()).then_some(KeyTerm {
                forms,
                idf,
                with: None,
            })
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

fn coverage(terms: &HashSet<String>, key: &[KeyTerm]) -> f32 {
    let total: f32 = key.iter().map(|k| k.idf).sum();
    if total <= 0.0 {
        return 0.0;
    }
    key.iter()
        .filter(|k| k.forms.iter().any(|f| holds_term(terms, f)))
        .filter(|k| k.with.as_ref().is_none_or(|w| holds_term(terms, w)))
        .map(|k| k.idf)
        .sum::<f32>()
        / total
}

/// True when a comparison on `topic`, asked as `question`, needs the topic's words
/// translated ([`compare`]'s `translations`).
pub fn needs_translation(question: &str, topic: &str) -> bool {
    looks_english(question) || looks_english(topic)
}

/// Compares the states on `topic`; `question` is what was asked (it tells the
/// language), `question_vector` its embedding, and `translations` the topic's words
/// translated into the documents' terms when [`needs_translation`] (else unused).
pub fn compare(
    index: &Index,
    question: &str,
    topic: &str,
    question_vector: &[f32],
    translations: &[Translation],
    policy: &ComparePolicy,
) -> Result<Comparison, IndexError> {
    let store = &index.store;
    let n = store.chunks.len();
    let english = needs_translation(question, topic);
    let split;
    let (key, topic_words) = if english {
        (translated_key_terms(index, topic, translations), topic)
    } else {
        let compounds;
        (split, compounds) = split_unknown_compounds(index, topic);
        (
            key_terms_of_split(index, &split, &compounds),
            split.as_str(),
        )
    };
    let all: Vec<usize> = (0..n).collect();
    let dense = index.backend.dense(question_vector, n, Some(&all))?;
    // An English topic is searched lexically by its translations; untranslated, its
    // words rarely occur in the German text and BM25 adds mostly noise.
    let translated: Vec<&str> = translations
        .iter()
        .flat_map(|t| t.written.iter().map(String::as_str))
        .collect();
    let (lexical_query, lexical_weight) = match (english, translated.is_empty()) {
        (false, _) => (topic_words.to_string(), 1.0),
        (true, false) => (translated.join(" "), 1.0),
        (true, true) => (topic.to_string(), 0.3),
    };
    let lexical = index
        .backend
        .lexical(&lexical_query, n.max(1), &LexicalFilter::default())?;
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
    decide(&mut rows, policy);
    Ok(Comparison {
        topic: topic.to_string(),
        key_terms: key.into_iter().flat_map(|k| k.forms).collect(),
        translations: if english {
            translations.to_vec()
        } else {
            Vec::new()
        },
        rows,
    })
}

/// Applies the policy to rows whose candidates are known.
fn decide(rows: &mut [StateRow], policy: &ComparePolicy) {
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
fn best_sentence(text: &str, key: &[KeyTerm]) -> (Range<usize>, f32) {
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
