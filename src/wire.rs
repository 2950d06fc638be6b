//! The JSON contract shared by `belegt … --json` and the HTTP API. Stable: fields are
//! only ever added.

use serde::{Deserialize, Serialize};

use crate::answer::Answer;
use crate::answer::check::check;
use crate::answer::compare::{Comparison, NO_REPORT, NO_STATEMENT, Status, Synonyms};
use crate::answer::llm::LlmError;
use crate::answer::prompt::Passage;
use crate::corpus::StateCode;
use crate::index::Index;
use crate::retrieve::{Filters, Hit, SearchOutcome};

/// Response of `ask`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AskResponse {
    /// The question as asked.
    pub question: String,
    /// For a follow-up in a conversation: the text actually retrieved with (the earlier
    /// question's topic plus the follow-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contextual_query: Option<String>,
    /// Answer text with `[n]` markers pointing into `citations`.
    pub answer: String,
    /// True when the documents do not answer the question.
    pub abstained: bool,
    /// When abstained because of them: the question's words for something the documents
    /// never use ("Bibliotheken", "libraries"), as the question writes them (respelled
    /// where [`crate::retrieve::spelling`] respelled it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_words: Vec<String>,
    /// `"extractive"` (sentences of the passages) or `"llm"` (an LLM's draft, checked
    /// sentence by sentence in `sentences`).
    pub mode: String,
    /// Filters applied.
    pub filters: FiltersJson,
    /// The passages, numbered from 1.
    pub citations: Vec<CitationJson>,
    /// Milliseconds spent.
    pub timings_ms: TimingsJson,
    /// With `mode: "llm"`: every sentence of the answer, the passages it cites and
    /// whether they support it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<SentenceJson>,
    /// With `mode: "llm"`: citation numbers the LLM wrote that point to no passage
    /// (removed from `answer`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid_citations: Vec<usize>,
    /// Why an LLM answer was asked for but the answer is extractive (endpoint
    /// unreachable, timeout, HTTP error, malformed or cut-off response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_error: Option<String>,
    /// For a question across the states ("Welche Länder …"): the state-by-state
    /// comparison the answer was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<CompareResponse>,
}

/// Response of `compare`: one row per state, in the official order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompareResponse {
    /// The topic or question as given.
    pub question: String,
    /// What was compared: the question without its cross-state frame.
    pub topic: String,
    /// The topic's key terms (analysed) found in the documents.
    pub key_terms: Vec<String>,
    /// `"terms"` (findings judged by the key terms in a sentence), `"translated"`
    /// (an English topic: the same, with its words translated into the documents'
    /// terms, listed in `translations`) or `"llm"` (the configured LLM picked each
    /// state's finding among its passages' sentences, see `judge`).
    pub method: String,
    /// With `method: "llm"`, or when the LLM judge was asked and failed: what it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeJson>,
    /// For an English topic: each topic word and the documents' words it was
    /// translated to (none: the documents do not name it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<TranslationJson>,
    /// For a German topic: its words the documents never use, not even as parts of a
    /// compound. With one, no state has a finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_terms: Vec<String>,
    /// For a German topic: its words whose synonyms (German thesaurus) also count,
    /// with those synonyms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<SynonymsJson>,
    /// For a German topic: its words that also count as the English words the documents
    /// write for them ("Mobilität": "mobility"), from the dictionary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub english_words: Vec<SynonymsJson>,
    /// The documents compared when the question names some ("laut ihren
    /// DMK-Berichten"); absent when all were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentRefJson>,
    /// How many states have a finding, say nothing, have no report.
    pub counts: CompareCounts,
    /// The 16 states.
    pub rows: Vec<CompareRowJson>,
    /// Milliseconds spent.
    pub timings_ms: TimingsJson,
}

/// What the LLM judge of a comparison did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JudgeJson {
    /// The model that judged.
    pub model: String,
    /// States whose row the LLM decided.
    pub states_judged: usize,
    /// States whose call failed: their rows keep the key-term rule's decision.
    pub states_failed: usize,
    /// The first failure, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A document by its catalog id and short title.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocumentRefJson {
    /// Catalog id.
    pub id: String,
    /// Short title.
    pub short_title: String,
}

/// An English topic word and its translations into the documents' words.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TranslationJson {
    /// The word of the topic, or a phrase the dictionary translates as one ("data
    /// centres"), lower case.
    pub word: String,
    /// The documents' words, best first; empty when none is close enough.
    pub terms: Vec<String>,
}

/// A German topic word and its synonyms that count like it in a comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SynonymsJson {
    /// The word as the thesaurus writes it ("Fortbildung").
    pub word: String,
    /// Its synonyms the documents use ("Schulung", "Weiterbildung").
    pub synonyms: Vec<String>,
}

impl From<&Synonyms> for SynonymsJson {
    fn from(s: &Synonyms) -> SynonymsJson {
        SynonymsJson {
            word: s.word.clone(),
            synonyms: s.synonyms.clone(),
        }
    }
}

/// Row counts of a comparison.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct CompareCounts {
    /// States with a finding.
    pub finding: usize,
    /// States whose documents say nothing on the topic.
    pub no_statement: usize,
    /// States without a report.
    pub no_report: usize,
}

/// One state of a comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompareRowJson {
    /// Two-letter code.
    pub state: String,
    /// German name.
    pub state_name: String,
    /// `"finding"`, `"no_statement"` or `"no_report"`.
    pub status: String,
    /// The finding (one sentence, verbatim from the cited passage), or
    /// "keine Aussage im Bericht", or "kein Bericht".
    pub finding: String,
    /// With a finding: the sentence's start in characters of the normalized document text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_start: Option<usize>,
    /// With a finding: its end, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_end: Option<usize>,
    /// With a finding: the passage it comes from (`score` is its cosine similarity to
    /// the question).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<CitationJson>,
    /// IDF-weighted share of the topic's key terms in the best sentence (0–1), by the
    /// key-term rule; with `method: "llm"`, that of the rule's best sentence in the
    /// cited passage.
    pub coverage: f32,
    /// Passages of this state in the documents compared (all documents of the index,
    /// unless the response lists `documents`).
    pub passages: usize,
}

impl CompareResponse {
    /// Builds the response; findings are numbered from 1 in row order.
    pub fn new(
        index: &Index,
        question: &str,
        comparison: &Comparison,
        timings: TimingsJson,
    ) -> CompareResponse {
        let mut n = 0;
        let mut counts = CompareCounts::default();
        let rows = comparison
            .rows
            .iter()
            .map(|row| {
                let mut out = CompareRowJson {
                    state: row.state.code().to_string(),
                    state_name: row.state.name().to_string(),
                    status: row.status.code().to_string(),
                    finding: String::new(),
                    finding_start: None,
                    finding_end: None,
                    citation: None,
                    coverage: row.best().map_or(0.0, |c| c.sentence_coverage),
                    passages: row.passages,
                };
                match (row.status, row.best()) {
                    (Status::Finding, Some(c)) => {
                        counts.finding += 1;
                        n += 1;
                        let chunk = &index.store.chunks[c.chunk];
                        let text = index.store.chunk_text(c.chunk);
                        let start = chunk.start_char + text[..c.sentence.start].chars().count();
                        out.finding = text[c.sentence.clone()].to_string();
                        out.finding_start = Some(start);
                        out.finding_end = Some(start + out.finding.chars().count());
                        let hit = Hit {
                            chunk: c.chunk,
                            score: c.similarity,
                            dense_rank: None,
                            lexical_rank: None,
                            dense_score: Some(c.similarity),
                        };
                        out.citation = Some(CitationJson::from_hit(index, &hit, n));
                    }
                    (Status::NoReport, _) => {
                        counts.no_report += 1;
                        out.finding = NO_REPORT.to_string();
                    }
                    _ => {
                        counts.no_statement += 1;
                        out.status = Status::NoStatement.code().to_string();
                        out.finding = NO_STATEMENT.to_string();
                    }
                }
                out
            })
            .collect();
        CompareResponse {
            question: question.to_string(),
            topic: comparison.topic.clone(),
            key_terms: comparison.key_terms.clone(),
            method: if comparison.judged.as_ref().is_some_and(|j| j.judged > 0) {
                "llm"
            } else if comparison.translations.is_empty() {
                "terms"
            } else {
                "translated"
            }
            .to_string(),
            judge: comparison.judged.as_ref().map(|j| JudgeJson {
                model: j.model.clone(),
                states_judged: j.judged,
                states_failed: j.failed,
                error: j.error.clone(),
            }),
            translations: comparison
                .translations
                .iter()
                .map(|t| TranslationJson {
                    word: t.english.clone(),
                    terms: t.written.clone(),
                })
                .collect(),
            unknown_terms: comparison.unknown.clone(),
            synonyms: comparison.synonyms.iter().map(SynonymsJson::from).collect(),
            english_words: comparison
                .english_words
                .iter()
                .map(SynonymsJson::from)
                .collect(),
            documents: comparison
                .documents
                .iter()
                .map(|&d| DocumentRefJson {
                    id: index.store.docs[d].id.clone(),
                    short_title: index.store.docs[d].short_title.clone(),
                })
                .collect(),
            counts,
            rows,
            timings_ms: TimingsJson {
                llm: comparison.judged.as_ref().map_or(timings.llm, |j| j.ms),
                ..timings
            },
        }
    }

    /// The findings as an answer: one line per state with `[n]`, the citations
    /// numbered alike; `None` when no state has a finding.
    pub fn answer(&self) -> Option<(String, Vec<CitationJson>)> {
        let cited: Vec<&CompareRowJson> =
            self.rows.iter().filter(|r| r.citation.is_some()).collect();
        if cited.is_empty() {
            return None;
        }
        let mut lines = Vec::new();
        let mut citations = Vec::new();
        for r in cited {
            if let Some(c) = &r.citation {
                lines.push(format!(
                    "{}: {} [{}]",
                    r.state_name,
                    r.finding.trim_start_matches(['•', ' ']),
                    c.n
                ));
                citations.push(c.clone());
            }
        }
        let silent: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.status == Status::NoStatement.code())
            .map(|r| r.state.as_str())
            .collect();
        let absent: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.status == Status::NoReport.code())
            .map(|r| r.state.as_str())
            .collect();
        if !silent.is_empty() {
            lines.push(format!("Keine Aussage im Bericht: {}.", silent.join(", ")));
        }
        if !absent.is_empty() {
            lines.push(format!("Kein Bericht: {}.", absent.join(", ")));
        }
        Some((lines.join("\n"), citations))
    }
}

/// A sentence of an LLM answer, checked against the passages it cites.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentenceJson {
    /// The sentence without its `[n]` markers.
    pub text: String,
    /// The passages it cites (numbers into `citations`).
    pub citations: Vec<usize>,
    /// False when it cites nothing, or its content words are mostly not in what it cites.
    pub supported: bool,
}

/// Response of `search`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// Filters applied.
    pub filters: FiltersJson,
    /// Ranked passages.
    pub hits: Vec<HitJson>,
    /// Milliseconds spent.
    pub timings_ms: TimingsJson,
}

/// Filters applied to a request, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FiltersJson {
    /// State codes searched (empty = all states).
    pub states: Vec<String>,
    /// Document ids searched (empty = all documents).
    pub docs: Vec<String>,
    /// True when the states were detected in the question.
    pub detected_from_question: bool,
    /// Why: which words named which state, or that the caller chose them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A cited passage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CitationJson {
    /// Citation number, from 1.
    pub n: usize,
    /// Stable chunk id.
    pub id: String,
    /// Catalog id of the document.
    pub doc: String,
    /// Document title.
    pub doc_title: String,
    /// State code, if the passage belongs to a state.
    pub state: Option<String>,
    /// State name.
    pub state_name: Option<String>,
    /// Section path.
    pub section: String,
    /// The passage: exactly the document's normalized text at `start..end`.
    pub text: String,
    /// Start, in characters of the normalized document text.
    pub start: usize,
    /// End, in characters.
    pub end: usize,
    /// Fused retrieval score.
    pub score: f32,
}

/// A search hit: a citation plus its ranks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HitJson {
    /// Rank, from 1.
    pub rank: usize,
    /// Rank among dense (vector) results, if there.
    pub dense_rank: Option<usize>,
    /// Rank among lexical (BM25) results, if there.
    pub lexical_rank: Option<usize>,
    /// The passage.
    #[serde(flatten)]
    pub passage: CitationJson,
}

/// Milliseconds spent per step.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct TimingsJson {
    /// Embedding the question.
    pub embed: f64,
    /// Searching and fusing.
    pub search: f64,
    /// Everything, answer included.
    pub total: f64,
    /// Waiting for the LLM (0 without one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub llm: f64,
}

fn is_zero(ms: &f64) -> bool {
    *ms == 0.0
}

impl FiltersJson {
    /// Converts the applied filters.
    pub fn from_filters(f: &Filters) -> FiltersJson {
        let reason = if f.detected_from_question {
            Some(
                f.detected
                    .iter()
                    .map(|n| format!("„{}“ → {} ({})", n.phrase, n.state.code(), n.state.name()))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        } else if !f.states.is_empty() || !f.docs.is_empty() {
            Some("requested".to_string())
        } else {
            None
        };
        FiltersJson {
            states: f.states.iter().map(|s| s.code().to_string()).collect(),
            docs: f.docs.clone(),
            detected_from_question: f.detected_from_question,
            reason,
        }
    }
}

impl CitationJson {
    /// The passage of `hit`, numbered `n`.
    pub fn from_hit(index: &Index, hit: &Hit, n: usize) -> CitationJson {
        let c = &index.store.chunks[hit.chunk];
        let doc = &index.store.docs[c.doc];
        CitationJson {
            n,
            id: c.id.clone(),
            doc: doc.id.clone(),
            doc_title: doc.title.clone(),
            state: c.state.clone(),
            state_name: c
                .state
                .as_deref()
                .and_then(StateCode::parse)
                .map(|s| s.name().to_string()),
            section: c.section.clone(),
            text: index.store.chunk_text(hit.chunk).to_string(),
            start: c.start_char,
            end: c.end_char,
            score: hit.score,
        }
    }
}

impl SearchResponse {
    /// Builds the response.
    pub fn new(
        index: &Index,
        query: &str,
        outcome: &SearchOutcome,
        total_ms: f64,
    ) -> SearchResponse {
        SearchResponse {
            query: query.to_string(),
            filters: FiltersJson::from_filters(&outcome.filters),
            hits: outcome
                .hits
                .iter()
                .enumerate()
                .map(|(i, h)| HitJson {
                    rank: i + 1,
                    dense_rank: h.dense_rank,
                    lexical_rank: h.lexical_rank,
                    passage: CitationJson::from_hit(index, h, i + 1),
                })
                .collect(),
            timings_ms: TimingsJson {
                embed: outcome.timings.embed_ms,
                search: outcome.timings.search_ms,
                total: total_ms,
                llm: 0.0,
            },
        }
    }
}

impl AskResponse {
    /// The drafted sentences that the check found no support for in the citations.
    pub fn unsupported_sentences(&self) -> Vec<&str> {
        self.sentences
            .iter()
            .filter(|s| !s.supported)
            .map(|s| s.text.as_str())
            .collect()
    }

    /// Builds the response.
    pub fn new(
        index: &Index,
        question: &str,
        outcome: &SearchOutcome,
        answer: &Answer,
        total_ms: f64,
    ) -> AskResponse {
        AskResponse {
            question: question.to_string(),
            contextual_query: None,
            answer: answer.text.clone(),
            abstained: answer.abstained,
            unknown_words: answer.unknown_words.clone(),
            mode: "extractive".to_string(),
            filters: FiltersJson::from_filters(&outcome.filters),
            sentences: Vec::new(),
            invalid_citations: Vec::new(),
            llm_error: None,
            comparison: None,
            citations: outcome
                .hits
                .iter()
                .enumerate()
                .map(|(i, h)| CitationJson::from_hit(index, h, i + 1))
                .collect(),
            timings_ms: TimingsJson {
                embed: outcome.timings.embed_ms,
                search: outcome.timings.search_ms,
                total: total_ms,
                llm: 0.0,
            },
        }
    }

    /// The cited passages as an LLM prompt shows them.
    pub fn passages(&self) -> Vec<Passage> {
        self.citations
            .iter()
            .map(|c| Passage {
                n: c.n,
                state: match (&c.state_name, &c.state) {
                    (Some(name), Some(code)) => format!("{name} ({code})"),
                    _ => String::new(),
                },
                doc: c.doc_title.clone(),
                section: c.section.clone(),
                text: c.text.clone(),
            })
            .collect()
    }

    /// Takes an LLM's draft (checked against the citations) as the answer, or, on an
    /// error, keeps the extractive answer and says why.
    pub fn apply_draft(&mut self, draft: Result<String, LlmError>, llm_ms: f64) {
        self.timings_ms.llm = llm_ms;
        self.timings_ms.total += llm_ms;
        match draft {
            Ok(text) => {
                let passages: Vec<&str> = self.citations.iter().map(|c| c.text.as_str()).collect();
                let checked = check(&text, &passages);
                self.answer = checked.text;
                self.mode = "llm".to_string();
                self.sentences = checked
                    .sentences
                    .into_iter()
                    .map(|s| SentenceJson {
                        text: s.text,
                        citations: s.citations,
                        supported: s.supported,
                    })
                    .collect();
                self.invalid_citations = checked.invalid;
            }
            Err(e) => self.llm_error = Some(e.to_string()),
        }
    }
}
