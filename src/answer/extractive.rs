//! Hits → a short answer made of the passages' own sentences, each followed by `[n]`,
//! or an honest abstention when the evidence is too weak.
//!
//! **Invariant:** every sentence of the answer is verbatim text of the passage it cites;
//! an abstained answer cites nothing as support.

use std::collections::HashSet;

use crate::corpus::sentence;
use crate::index::Index;
use crate::index::lexical::analyze;
use crate::retrieve::{Hit, looks_english};

/// What belegt says when the documents do not answer the question.
pub const ABSTAIN_TEXT: &str = "Dazu enthalten die Dokumente keine Aussage.";

/// Sentences in an answer at most.
const MAX_SENTENCES: usize = 3;
/// Passages whose sentences may enter the answer.
const ANSWER_PASSAGES: usize = 4;

/// When to abstain. The defaults were set on the shared dev questions and a set of
/// off-topic questions (see the README); English questions over German text are judged
/// by similarity alone, because their words rarely occur in the documents. A question
/// after a number or a date is also abstained on when no sentence of the best passages
/// holds one next to the question's key terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbstainPolicy {
    /// Abstain when the best passage's cosine similarity to a German question is below this.
    pub min_similarity: f32,
    /// The same for an English question.
    pub min_similarity_english: f32,
    /// Abstain when the best passages hold less than this IDF-weighted share of a German
    /// question's terms.
    pub min_term_coverage: f32,
}

impl Default for AbstainPolicy {
    fn default() -> Self {
        AbstainPolicy {
            min_similarity: 0.83,
            min_similarity_english: 0.78,
            min_term_coverage: 0.2,
        }
    }
}

impl AbstainPolicy {
    /// True when the evidence for `question` is too weak to answer.
    pub fn abstains(&self, question: &str, ev: &Evidence) -> bool {
        if ev.fact_found == Some(false) {
            return true;
        }
        if looks_english(question) {
            ev.best_similarity < self.min_similarity_english
        } else {
            ev.best_similarity < self.min_similarity || ev.term_coverage < self.min_term_coverage
        }
    }
}

/// An extractive answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Answer text with `[n]` markers (n = position in the hit list, from 1).
    pub text: String,
    /// True when the documents do not support an answer.
    pub abstained: bool,
}

/// Evidence strength of a hit list: best similarity and question-term coverage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Highest cosine similarity among the hits.
    pub best_similarity: f32,
    /// Share of the question's content terms found in the top passages (0..=1).
    pub term_coverage: f32,
    /// For a German question after a number or a date ("Wie viele …", "Seit wann …"):
    /// whether a sentence of the top passages holds one next to a term of the question.
    pub fact_found: Option<bool>,
}

/// The kind of fact a question asks for, when it asks for a number or a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Quantity,
    Time,
}

fn wanted(question: &str) -> Option<Wanted> {
    let q = format!(
        " {} ",
        question.to_lowercase().replace(['?', ',', '.'], " ")
    );
    let any = |phrases: &[&str]| phrases.iter().any(|p| q.contains(p));
    if any(&[
        " wie viele ",
        " wie viel ",
        " wie hoch ",
        " wie groß ",
        " how many ",
        " how much ",
    ]) {
        Some(Wanted::Quantity)
    } else if any(&[
        " wann ",
        " in welchem jahr ",
        " when ",
        " what year ",
        " since when ",
    ]) {
        Some(Wanted::Time)
    } else {
        None
    }
}

const NUMBER_WORDS: &[&str] = &[
    "zwei",
    "drei",
    "vier",
    "fünf",
    "sechs",
    "sieben",
    "acht",
    "neun",
    "zehn",
    "elf",
    "zwölf",
    "zwanzig",
    "dreißig",
    "hundert",
    "tausend",
    "million",
    "millionen",
    "milliarde",
    "milliarden",
    "dutzend",
];
const MONTHS: &[&str] = &[
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
];

fn holds(sentence: &str, kind: Wanted) -> bool {
    let words: Vec<String> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    match kind {
        Wanted::Quantity => words
            .iter()
            .any(|w| w.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&w.as_str())),
        Wanted::Time => words.iter().any(|w| {
            MONTHS.contains(&w.as_str())
                || (w.len() == 4
                    && (w.starts_with("19") || w.starts_with("20"))
                    && w.chars().all(|c| c.is_ascii_digit()))
        }),
    }
}

/// For German number and time questions: is there a sentence in the top passages with
/// such a fact and one of the question's terms (that occur in the documents at all, state
/// names aside)? English questions share too few words with the text to tell.
fn fact_found(index: &Index, question: &str, hits: &[Hit]) -> Option<bool> {
    if looks_english(question) {
        return None;
    }
    let kind = wanted(question)?;
    let state_terms: HashSet<String> = crate::retrieve::detect_states(question)
        .iter()
        .flat_map(|n| analyze(&n.phrase))
        .collect();
    let key: Vec<String> = analyze(question)
        .into_iter()
        .collect::<HashSet<String>>()
        .into_iter()
        .filter(|t| !state_terms.contains(t) && index.backend.doc_freq(t) > 0)
        .collect();
    if key.is_empty() {
        return Some(false);
    }
    Some(hits.iter().take(ANSWER_PASSAGES).any(|h| {
        let text = index.store.chunk_text(h.chunk);
        sentence::split(text).into_iter().any(|r| {
            let s = &text[r];
            let terms: HashSet<String> = analyze(s).into_iter().collect();
            holds(s, kind) && key.iter().any(|t| terms.contains(t))
        })
    }))
}

/// Measures how well the top hits cover the question. Term coverage weighs each
/// question term by its rarity (IDF), so that `Länder` or `KI` count little and the
/// words that carry the question count much.
pub fn evidence(index: &Index, question: &str, hits: &[Hit]) -> Evidence {
    let best_similarity = hits
        .iter()
        .filter_map(|h| h.dense_score)
        .fold(0.0, f32::max);
    let terms: HashSet<String> = analyze(question).into_iter().collect();
    let found: HashSet<String> = hits
        .iter()
        .take(ANSWER_PASSAGES)
        .flat_map(|h| analyze(&index.store.indexed_text(h.chunk)))
        .collect();
    let weight = |t: &String| index.backend.idf(t);
    let total: f32 = terms.iter().map(weight).sum();
    let covered: f32 = terms
        .iter()
        .filter(|t| found.contains(*t))
        .map(weight)
        .sum();
    Evidence {
        best_similarity,
        term_coverage: if total > 0.0 { covered / total } else { 0.0 },
        fact_found: fact_found(index, question, hits),
    }
}

/// Builds the answer from the ranked hits.
pub fn answer(index: &Index, question: &str, hits: &[Hit], policy: &AbstainPolicy) -> Answer {
    let ev = evidence(index, question, hits);
    if hits.is_empty() || policy.abstains(question, &ev) {
        return Answer {
            text: ABSTAIN_TEXT.to_string(),
            abstained: true,
        };
    }
    let terms: HashSet<String> = analyze(question).into_iter().collect();
    // (score, hit position, sentence start, text)
    let mut candidates: Vec<(f32, usize, usize, &str)> = Vec::new();
    for (pos, hit) in hits.iter().take(ANSWER_PASSAGES).enumerate() {
        let text = index.store.chunk_text(hit.chunk);
        for range in sentence::split(text) {
            let s = &text[range.clone()];
            if s.split_whitespace().count() < 4 {
                continue;
            }
            let words: HashSet<String> = analyze(s).into_iter().collect();
            let overlap = terms.iter().filter(|t| words.contains(*t)).count() as f32;
            let score = overlap / terms.len().max(1) as f32 + 0.5 / (pos as f32 + 1.0);
            candidates.push((score, pos, range.start, s));
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut chosen: Vec<(usize, usize, &str)> = Vec::new();
    for (_, pos, start, s) in candidates {
        if chosen.len() == MAX_SENTENCES {
            break;
        }
        if chosen.iter().filter(|c| c.0 == pos).count() < 2 {
            chosen.push((pos, start, s));
        }
    }
    chosen.sort_by_key(|c| (c.0, c.1));
    let text = chosen
        .iter()
        .map(|(pos, _, s)| format!("{} [{}]", s.trim_start_matches(['•', ' ']), pos + 1))
        .collect::<Vec<_>>()
        .join(" ");
    Answer {
        text,
        abstained: false,
    }
}
