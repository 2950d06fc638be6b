//! The assembled pipeline: a loaded model and an opened index, answering requests.
//! Shared by the CLI, the tests and (later) the HTTP API.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use crate::answer;
use crate::answer::compare;
use crate::answer::judge::Judge;
use crate::answer::llm::{LlmClient, LlmError};
use crate::answer::prompt;
use crate::config::Config;
use crate::embed::{EmbedError, Embedder};
use crate::index::{self, BuildReport, Index, IndexError, Stage};
use crate::retrieve::abbreviation::Abbreviations;
use crate::retrieve::compound::IndexTerms;
use crate::retrieve::dictionary::Dictionary;
use crate::retrieve::english::{self, EnglishWords};
use crate::retrieve::lexicon::{Lexicon, Translation, Usage, english_verbs};
use crate::retrieve::spelling::Spelling;
use crate::retrieve::thesaurus::Thesaurus;
use crate::retrieve::{self, SearchRequest};
use crate::wire::{AskResponse, CompareResponse, SearchResponse, TimingsJson};

/// Model plus index. `Sync`: requests share one engine by reference (the model's
/// thread batches their questions).
pub struct Engine {
    /// The configuration it was opened with.
    pub config: Config,
    /// The embedding model (shared with engines over newer index generations).
    pub embedder: Arc<Embedder>,
    /// The index (shared read-only with request handlers).
    pub index: Arc<Index>,
    /// The index's vocabulary embedded word by word, for English comparisons: built
    /// on first use (or by [`Engine::warm_lexicon`]), once per index.
    lexicon: Mutex<Option<Arc<Lexicon>>>,
    /// The English–German dictionary, read on first use and shared with engines over
    /// newer index generations; `None` inside when there is none or it is unreadable.
    dictionary: Arc<OnceLock<Option<Dictionary>>>,
    /// The German thesaurus, read on first use and shared like the dictionary.
    thesaurus: Arc<OnceLock<Option<Thesaurus>>>,
    /// The abbreviations the index's documents define, learned on first use.
    abbreviations: OnceLock<Abbreviations>,
    /// The analysed terms of the index's passages, learned on first use.
    index_terms: OnceLock<IndexTerms>,
    /// How the index's documents spell their words, learned on first use.
    spelling: OnceLock<Spelling>,
    /// The English words the documents use for their German nouns, learned from the
    /// dictionary once per index (or read from beside it); `None` inside without one.
    english_words: OnceLock<Option<EnglishWords>>,
}

/// What a question's full-text side works with ([`Engine::queries`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queries {
    /// An English question's German terms, which also pick its answer's sentences.
    pub translated: Option<String>,
    /// The question's words for something the documents never use
    /// ([`answer::Evidence::unknown`]).
    pub unknown: Vec<String>,
    /// What the full-text ranking searches; `None` for the search text as it is
    /// ([`Engine::search_text`]).
    pub lexical: Option<String>,
    /// For an English "how many" question, the German terms of the noun it counts
    /// ([`answer::extractive::counted_english_words`] translated; terms in most passages,
    /// such as `KI`, left out).
    pub counted: Option<Vec<String>>,
}

/// What [`Engine::retrieve`] finds for a request.
pub struct Retrieved {
    /// The ranked passages, with the filters applied and the timings.
    pub outcome: retrieve::SearchOutcome,
    /// The queries the question was searched by.
    pub queries: Queries,
    /// The search text's vector.
    pub vector: Vec<f32>,
}

impl Engine {
    fn assemble(config: Config, embedder: Embedder, index: Index) -> Engine {
        Engine {
            config,
            embedder: Arc::new(embedder),
            index: Arc::new(index),
            lexicon: Mutex::new(None),
            dictionary: Arc::new(OnceLock::new()),
            thesaurus: Arc::new(OnceLock::new()),
            abbreviations: OnceLock::new(),
            index_terms: OnceLock::new(),
            spelling: OnceLock::new(),
            english_words: OnceLock::new(),
        }
    }

    /// The same model and configuration over another index (a newer generation).
    pub fn with_index(&self, index: Index) -> Engine {
        Engine {
            config: self.config.clone(),
            embedder: Arc::clone(&self.embedder),
            index: Arc::new(index),
            lexicon: Mutex::new(None),
            dictionary: Arc::clone(&self.dictionary),
            thesaurus: Arc::clone(&self.thesaurus),
            abbreviations: OnceLock::new(),
            index_terms: OnceLock::new(),
            spelling: OnceLock::new(),
            english_words: OnceLock::new(),
        }
    }

    /// What an index must match to be used by this engine.
    pub fn expected(&self) -> Result<index::manifest::Expected, IndexError> {
        Index::expected_at(
            &self.config.location(),
            &self.config.seeds_dir,
            &self.embedder,
            self.config.chunking,
        )
    }

    /// Loads the model and opens the index; fails if the index is missing or stale.
    pub fn open(config: Config) -> Result<Engine, IndexError> {
        let (embedder, index) = load_in_parallel(&config);
        let embedder = embedder?;
        let location = config.location();
        let expected =
            Index::expected_at(&location, &config.seeds_dir, &embedder, config.chunking)?;
        let index = index?.check(&location, &expected)?;
        index.backend.start_background_work();
        Ok(Engine::assemble(config, embedder, index))
    }

    /// Loads the model and opens the index, or builds the index first when it is
    /// missing, out of date or damaged; returns the build's figures when it built.
    pub fn load_or_build(
        config: Config,
        progress: impl FnMut(Stage),
    ) -> Result<(Engine, Option<BuildReport>), IndexError> {
        let (embedder, index) = load_in_parallel(&config);
        let embedder = embedder?;
        let location = config.location();
        let expected =
            Index::expected_at(&location, &config.seeds_dir, &embedder, config.chunking)?;
        match index.and_then(|index| index.check(&location, &expected)) {
            Ok(index) => {
                index.backend.start_background_work();
                Ok((Engine::assemble(config, embedder, index), None))
            }
            // A shared database is only ever built by `belegt index --store`: a replica
            // (maybe with another model or older seeds) must not rebuild it.
            Err(
                IndexError::Missing { .. } | IndexError::Stale { .. } | IndexError::Corrupt { .. },
            ) if matches!(location, index::Location::Files(_)) => {
                Self::build_or_wait(config, embedder, &expected, progress)
            }
            Err(e) => Err(e),
        }
    }

    /// Opens the index for an already loaded model.
    pub fn open_with(config: Config, embedder: Embedder) -> Result<Engine, IndexError> {
        let location = config.location();
        let expected =
            Index::expected_at(&location, &config.seeds_dir, &embedder, config.chunking)?;
        let index = index::open_at(&location, &expected)?;
        Ok(Engine::assemble(config, embedder, index))
    }

    /// Builds the index; when another process is building it already, waits for that
    /// build and opens its result instead of failing or building twice.
    fn build_or_wait(
        config: Config,
        embedder: Embedder,
        expected: &index::manifest::Expected,
        progress: impl FnMut(Stage),
    ) -> Result<(Engine, Option<BuildReport>), IndexError> {
        let location = config.location();
        match index::build_at(
            &config.seeds_dir,
            &location,
            &embedder,
            config.chunking,
            progress,
        ) {
            Ok(report) => Ok((Self::open_with(config, embedder)?, Some(report))),
            Err(IndexError::Busy { .. }) => {
                eprintln!("belegt: another process is building the index; waiting for it");
                index::wait_for_build_at(&location)?;
                let index = index::open_at(&location, expected)?;
                Ok((Engine::assemble(config, embedder, index), None))
            }
            Err(e) => Err(e),
        }
    }

    /// Builds the index with an already loaded model, then opens it.
    pub fn build(
        config: Config,
        embedder: Embedder,
        progress: impl FnMut(Stage),
    ) -> Result<(Engine, BuildReport), IndexError> {
        let report = index::build_at(
            &config.seeds_dir,
            &config.location(),
            &embedder,
            config.chunking,
            progress,
        )?;
        Ok((Self::open_with(config, embedder)?, report))
    }

    /// Ranked passages for a request.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, IndexError> {
        let t = Instant::now();
        let asked = &req.query;
        let req = &self.spelled_request(req);
        let Retrieved { outcome, .. } = self.retrieve(req)?;
        Ok(SearchResponse::new(
            &self.index,
            asked,
            &outcome,
            t.elapsed().as_secs_f64() * 1000.0,
        ))
    }

    /// The ranked passages for a request already spelled as the documents spell it
    /// ([`Engine::spelled_request`]): filters from the whole question, the search by
    /// its [`Engine::search_text`] and [`Engine::queries`]; also the queries and the
    /// search text's vector, which an answer and a comparison reuse.
    pub fn retrieve(&self, req: &SearchRequest) -> Result<Retrieved, IndexError> {
        let t = Instant::now();
        let filters = retrieve::resolve_filters(req);
        let text = self.search_text(&req.query);
        let vector = self.embedder.embed_query(&text)?;
        let embed_ms = t.elapsed().as_secs_f64() * 1000.0;
        let ts = Instant::now();
        let queries = self.queries_for(&req.query, &text)?;
        let hits = retrieve::search_with_vector(
            &self.index,
            &text,
            &vector,
            &filters,
            req.k,
            queries.lexical.as_deref(),
        )?;
        Ok(Retrieved {
            outcome: retrieve::SearchOutcome {
                hits,
                filters,
                timings: retrieve::Timings {
                    embed_ms,
                    search_ms: ts.elapsed().as_secs_f64() * 1000.0,
                },
            },
            queries,
            vector,
        })
    }

    /// An extractive answer with citations. A question across the states ("Welche
    /// Länder …") without explicit filters is answered from the state-by-state
    /// comparison: one finding per state with a finding, and `comparison` holds the
    /// table; without any finding the answer abstains. With `judge`, the configured LLM
    /// decides each state's row ([`crate::answer::judge`]).
    pub fn ask(
        &self,
        req: &SearchRequest,
        judge: Option<&Judge>,
    ) -> Result<AskResponse, IndexError> {
        let t = Instant::now();
        let asked = &req.query;
        let req = &self.spelled_request(req);
        let Retrieved {
            outcome,
            queries:
                Queries {
                    translated,
                    unknown,
                    counted,
                    ..
                },
            vector: qv,
        } = self.retrieve(req)?;
        let across = (req.states.is_empty() && req.docs.is_empty())
            .then(|| retrieve::cross_state(&req.query))
            .flatten();
        let Some(across) = across else {
            let answer = answer::answer(
                &self.index,
                &req.query,
                translated.as_deref(),
                &unknown,
                counted.as_deref(),
                &outcome.hits,
                &self.config.abstain,
            );
            return Ok(AskResponse::new(
                &self.index,
                asked,
                &outcome,
                &answer,
                t.elapsed().as_secs_f64() * 1000.0,
            ));
        };
        let tc = Instant::now();
        let comparison = self.comparison(&req.query, &across.topic, &qv, judge)?;
        let mut table = CompareResponse::new(
            &self.index,
            asked,
            &comparison,
            TimingsJson {
                embed: outcome.timings.embed_ms,
                search: tc.elapsed().as_secs_f64() * 1000.0,
                total: 0.0,
                llm: 0.0,
            },
        );
        let answer = match table.answer() {
            Some((text, _)) => answer::Answer {
                text,
                abstained: false,
                unknown_words: Vec::new(),
            },
            // No state has a finding: the topic's words the documents never use, if
            // any, say why.
            None => answer::Answer {
                text: answer::ABSTAIN_TEXT.to_string(),
                abstained: true,
                unknown_words: if retrieve::looks_english(&req.query) {
                    self.untranslated_words(&req.query, &comparison.translations)
                } else {
                    comparison.unknown.clone()
                },
            },
        };
        let total = t.elapsed().as_secs_f64() * 1000.0;
        table.timings_ms.total = total;
        let mut response = AskResponse::new(&self.index, asked, &outcome, &answer, total);
        if let Some((_, citations)) = table.answer() {
            response.citations = citations;
        }
        response.comparison = Some(table);
        Ok(response)
    }

    /// The state-by-state comparison on a topic (a question's cross-state frame,
    /// "Welche Länder …", is dropped from what is compared). With `judge`, the
    /// configured LLM decides each state's row ([`crate::answer::judge`]).
    pub fn compare(
        &self,
        topic: &str,
        judge: Option<&Judge>,
    ) -> Result<CompareResponse, IndexError> {
        let t = Instant::now();
        let asked = topic;
        let topic = &*self.spelled(topic);
        let qv = self.embedder.embed_query(&self.search_text(topic))?;
        let embed_ms = t.elapsed().as_secs_f64() * 1000.0;
        let ts = Instant::now();
        let subject = retrieve::cross_state(topic).map_or_else(|| topic.to_string(), |c| c.topic);
        let comparison = self.comparison(topic, &subject, &qv, judge)?;
        Ok(CompareResponse::new(
            &self.index,
            asked,
            &comparison,
            TimingsJson {
                embed: embed_ms,
                search: ts.elapsed().as_secs_f64() * 1000.0,
                total: t.elapsed().as_secs_f64() * 1000.0,
                llm: 0.0,
            },
        ))
    }
}

impl Engine {
    /// The state-by-state comparison on `topic` for `question` (embedded as
    /// `question_vector`); an English topic's words are translated into the documents'
    /// terms first. With `judge`, the LLM then decides each state's row.
    pub fn comparison(
        &self,
        question: &str,
        topic: &str,
        question_vector: &[f32],
        judge: Option<&Judge>,
    ) -> Result<compare::Comparison, IndexError> {
        // The words naming the documents compared are no part of the topic.
        let named = self.named_documents(question);
        let topic = &retrieve::query::without_words(topic, &named.words);
        let translations = if compare::needs_translation(question, topic) {
            self.translate(question, topic)?
        } else {
            Vec::new()
        };
        let mut comparison = compare::compare(
            &self.index,
            question,
            topic,
            question_vector,
            compare::OtherWords {
                translations: &translations,
                thesaurus: self.thesaurus(),
                abbreviations: Some(self.abbreviations()),
                index_terms: Some(self.index_terms()),
                english_words: self.english_words(),
                named: &named,
            },
            &self.config.compare,
            judge.is_some(),
        )?;
        if let Some(judge) = judge {
            judge.judge_blocking(&self.index, question, &mut comparison);
        }
        Ok(comparison)
    }

    /// The documents `question` names and the words naming them
    /// ([`retrieve::query::documents_named`]); an English question's words also through
    /// the dictionary's nouns ("digital ministers' conference").
    pub fn named_documents(&self, question: &str) -> retrieve::query::NamedDocuments {
        let nouns = |word: &str| {
            self.dictionary()
                .and_then(|d| d.lookup(&[word]))
                .unwrap_or_default()
        };
        let english = retrieve::looks_english(question) && self.dictionary().is_some();
        retrieve::query::documents_named(
            self.index.store.catalog_names(),
            question,
            english.then_some(&nouns as retrieve::query::Nouns),
        )
    }

    /// What the full-text ranking searches for `question` ([`Queries::lexical`]): its
    /// [`Engine::search_text`], as an English question's German terms, or a German
    /// question widened by the documents' own other words for its words
    /// ([`Engine::widened_query`]); `None` for the search text as it is.
    pub fn lexical_query(&self, question: &str) -> Result<Option<String>, EmbedError> {
        Ok(self.queries(question)?.lexical)
    }

    /// What a search ranks `question` by: the question without the words that say where
    /// its answer is written ("laut der sächsischen KI-Strategie", "according to the AI
    /// strategy", [`retrieve::source::without_sources`]), which would rank the passages
    /// about the source itself first; a question with no such words as it is. So is a
    /// question across the states: the reports it names ("in ihren Berichten …") are
    /// where each state's answer is written, and ranked without them the search cited
    /// fewer of the states' passages. Filters are still detected from the whole
    /// question.
    pub fn search_text<'a>(&self, question: &'a str) -> Cow<'a, str> {
        if retrieve::cross_state(question).is_some() {
            return Cow::Borrowed(question);
        }
        let english = retrieve::looks_english(question);
        let named = self.named_documents(question);
        match retrieve::source::without_sources(question, english, &named.words) {
            Some(text) => Cow::Owned(text),
            None => Cow::Borrowed(question),
        }
    }

    /// An English question's German terms ([`Engine::translated_query`]), its words for
    /// something the documents never use ([`answer::Evidence::unknown`]) and what the
    /// full-text ranking searches ([`Engine::lexical_query`]), worked out once from its
    /// [`Engine::search_text`].
    pub fn queries(&self, question: &str) -> Result<Queries, EmbedError> {
        self.queries_for(question, &self.search_text(question))
    }

    /// [`Engine::queries`] for `question` whose search text ([`Engine::search_text`]) is
    /// already known.
    fn queries_for(&self, question: &str, text: &str) -> Result<Queries, EmbedError> {
        let (translated, unknown, counted) = match self.translations(text)? {
            Some(translations) => (
                Some(Self::translated_terms(&translations)),
                self.untranslated_words(text, &translations),
                self.counted_terms(text, &translations),
            ),
            None if retrieve::looks_english(question) => (None, Vec::new(), None),
            None => (
                None,
                answer::extractive::unknown_words(&self.index, self.index_terms(), question),
                None,
            ),
        };
        let lexical = match &translated {
            Some(t) => Some(t.clone()),
            None => self.widened_query(text),
        };
        Ok(Queries {
            translated,
            unknown,
            lexical,
            counted,
        })
    }

    /// [`Queries::counted`]: the German terms the words of an English "how many"
    /// question's noun phrase translate to; `None` when it asks no "how many" or none of
    /// them translates.
    fn counted_terms(&self, question: &str, translations: &[Translation]) -> Option<Vec<String>> {
        let words = answer::extractive::counted_english_words(question);
        let half = (self.index.store.chunks.len() / 2) as u64;
        let terms: Vec<String> = translations
            .iter()
            .filter(|t| {
                t.english
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| words.contains(&w.to_lowercase()))
            })
            .flat_map(|t| t.terms.iter())
            .filter(|term| self.index.backend.doc_freq(term) <= half)
            .cloned()
            .collect();
        (!terms.is_empty()).then_some(terms)
    }

    /// A German question with what the documents write for its words besides them: the
    /// abbreviation a long form stands for ("kleine und mittlere Unternehmen … KMU",
    /// [`Abbreviations::spelled_out_in`]), unless it is in most passages, a loan word's
    /// other number ("Rechenzentren … rechenzentrum", [`answer::compare::other_number`]),
    /// and the English words the documents use for its nouns ("Mobilität … mobility",
    /// [`Engine::english_words`]); `None` for an English question, or when there is
    /// nothing to add.
    pub fn widened_query(&self, question: &str) -> Option<String> {
        if retrieve::looks_english(question) {
            return None;
        }
        let half = (self.index.store.chunks.len() / 2) as u64;
        let mut added: Vec<&str> = Vec::new();
        // An abbreviation in most passages ("KI" for "Künstliche Intelligenz") ranks
        // nothing; it would only shift the ranking.
        for (a, _) in self.abbreviations().spelled_out_in(question) {
            let common = crate::index::lexical::analyze(&a.short)
                .iter()
                .any(|t| self.index.backend.doc_freq(t) > half);
            if !common && !added.contains(&a.short.as_str()) {
                added.push(&a.short);
            }
        }
        // A loan word's other number, which the analyser keeps apart ("Rechenzentren":
        // `rechenzentr`, "Rechenzentrum": `rechenzentrum`), when the documents use it.
        let others: Vec<String> = question
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
            .flat_map(crate::index::lexical::analyze)
            .filter_map(|t| answer::compare::other_number(&self.index, &t))
            .collect();
        for other in &others {
            if !added.contains(&other.as_str()) {
                added.push(other);
            }
        }
        if let Some(words) = self.english_words() {
            // Of its nouns: the capitalised words.
            for term in question
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .flat_map(crate::index::lexical::analyze)
            {
                added.extend(words.of(&term).iter().map(String::as_str));
            }
        }
        // The parts of a compound the documents do not use, where they use the parts
        // ("Hochwasserwarnungen": "Hochwasser", "Warnungen"); whole, it matches nothing.
        // Not a document's name ("Digitalministerkonferenz"): its parts are no topic.
        let named = self.named_documents(question);
        let topical = retrieve::query::without_words(question, &named.words);
        let (_, compounds) =
            crate::retrieve::compound::split_unknown_compounds(&self.index, &topical);
        let parts: Vec<&String> = compounds.iter().flatten().collect();
        for part in parts {
            if !added.contains(&part.as_str()) {
                added.push(part);
            }
        }
        (!added.is_empty()).then(|| format!("{question} {}", added.join(" ")))
    }

    /// For an English question, the German terms its words translate to (as the
    /// documents write them), for the lexical ranking; `None` for German, and while
    /// the vocabulary is not there yet: a search never waits for it to be embedded (a
    /// comparison does), it ranks by the English words as before.
    pub fn translated_query(&self, question: &str) -> Result<Option<String>, EmbedError> {
        Ok(self
            .translations(question)?
            .map(|t| Self::translated_terms(&t)))
    }

    /// An English question's words translated ([`Engine::translate`]); `None` for German
    /// and while the vocabulary is not there yet ([`Engine::translated_query`]).
    fn translations(&self, question: &str) -> Result<Option<Vec<Translation>>, EmbedError> {
        if !retrieve::looks_english(question) {
            return Ok(None);
        }
        let Some(lexicon) = self.ready_lexicon() else {
            return Ok(None);
        };
        self.translate_with(&lexicon, question, question).map(Some)
    }

    /// The German terms of translations, as the documents write them.
    fn translated_terms(translations: &[Translation]) -> String {
        let words: Vec<&str> = translations
            .iter()
            .flat_map(|t| t.written.iter().map(String::as_str))
            .collect();
        words.join(" ")
    }

    /// The topic words of an English question that name something the documents never
    /// use: translated into no term of theirs ([`Lexicon::translate`]), not a state's
    /// name, not a verb ("Which tools does Saxony *name*") nor an adjective or adverb
    /// ("*criminal* police", "how *long*") by the dictionary, not a word of the documents
    /// themselves ("fortytwo"), and the dictionary's first noun for it (its main sense) is
    /// not used by the documents either ([`answer::extractive::documents_use`]:
    /// "municipalities" are `Stadtgemeinden`, `Stadt` + `Gemeinden`). Without a
    /// dictionary, none: an untranslated word may then be an adjective or a verb.
    pub fn untranslated_words(&self, question: &str, translations: &[Translation]) -> Vec<String> {
        let Some(dictionary) = self.dictionary() else {
            return Vec::new();
        };
        let states: Vec<String> = retrieve::detect_states(question)
            .iter()
            .flat_map(|s| s.phrase.split_whitespace().map(str::to_lowercase))
            .collect();
        let used =
            |word: &str| answer::extractive::documents_use(&self.index, self.index_terms(), word);
        translations
            .iter()
            .filter(|t| t.terms.is_empty() && !t.english.contains(' '))
            .map(|t| t.english.as_str())
            .filter(|word| {
                !states.iter().any(|s| s == word)
                    && !dictionary.is_verb(word)
                    && !dictionary.is_modifier(word)
            })
            .filter(|word| !used(word))
            .filter(|word| {
                let main_noun = dictionary
                    .lookup(&[word])
                    .and_then(|nouns| nouns.into_iter().next());
                !main_noun.is_some_and(|noun| noun.split_whitespace().all(&used))
            })
            .map(str::to_string)
            .collect()
    }

    /// The topic words of `text` (an English `question`, or its topic), translated into
    /// the documents' terms ([`Lexicon::translate`], with the dictionary when there is
    /// one); the verbs the question says of the states ([`english_verbs`]) are left out.
    pub fn translate(&self, question: &str, text: &str) -> Result<Vec<Translation>, EmbedError> {
        let lexicon = self.lexicon()?;
        self.translate_with(&lexicon, question, text)
    }

    fn translate_with(
        &self,
        lexicon: &Lexicon,
        question: &str,
        text: &str,
    ) -> Result<Vec<Translation>, EmbedError> {
        let backend = &self.index.backend;
        let dictionary = self.dictionary();
        let index_terms = self.index_terms();
        let as_word = |term: &str| backend.doc_freq(term) > 0;
        // The comparison's key term for a noun used only inside compounds lists those
        // compounds.
        let in_compounds = |term: &str| as_word(term) || index_terms.has_compounds(term);
        let usage = Usage {
            as_word: &as_word,
            in_compounds: &in_compounds,
        };
        let verbs = english_verbs(question, dictionary);
        lexicon.translate(&self.embedder, text, dictionary, &verbs, &usage)
    }

    /// The vocabulary when it is there without embedding it: already loaded, or kept
    /// beside the index (read now); `None` while another thread builds it or before the
    /// first English comparison built it.
    fn ready_lexicon(&self) -> Option<Arc<Lexicon>> {
        let mut slot = self.lexicon.try_lock().ok()?;
        if let Some(lexicon) = slot.as_ref() {
            return Some(Arc::clone(lexicon));
        }
        let lexicon = Arc::new(self.stored_lexicon()?);
        *slot = Some(Arc::clone(&lexicon));
        Some(lexicon)
    }

    /// Where the vocabulary's vectors are kept: beside the embedded index's files, so
    /// that only the first English comparison on an index pays for embedding them; `None`
    /// with PostgreSQL (kept in memory only).
    fn lexicon_file(&self) -> Option<std::path::PathBuf> {
        self.index
            .backend
            .as_embedded()
            .map(|e| e.dir.join(crate::retrieve::lexicon::FILE_NAME))
    }

    /// The vocabulary's vectors kept beside the embedded index, when they are there and
    /// fit the model.
    fn stored_lexicon(&self) -> Option<Lexicon> {
        let file = self.lexicon_file()?;
        let dim = self.embedder.info().dim;
        match Lexicon::read(&file) {
            Ok(l) if l.dim() == dim || l.is_empty() => Some(l),
            Ok(_) => None,
            Err(e) => {
                if file.exists() {
                    tracing::warn!(error = %e, "the stored vocabulary is unusable");
                }
                None
            }
        }
    }

    /// The index's vocabulary with its vectors, built on first use (callers meanwhile
    /// wait for it rather than build it twice).
    pub fn lexicon(&self) -> Result<Arc<Lexicon>, EmbedError> {
        let mut slot = self.lexicon.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lexicon) = slot.as_ref() {
            return Ok(Arc::clone(lexicon));
        }
        let lexicon = match self.stored_lexicon() {
            Some(l) => Arc::new(l),
            None => {
                let started = Instant::now();
                let built = Lexicon::build(&self.index, &self.embedder)?;
                tracing::info!(
                    words = built.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "embedded the vocabulary for English questions"
                );
                if let Some(path) = self.lexicon_file()
                    && let Err(e) = built.write(&path)
                {
                    tracing::warn!(path = %path.display(), error = %e, "could not keep the vocabulary's vectors");
                }
                Arc::new(built)
            }
        };
        *slot = Some(Arc::clone(&lexicon));
        Ok(lexicon)
    }

    /// The configured English–German dictionary, read on first use (a second or so);
    /// `None` without one, or when it cannot be read (logged once).
    pub fn dictionary(&self) -> Option<&Dictionary> {
        self.dictionary
            .get_or_init(|| {
                read_word_list(
                    self.config.dictionary.as_deref(),
                    Dictionary::read,
                    Dictionary::len,
                    "the English–German dictionary",
                    "English topics are translated by the model's nearest words only",
                )
            })
            .as_ref()
    }

    /// The configured German thesaurus, read on first use (some 50 ms);
    /// `None` without one, or when it cannot be read (logged once).
    pub fn thesaurus(&self) -> Option<&Thesaurus> {
        self.thesaurus
            .get_or_init(|| {
                read_word_list(
                    self.config.thesaurus.as_deref(),
                    Thesaurus::read,
                    Thesaurus::len,
                    "the German thesaurus",
                    "comparisons match the topic's own words only",
                )
            })
            .as_ref()
    }

    /// The abbreviations the documents define ("kleine und mittlere Unternehmen (KMU)"),
    /// learned from their text on first use (0.5 ms for the seeds).
    pub fn abbreviations(&self) -> &Abbreviations {
        self.abbreviations.get_or_init(|| {
            Abbreviations::learn(self.index.store.docs.iter().map(|d| d.text.as_str()))
        })
    }

    /// The analysed terms of the passages, for a German comparison's words the documents
    /// use only inside compounds; learned on first use (15 ms for the seeds).
    pub fn index_terms(&self) -> &IndexTerms {
        self.index_terms
            .get_or_init(|| IndexTerms::learn(&self.index))
    }

    /// `req` with its question as the documents spell its words ([`Engine::spelled`]).
    pub fn spelled_request(&self, req: &SearchRequest) -> SearchRequest {
        SearchRequest {
            query: self.spelled(&req.query).into_owned(),
            ..req.clone()
        }
    }

    /// `question` as the documents spell its words: lower-case nouns in upper case,
    /// "ae", "oe", "ue", "ss" as umlauts and "ß" where the documents write them
    /// ([`Spelling`]); an English question as it is. Learned on first use.
    pub fn spelled<'a>(&self, question: &'a str) -> Cow<'a, str> {
        if retrieve::looks_english(question) {
            return Cow::Borrowed(question);
        }
        self.spelling
            .get_or_init(|| Spelling::learn(&self.index))
            .restore(question, || self.dictionary())
    }

    /// The English words the documents use for their German nouns ("Mobilität":
    /// `Mobility`), for German comparisons and searches: read from beside the index when
    /// they were learned from this dictionary, else learned from it (reading it takes a
    /// second) and kept there. `None` without a dictionary.
    pub fn english_words(&self) -> Option<&EnglishWords> {
        self.english_words
            .get_or_init(|| {
                let id = english::fingerprint(self.config.dictionary.as_deref()?)?;
                let file = self
                    .index
                    .backend
                    .as_embedded()
                    .map(|e| e.dir.join(english::FILE_NAME));
                if let Some(file) = &file {
                    match EnglishWords::read(file, &id) {
                        Ok(Some(words)) => return Some(words),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "the stored English words are unusable"),
                    }
                }
                let started = Instant::now();
                let words = EnglishWords::learn(&self.index, self.dictionary()?, id);
                tracing::info!(
                    words = words.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "learned the documents' English words"
                );
                if let Some(file) = &file
                    && let Err(e) = words.write(file)
                {
                    tracing::warn!(path = %file.display(), error = %e, "could not keep the documents' English words");
                }
                Some(words)
            })
            .as_ref()
    }

    /// True once the vocabulary for English questions is there (false while it is
    /// being embedded).
    pub fn lexicon_loaded(&self) -> bool {
        self.lexicon.try_lock().is_ok_and(|slot| slot.is_some())
    }

    /// Builds the vocabulary for English questions now, reads the thesaurus and learns
    /// the documents' English words (a server calls this on a background thread once it
    /// is ready); a failure is logged, and the next English comparison tries again.
    pub fn warm_lexicon(&self) {
        self.index_terms();
        self.thesaurus();
        self.dictionary();
        self.english_words();
        if let Err(e) = self.lexicon() {
            tracing::warn!(error = %e, "could not embed the vocabulary for English questions");
        }
    }
}

/// Loads the model on this thread while another opens the index (both take about a
/// second on the seeds, and use different resources); the index still has to be
/// checked against the model.
fn load_in_parallel(config: &Config) -> (Result<Embedder, EmbedError>, Result<Index, IndexError>) {
    let started = Instant::now();
    let loaded = std::thread::scope(|s| {
        let index = s.spawn(|| index::open_unchecked_at(&config.location()));
        let embedder = Embedder::load(&config.model);
        let index = index.join().unwrap_or_else(|_| {
            Err(IndexError::Corrupt {
                dir: config.location().label(),
                message: "opening it panicked".into(),
            })
        });
        (embedder, index)
    });
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "model and index loaded"
    );
    loaded
}

/// Which answer a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswerMode {
    /// Sentences of the passages (no LLM).
    Extractive,
    /// An LLM's draft, checked against the passages; an error when no LLM is configured.
    Llm,
    /// The LLM when one is configured, else extractive.
    #[default]
    Auto,
}

impl AnswerMode {
    /// `extractive`, `llm` or `auto`.
    pub fn parse(s: &str) -> Option<AnswerMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "extractive" => Some(AnswerMode::Extractive),
            "llm" => Some(AnswerMode::Llm),
            "auto" => Some(AnswerMode::Auto),
            _ => None,
        }
    }

    /// Whether to draft with the LLM, given whether one is configured; `Err` when the
    /// LLM was asked for but none is configured.
    pub fn uses_llm(self, configured: bool) -> Result<bool, LlmNotConfigured> {
        match (self, configured) {
            (AnswerMode::Extractive, _) => Ok(false),
            (AnswerMode::Auto, c) => Ok(c),
            (AnswerMode::Llm, true) => Ok(true),
            (AnswerMode::Llm, false) => Err(LlmNotConfigured),
        }
    }
}

/// An LLM answer was asked for, but no endpoint is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no LLM endpoint is configured (set --llm-url or BELEGT_LLM_URL)")]
pub struct LlmNotConfigured;

/// Replaces `response`'s extractive answer with the LLM's draft from its citations,
/// checked sentence by sentence; on any LLM error keeps the extractive answer and sets
/// `llm_error`. With `on_delta` the draft is streamed and each piece passed on as it
/// arrives. An abstained response is left alone: weak passages are not drafted from.
pub async fn draft(
    client: &LlmClient,
    response: &mut AskResponse,
    on_delta: Option<&mut (dyn FnMut(&str) + Send)>,
) {
    if response.abstained || response.citations.is_empty() {
        return;
    }
    let question = response
        .contextual_query
        .as_deref()
        .unwrap_or(&response.question);
    let messages = prompt::messages(question, &response.passages());
    let t = Instant::now();
    let result: Result<String, LlmError> = match on_delta {
        Some(f) => client.stream(&messages, f).await,
        None => client.complete(&messages).await,
    };
    if let Err(e) = &result {
        tracing::warn!(error = %e, "LLM draft failed; answering extractively");
    }
    response.apply_draft(result, t.elapsed().as_secs_f64() * 1000.0);
}

/// Reads the word list at `path` (none without one) with `read`, logging its size and
/// time, or why there is none and what that means (`without`).
fn read_word_list<T>(
    path: Option<&Path>,
    read: fn(&Path) -> Result<T, String>,
    len: fn(&T) -> usize,
    what: &str,
    without: &str,
) -> Option<T> {
    let path = path?;
    let started = Instant::now();
    match read(path) {
        Ok(list) => {
            tracing::info!(
                path = %path.display(),
                entries = len(&list),
                ms = started.elapsed().as_millis() as u64,
                "read {what}"
            );
            Some(list)
        }
        Err(e) => {
            tracing::warn!(error = %e, "no {what}: {without}");
            None
        }
    }
}
