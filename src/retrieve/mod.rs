//! Question → ranked passages: state detection, dense and lexical search, fusion.

pub mod abbreviation;
pub mod compound;
pub mod dictionary;
pub mod english;
pub mod fuse;
pub mod lexicon;
pub mod query;
pub mod source;
pub mod spelling;
pub mod thesaurus;

use std::time::Instant;

use crate::corpus::StateCode;
use crate::embed::Embedder;
use crate::index::lexical::LexicalFilter;
use crate::index::{Index, IndexError};
pub use fuse::Hit;
pub use query::{CrossState, NamedState, cross_state, detect_states, follow_up_query};

/// Largest `k` a caller may ask for.
pub const MAX_K: usize = 50;
/// Weight of the lexical ranking over an English question's German terms.
pub const TRANSLATED_WEIGHT: f32 = 1.0;
/// Candidates taken from each ranking before fusion.
const CANDIDATES: usize = 60;

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The question or search words.
    pub query: String,
    /// Restrict to these states (overrides detection).
    pub states: Vec<StateCode>,
    /// Restrict to these document ids.
    pub docs: Vec<String>,
    /// Number of hits (1..=[`MAX_K`]).
    pub k: usize,
}

/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 2000;

/// Why a request is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Nothing to search for.
    #[error("the question is empty")]
    EmptyQuery,
    /// Longer than [`MAX_QUESTION_CHARS`].
    #[error("the question is longer than {MAX_QUESTION_CHARS} characters")]
    TooLong,
    /// `k` outside 1..=[`MAX_K`].
    #[error("k must be between 1 and {MAX_K}, got {0}")]
    BadK(usize),
    /// Not a state code.
    #[error("unknown state code {0:?} (valid: {valid})", valid = StateCode::valid_codes())]
    UnknownState(String),
}

impl SearchRequest {
    /// Checks a request as a user typed it: question, state codes, document ids, k.
    pub fn parse(
        query: &str,
        states: &[String],
        docs: &[String],
        k: usize,
    ) -> Result<SearchRequest, RequestError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(RequestError::EmptyQuery);
        }
        if query.chars().count() > MAX_QUESTION_CHARS {
            return Err(RequestError::TooLong);
        }
        if !(1..=MAX_K).contains(&k) {
            return Err(RequestError::BadK(k));
        }
        let states = states
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| StateCode::parse(s).ok_or_else(|| RequestError::UnknownState(s.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchRequest {
            query: query.to_string(),
            states,
            docs: docs
                .iter()
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect(),
            k,
        })
    }
}

/// The filters applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    /// States searched (empty = all).
    pub states: Vec<StateCode>,
    /// Documents searched (empty = all).
    pub docs: Vec<String>,
    /// True when `states` came from the question's words.
    pub detected_from_question: bool,
    /// The words that named each detected state.
    pub detected: Vec<NamedState>,
}

/// Milliseconds spent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Embedding the question.
    pub embed_ms: f64,
    /// Dense and lexical search and fusion.
    pub search_ms: f64,
}

/// Ranked passages for a request.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    /// Best first.
    pub hits: Vec<Hit>,
    /// Filters applied.
    pub filters: Filters,
    /// Time spent.
    pub timings: Timings,
}

/// Words that mark an English question; BM25 over German text helps little there.
const ENGLISH_MARKERS: &[&str] = &[
    "the",
    "what",
    "which",
    "how",
    "does",
    "do",
    "is",
    "are",
    "of",
    "and",
    "to",
    "for",
    "with",
    "who",
    "when",
    "where",
    "why",
    "states",
    "state",
    "its",
    "their",
    "according",
    "or",
    "such",
    "as",
    "by",
    "on",
    "that",
    "this",
    "from",
    "have",
    "has",
    "any",
    "other",
];

/// Words that mark a German question (none of them an English word).
const GERMAN_MARKERS: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "und", "oder", "welche", "welcher", "welches", "wie",
    "wer", "wo", "mit", "für", "von", "zu", "zum", "zur", "im", "ein", "eine", "einen", "ist",
    "sind", "auf", "bei", "wird", "werden", "nicht", "sich", "laut", "gibt",
];

/// True when the question reads as English rather than German: at least two English
/// function words and more of them than German ones (a long English question is
/// mostly content words: "Which states are building … data centres, supercomputers or
/// high-performance computing?"), or one and no German one ("Which hospitals in Hesse
/// use AI in diagnostics?").
pub fn looks_english(question: &str) -> bool {
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let count = |markers: &[&str]| {
        words
            .iter()
            .filter(|w| markers.contains(&w.as_str()))
            .count()
    };
    let english = count(ENGLISH_MARKERS);
    let german = count(GERMAN_MARKERS);
    (english >= 2 && english > german) || (english == 1 && german == 0)
}

/// Resolves the filters for a request: explicit states win; otherwise states named in
/// the question are applied.
pub fn resolve_filters(req: &SearchRequest) -> Filters {
    if !req.states.is_empty() {
        return Filters {
            states: req.states.clone(),
            docs: req.docs.clone(),
            detected_from_question: false,
            detected: Vec::new(),
        };
    }
    let detected = detect_states(&req.query);
    Filters {
        states: detected.iter().map(|n| n.state).collect(),
        docs: req.docs.clone(),
        detected_from_question: !detected.is_empty(),
        detected,
    }
}

/// Runs a search; `translated` is an English question's German terms
/// ([`search_with_vector`]).
pub fn search(
    index: &Index,
    embedder: &Embedder,
    req: &SearchRequest,
    translated: Option<&str>,
) -> Result<SearchOutcome, IndexError> {
    let filters = resolve_filters(req);
    let t = Instant::now();
    let qv = embedder.embed_query(&req.query)?;
    let embed_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let hits = search_with_vector(index, &req.query, &qv, &filters, req.k, translated)?;
    Ok(SearchOutcome {
        hits,
        filters,
        timings: Timings {
            embed_ms,
            search_ms: t.elapsed().as_secs_f64() * 1000.0,
        },
    })
}

/// The retrieval step proper, for a question whose vector is known. The lexical
/// ranking searches `translated` when given (an English question's German terms,
/// [`crate::engine::Engine::translated_query`]), else the question.
pub fn search_with_vector(
    index: &Index,
    query: &str,
    query_vector: &[f32],
    filters: &Filters,
    k: usize,
    translated: Option<&str>,
) -> Result<Vec<Hit>, IndexError> {
    let store = &index.store;
    let state_codes: Vec<String> = filters
        .states
        .iter()
        .map(|s| s.code().to_string())
        .collect();
    let filtered = !state_codes.is_empty() || !filters.docs.is_empty();
    let allowed: Option<Vec<usize>> = filtered.then(|| {
        (0..store.chunks.len())
            .filter(|&i| {
                let c = &store.chunks[i];
                (state_codes.is_empty()
                    || c.state.as_ref().is_some_and(|s| state_codes.contains(s)))
                    && (filters.docs.is_empty() || filters.docs.contains(&store.docs[c.doc].id))
            })
            .collect()
    });
    let depth = CANDIDATES.max(k);
    let dense = index
        .backend
        .dense(query_vector, depth, allowed.as_deref())?;
    let lexical_filter = LexicalFilter {
        states: state_codes,
        docs: filters.docs.clone(),
    };
    let (lexical_query, lexical_weight) = match translated {
        Some(t) if !t.trim().is_empty() => (t, TRANSLATED_WEIGHT),
        // English words rarely occur in German text; BM25 then adds mostly noise.
        _ if looks_english(query) => (query, 0.3),
        _ => (query, 1.0),
    };
    let lexical = index
        .backend
        .lexical(lexical_query, depth, &lexical_filter)?;
    Ok(fuse::rrf(&dense, &lexical, 1.0, lexical_weight, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_english_from_german() {
        assert!(looks_english("Which states use AI in the police?"));
        assert!(looks_english(
            "What are the lead topics of Thuringia's ThurAI project?"
        ));
        assert!(!looks_english(
            "Welche Länder setzen KI in der Polizei ein?"
        ));
        assert!(!looks_english("Was plant Bayern für den Mittelstand?"));
        // One English function word and no German one.
        assert!(looks_english(
            "Which hospitals in Hesse use AI in diagnostics?"
        ));
        assert!(!looks_english(
            "Wofür setzen hessische Kommunen smarte Technologien ein?"
        ));
        // Long, with few function words among many content words.
        assert!(looks_english(
            "Which states are building or investing in computing infrastructure for AI, \
             such as data centres, supercomputers or high-performance computing?"
        ));
        // German with English terms in it.
        assert!(!looks_english(
            "Welche Länder gehen auf den AI Act und die Nutzung von Large Language Models ein?"
        ));
    }

    #[test]
    fn explicit_states_override_detection() {
        let req = SearchRequest {
            query: "Was plant Bayern?".into(),
            states: vec![StateCode::parse("BW").expect("BW")],
            docs: vec![],
            k: 5,
        };
        let f = resolve_filters(&req);
        assert_eq!(f.states, vec![StateCode::parse("BW").expect("BW")]);
        assert!(!f.detected_from_question);
        let req = SearchRequest {
            states: vec![],
            ..req
        };
        let f = resolve_filters(&req);
        assert!(f.detected_from_question);
        assert_eq!(f.detected[0].phrase, "Bayern");
    }
}
