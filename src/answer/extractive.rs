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
/// by similarity alone, because their words rarely occur in the documents.
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
    let weight = |t: &String| index.lexical.idf(t);
    let total: f32 = terms.iter().map(weight).sum();
    let covered: f32 = terms
        .iter()
        .filter(|t| found.contains(*t))
        .map(weight)
        .sum();
    Evidence {
        best_similarity,
        term_coverage: if total > 0.0 { covered / total } else { 0.0 },
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
