//! Topic → a state × finding table: for each of the 16 states the sentence of its own
//! documents that says most about the topic, when the evidence is strong enough; else
//! "keine Aussage im Bericht"; "kein Bericht" for a state the index holds nothing of.
//!
//! How a state's evidence is judged (the rule and its thresholds were chosen by a sweep
//! over the shared dev questions, see the README; the defaults are in
//! [`ComparePolicy::default`]):
//! 1. The state's passages are ranked for the topic by dense similarity and BM25 within
//!    the state (a German key term the documents rarely write alone also by its
//!    compounds, [`RARE_ALONE`]), fused by reciprocal rank; the best [`CANDIDATES`] are read, and the
//!    next ones up to [`ComparePolicy::complete_within`] for a sentence that holds the
//!    whole topic (a finding there rarely answers another question). When the
//!    question names documents ("laut ihren DMK-Berichten", "in their reports to the
//!    digital ministers' conference", [`crate::retrieve::query::documents_named`]), only their passages count
//!    ([`Comparison::documents`]), and the words naming them are no part of the topic.
//! 2. The topic's *key terms* are its nouns (German nouns are upper case; all words for
//!    an English topic), analysed, that occur in the documents but in at most half of
//!    the passages, without the words that name states and, unless nothing else is
//!    left, without the nouns that only frame the topic ([`is_topic_frame`]: "Rolle",
//!    "Einsatz", "Anwendung"); each weighs its IDF. A key term
//!    of five letters or more also matches as the head or first part of a compound. A
//!    noun the documents do not use is split into parts they do ("Hochwasserwarnungen":
//!    "Hochwasser", "Warnungen"); its other parts count only next to its most specific
//!    one (largest IDF), so "Förderung" alone says nothing on "Mittelstandsförderung".
//!    A hyphenated word's parts also match written as one word ("Start-ups":
//!    "Startups"), and one whose first part the analyser drops is that word alone
//!    ("IT-Dienstleister", not `dienstleist` of "Dienstleistungen"); a lower-case
//!    adjective after a hyphen is no noun ("KI-gestützter");
//!    a loan word also matches in its other number, which the analyser keeps apart
//!    ("Risiko", "Risiken": [`other_number`]), and a plural in "-eln" the documents do
//!    not use its singular ("Gütesiegeln": [`singular_of_eln`]); a long form the documents define an
//!    abbreviation for is read with the abbreviation as an alternative ("kleine und
//!    mittlere Unternehmen bzw. KMU", [`Abbreviations::as_alternatives`]).
//!    A noun the documents use only inside compounds ("Haftung" in "Haftungsfragen",
//!    [`IndexTerms::compounds_of`]) is a key term with those compounds as its forms;
//!    a noun the documents do not use at all, not even as parts, leaves no finding
//!    ([`Comparison::unknown`]), unless it is in an alternative or an example; a German
//!    topic whose key terms all come from its examples ("etwa in Zentren oder
//!    Projekten") or are frame words has none either.
//! 3. Each sentence of a candidate, and each two adjacent sentences of a paragraph, is
//!    scored by the IDF-weighted share of the key terms it holds, without the
//!    portfolios of the ministries it names ([`without_portfolios`]) and without the
//!    shorter nouns the analyser makes of an agent noun ("Grund" for "Gründer",
//!    [`AgentNouns`]); the state's
//!    evidence is its best sentence, or sentence pair when the pair holds more (ties:
//!    the better passage).
//!    A topic with alternatives ("Chatbots oder Sprachmodelle", "bzw.", "or", lists
//!    "A, B oder C") is read once per alternative, with the rest of the topic, and a
//!    sentence scores its best reading ([`views`]); a choice one of whose
//!    alternatives only frames the topic ("als Einsatz- oder Förderfeld") is met by
//!    every report and no condition ([`met_choices`]).
//! 4. A state has a finding when that share reaches [`ComparePolicy::min_coverage`] and
//!    at least [`ComparePolicy::relative`] of the best state's share; a German topic
//!    with no key term in the documents has no finding.
//! 5. An English topic shares almost no words with German documents: its words are
//!    translated into the documents' own terms first ([`crate::retrieve::lexicon`]),
//!    each English word one key term that any of its translations fulfils, weighing
//!    the IDF of the most common of them (a phrase translated into a compound the
//!    documents do not use: one per part, bound to each other, [`KeyTerm::with`]),
//!    and then judged as above. A word with no translation ("libraries" in documents
//!    that never name them) is a condition no passage meets, so a topic made mostly of
//!    such words has no finding.
//!
//! **Invariant:** every state appears exactly once, in the official order; a finding is
//! verbatim text of the passage it cites; a state without passages is "kein Bericht",
//! derived from the index, never from a list.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::answer::extractive::{holds_term, is_frame_term};
use crate::corpus::{StateCode, sentence};
use crate::index::lexical::{LexicalFilter, analyze, bm25_idf, in_compound};
use crate::index::{Index, IndexError};
use crate::retrieve::abbreviation::Abbreviations;
use crate::retrieve::compound::{IndexTerms, split_unknown_compounds};
use crate::retrieve::english::EnglishWords;
use crate::retrieve::fuse::RRF_K;
use crate::retrieve::lexicon::Translation;
use crate::retrieve::query::NamedDocuments;
use crate::retrieve::thesaurus::Thesaurus;
use crate::retrieve::{detect_states, looks_english};

/// What the table says for a state whose documents say nothing on the topic.
pub const NO_STATEMENT: &str = "keine Aussage im Bericht";
/// What the table says for a state the documents hold nothing of.
pub const NO_REPORT: &str = "kein Bericht";

/// Passages of each state read for a finding.
pub const CANDIDATES: usize = 1;

/// Passages of each state an LLM judge reads ([`crate::answer::judge`]).
pub const JUDGED: usize = 5;

/// When a state's evidence counts as a finding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparePolicy {
    /// Smallest IDF-weighted share of the topic's key terms in the best sentence.
    pub min_coverage: f32,
    /// Smallest share of the best state's coverage.
    pub relative: f32,
    /// Passages of each state read, best fused rank first.
    pub candidates: usize,
    /// Passages of each state read for a sentence that holds the whole topic (every key
    /// term of one reading, [`COMPLETE`]): such a sentence counts from any of them, a
    /// weaker one only from the first [`ComparePolicy::candidates`].
    pub complete_within: usize,
}

/// Sentence coverage of a sentence that holds every key term of a reading (1, less a
/// rounding margin).
pub const COMPLETE: f32 = 0.999;

impl Default for ComparePolicy {
    fn default() -> Self {
        ComparePolicy {
            min_coverage: 0.4,
            relative: 0.5,
            candidates: CANDIDATES,
            complete_within: 3,
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
    /// The state's best [`JUDGED`] passages for the topic, best fused rank first: what
    /// an LLM judge reads (only the rule's candidates when no judge was wanted).
    pub ranked: Vec<Candidate>,
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
    /// For a German topic: its nouns the documents never use, not even as the parts of
    /// a compound nor inside one ("KI-Dolmetscher", "ChatGPT"). With one, no state has a
    /// finding: the topic's other words alone ("Verwaltung") would find what was not
    /// asked.
    pub unknown: Vec<String>,
    /// For a German topic: its words whose synonyms also count ([`add_synonyms`]).
    pub synonyms: Vec<Synonyms>,
    /// For a German topic: its words that also count as the English words the
    /// documents write for them ([`add_english`]).
    pub english_words: Vec<Synonyms>,
    /// The documents compared, when the question names some ("laut ihren
    /// DMK-Berichten", [`crate::retrieve::query::documents_named`]): positions in the
    /// store; empty for all.
    pub documents: Vec<usize>,
    /// One row per state.
    pub rows: Vec<StateRow>,
    /// How the configured LLM judged the states, when it was asked
    /// ([`crate::answer::judge`]); `None`: the key-term rule alone decided.
    pub judged: Option<crate::answer::judge::JudgeReport>,
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
    /// Inverse document frequency: the word's own (German); of its most common
    /// translation (English); of its compounds' passages together, for a word the
    /// documents use only inside compounds.
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
/// specific of them ([`KeyTerm::with`]). `split` and `compounds` are the topic as
/// [`split_unknown_compounds`] returns it.
fn key_terms(
    index: &Index,
    split: &str,
    compounds: &[Vec<String>],
    terms: Option<&IndexTerms>,
) -> Vec<KeyTerm> {
    let mut key = key_terms_of(index, split, terms);
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

/// Nouns that name the use of the documents' subject, not a topic of it: "beim *Einsatz*
/// von KI", "*KI-Anwendungen* für die Landwirtschaft", "als *Anwendungsfeld* von KI".
/// Every state's report is about using the technology, so these words tell no state
/// from another; a state's sentence on the topic rarely repeats them.
const USE_NOUNS: &[&str] = &[
    "Einsatz",
    "Anwendung",
    "Anwendungen",
    "Nutzung",
    "Verwendung",
    "Feld",
    "Felder",
    "Anwendungsfeld",
    "Anwendungsfelder",
    "Einsatzfeld",
    "Einsatzfelder",
    "Anwendungsbereich",
    "Anwendungsbereiche",
    "Einsatzbereich",
    "Einsatzbereiche",
];

/// True when the analysed `term` frames a comparison's topic instead of naming it: an
/// answer-type noun ("Welche *Rolle* …", "im KI-*Bereich*", [`is_frame_term`]) or a noun
/// of [`USE_NOUNS`].
fn is_topic_frame(term: &str) -> bool {
    static USE: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    is_frame_term(term)
        || USE
            .get_or_init(|| USE_NOUNS.iter().flat_map(|w| analyze(w)).collect())
            .contains(term)
}

/// Drops the key terms that only frame the topic ([`is_topic_frame`]), unless nothing
/// else is left: "Welche Länder nennen KI-Anwendungen?" still asks for the
/// applications.
fn without_frame(key: &mut Vec<KeyTerm>) {
    if key.iter().any(|k| !is_topic_frame(&k.forms[0])) {
        key.retain(|k| !is_topic_frame(&k.forms[0]));
    }
}

/// Adds to each key term of a German topic (`split`) the English words the documents
/// write for its noun ([`EnglishWords::of`]): where a report writes English ("Smart
/// Mobility-Konzepte", an AI centre "(Mobility)"), it names what the German noun does;
/// the weight stays the German word's. Returns the words that took English ones.
fn add_english(words: &EnglishWords, split: &str, key: &mut [KeyTerm]) -> Vec<Synonyms> {
    let mut added: Vec<Synonyms> = Vec::new();
    for word in letter_runs(split).filter(|w| w.chars().next().is_some_and(char::is_uppercase)) {
        let Some(term) = analyze(word).into_iter().next() else {
            continue;
        };
        let Some(k) = key.iter_mut().find(|k| k.forms[0] == term) else {
            continue;
        };
        let english: Vec<String> = words
            .of(&term)
            .iter()
            .filter(|f| !k.forms.contains(f))
            .cloned()
            .collect();
        if english.is_empty() {
            continue;
        }
        k.forms.extend(english.iter().cloned());
        added.push(Synonyms {
            word: word.to_string(),
            synonyms: english,
        });
    }
    added
}

/// A topic word and the synonyms that count for it, as the thesaurus writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synonyms {
    /// The word ("Fortbildung").
    pub word: String,
    /// Its synonyms the documents use ("Schulung", "Weiterbildung", "Training").
    pub synonyms: Vec<String>,
}

/// Largest synonym set whose members a key term takes on; a longer set mixes senses.
const SYNONYM_SET_MAX: usize = 4;

/// Adds to each key term the analysed forms of its synonyms in the [`Thesaurus`]
/// ("Schulung" also counts "Fortbildung", "Weiterbildung", "Training"), only where the
/// word is unambiguous there: it belongs to exactly one synonym set, of at most
/// [`SYNONYM_SET_MAX`] nouns. A word of several senses ("Verwaltung": administration,
/// management, government) would bring in the wrong ones, and the embedding model does
/// not tell senses apart. A synonym counts when the documents use it in at most half
/// of the passages and it is not a topic word already; the term's weight stays its own.
/// Returns the words that took synonyms.
fn add_synonyms(index: &Index, thesaurus: &Thesaurus, key: &mut [KeyTerm]) -> Vec<Synonyms> {
    let half = (index.store.chunks.len() / 2) as u64;
    let topic: HashSet<String> = key.iter().flat_map(|k| k.forms.clone()).collect();
    let mut added = Vec::new();
    for k in key.iter_mut() {
        let mut sets = thesaurus.sets_of(&k.forms[0]);
        let (Some(set), None) = (sets.next(), sets.next()) else {
            continue;
        };
        if set.len() > SYNONYM_SET_MAX {
            continue;
        }
        let mut word = None;
        let mut synonyms = Vec::new();
        for member in set {
            if member.term == k.forms[0] {
                word.get_or_insert(&member.word);
            } else if !topic.contains(&member.term)
                && !k.forms.contains(&member.term)
                && (1..=half).contains(&index.backend.doc_freq(&member.term))
            {
                k.forms.push(member.term.clone());
                synonyms.push(member.word.clone());
            }
        }
        if let Some(word) = word
            && !synonyms.is_empty()
        {
            added.push(Synonyms {
                word: word.clone(),
                synonyms,
            });
        }
    }
    added
}

/// Most compounds a key term the documents use only inside compounds lists as forms.
const MAX_COMPOUND_FORMS: usize = 16;

/// A key term for the analysed `term` that the documents use only inside compounds
/// ("Haftung": `haftungsfrag`, `haftungsgrundsatz`, [`IndexTerms::compounds_of`]): the
/// compounds are its other forms (for the full-text ranking; a sentence holds the term
/// in them anyway, [`holds_term`]), their passages its document frequency. `None` when
/// there is no such compound, or they are in more than half of the passages.
fn inside_compounds(index: &Index, terms: &IndexTerms, term: String) -> Option<KeyTerm> {
    let n = index.store.chunks.len() as u64;
    let mut compounds: Vec<(u64, &str)> = terms
        .compounds_of(&term)
        .into_iter()
        .map(|c| (index.backend.doc_freq(c), c))
        .filter(|&(df, _)| df > 0)
        .collect();
    // A passage may hold several: the sum is at most their passages' number.
    let df: u64 = compounds.iter().map(|&(df, _)| df).sum::<u64>().min(n);
    if df == 0 || df > n / 2 {
        return None;
    }
    compounds.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut forms = vec![term];
    forms.extend(
        compounds
            .into_iter()
            .take(MAX_COMPOUND_FORMS)
            .map(|(_, c)| c.to_string()),
    );
    Some(KeyTerm {
        idf: bm25_idf(n, df),
        forms,
        with: None,
    })
}

fn key_terms_of(index: &Index, topic: &str, terms: Option<&IndexTerms>) -> Vec<KeyTerm> {
    let state_terms: HashSet<String> = detect_states(topic)
        .iter()
        .flat_map(|n| analyze(&n.phrase))
        .collect();
    let joined = crate::answer::extractive::hyphen_joins(topic);
    // In German the nouns carry the topic and are written in upper case; verbs
    // ("setzen … ein", "planen") and adjectives say little about which state qualifies.
    let nouns = crate::answer::extractive::noun_words(topic);
    let source = if nouns.is_empty() {
        topic.to_string()
    } else {
        nouns.join(" ")
    };
    let half = (index.store.chunks.len() / 2) as u64;
    let common_alias = common_alias_words(index, topic, half);
    let mut seen = HashSet::new();
    let mut key: Vec<KeyTerm> = analyze(&source)
        .into_iter()
        .filter(|t| !state_terms.contains(t) && !joined.contains(t) && !common_alias.contains(t))
        .filter(|t| seen.insert(t.clone()))
        .filter_map(|t| match index.backend.doc_freq(&t) {
            0 => match singular_of_eln(index, &t) {
                Some(singular) => Some(KeyTerm {
                    idf: index.backend.idf(&singular),
                    forms: vec![singular, t],
                    with: None,
                }),
                None => terms.and_then(|terms| inside_compounds(index, terms, t)),
            },
            df if df <= half => Some(KeyTerm {
                idf: index.backend.idf(&t),
                forms: vec![t],
                with: None,
            }),
            _ => None,
        })
        .collect();
    without_frame(&mut key);
    // Hyphen variants: the parts of "Start-ups" are also written as one word,
    // "Startups", which fulfils both.
    for word in source.split_whitespace() {
        let parts: Vec<&str> = word
            .split(['-', '‐', '‑'])
            .filter(|p| !p.is_empty())
            .collect();
        for pair in parts.windows(2) {
            let together = analyze(&format!("{}{}", pair[0], pair[1]).to_lowercase());
            let Some(one) = together.into_iter().next() else {
                continue;
            };
            let df = index.backend.doc_freq(&one);
            if df == 0 {
                continue;
            }
            let (a, b) = match (analyze(pair[0]).pop(), analyze(pair[1]).pop()) {
                (Some(a), Some(b)) => (a, b),
                // A first part the analyser drops ("IT", "E") narrows the head all the
                // same: "IT-Dienstleister" are no "Dienstleistungen" (both `dienstleist`),
                // so the whole word is the key term where the documents use it.
                (None, Some(b)) if df <= half => {
                    if let Some(k) = key.iter_mut().find(|k| k.forms[0] == b) {
                        k.idf = index.backend.idf(&one);
                        k.forms = vec![one];
                    }
                    continue;
                }
                _ => continue,
            };
            for k in key
                .iter_mut()
                .filter(|k| k.forms[0] == a || k.forms[0] == b)
            {
                if !k.forms.contains(&one) {
                    k.forms.push(one.clone());
                }
            }
        }
    }
    // The other number of a Latin or Italian loan word, as the documents write it.
    for k in &mut key {
        if let Some(other) = other_number(index, &k.forms[0])
            && !k.forms.contains(&other)
        {
            k.forms.push(other);
        }
    }
    key
}

/// The analysed singular of a plural in "-eln" that the analyser leaves whole
/// ("Gütesiegeln" is `gutesiegeln`, "Gütesiegel" `gutesiegel`; "Mitteln", "Regeln"),
/// when the documents use the singular and not the plural form.
fn singular_of_eln(index: &Index, term: &str) -> Option<String> {
    let stem = term.strip_suffix('n')?;
    (stem.ends_with("el") && stem.chars().count() >= 4 && index.backend.doc_freq(stem) > 0)
        .then(|| stem.to_string())
}

/// Endings of a loan word's singular that its plural replaces by "-en", which the
/// analyser drops: "Zentrum"/"Zentren" (`zentrum`/`zentr`), "Risiko"/"Risiken",
/// "Thema"/"Themen", "Kriterium"/"Kriterien".
const SINGULAR_ENDINGS: &[&str] = &["um", "o", "a"];

/// The analysed other number of the analysed `term` of a loan word of
/// [`SINGULAR_ENDINGS`], when the documents use it; its stem has at least four letters,
/// so that "Daten" (`dat`) is no plural of "Datum".
pub fn other_number(index: &Index, term: &str) -> Option<String> {
    let used = |t: &String| index.backend.doc_freq(t) > 0;
    let long_enough = |stem: &str| stem.chars().count() >= 4;
    SINGULAR_ENDINGS
        .iter()
        .find_map(|ending| match term.strip_suffix(ending) {
            Some(stem) => Some(stem.to_string()).filter(|s| long_enough(s) && used(s)),
            None => Some(format!("{term}{ending}")).filter(|s| long_enough(term) && used(s)),
        })
}

/// The key terms of an English topic: one per word, its forms the word's translations
/// that occur in at most half of the passages; words that spell out a too-common
/// abbreviation ("artificial intelligence" is `KI`) and words naming a state are left
/// out, and so are translations that only frame the topic ("field" → `Feld`,
/// [`is_topic_frame`]) unless nothing else is left. Each weighs the IDF of its most
/// common translation: a sentence with `Verwaltung` fulfils "administration" no more
/// than it does the German topic word, though `Regierung` is rarer. A word with no
/// translation at all ("whaling", but also "dedicated") is a key term no passage holds,
/// weighing the mean IDF of the others: English has no capitals to tell a topic's nouns
/// from its adjectives, so such a word neither vetoes the topic nor is ignored;
/// "regulate whaling in Antarctica" (one of three translated) has no finding,
/// "dedicated research centres" (two of three) can. A word among the [`optional_words`]
/// of `question` (an alternative, an example) may lack one.
pub fn translated_key_terms(
    index: &Index,
    question: &str,
    topic: &str,
    translations: &[Translation],
    terms: Option<&IndexTerms>,
) -> Vec<KeyTerm> {
    let half = (index.store.chunks.len() / 2) as u64;
    let mut skip = common_alias_words(index, topic, half);
    skip.extend(detect_states(topic).iter().flat_map(|n| analyze(&n.phrase)));
    let wanted: Vec<&Translation> = translations
        .iter()
        .filter(|t| !analyze(&t.word).iter().any(|a| skip.contains(a)))
        .collect();
    let optional = optional_words(question);
    let untranslated = wanted
        .iter()
        .filter(|t| t.terms.is_empty() && !optional.contains(&t.word))
        .count();
    let mut seen = HashSet::new();
    let bound: Vec<Option<String>> = wanted.iter().map(|t| t.with.clone()).collect();
    // Each word's forms, and the IDF of its most common one. A translation the
    // documents use only inside compounds ("road construction" → `Straßenbau`, in
    // "Landesstraßenbau") counts by those compounds ([`inside_compounds`]).
    let (mut forms, idfs): (Vec<Vec<String>>, Vec<f32>) = wanted
        .into_iter()
        .map(|t| {
            let mut forms = Vec::new();
            let mut idf = f32::INFINITY;
            for term in &t.terms {
                let (these, term_idf) = match index.backend.doc_freq(term) {
                    0 => match terms.and_then(|ts| inside_compounds(index, ts, term.clone())) {
                        Some(k) => (k.forms, k.idf),
                        None => continue,
                    },
                    df if df <= half => (vec![term.clone()], index.backend.idf(term)),
                    _ => continue,
                };
                idf = idf.min(term_idf);
                forms.extend(these.into_iter().filter(|f| seen.insert(f.clone())));
            }
            (forms, idf)
        })
        .unzip();
    // A word that only frames the topic ("role" → `Rolle`, "field" → `Feld`,
    // "applications" → `Anwendungen`) is no condition, as in a German topic; nor are
    // its other senses (`Bewerbung`).
    if forms.iter().flatten().any(|f| !is_topic_frame(f)) {
        for word in &mut forms {
            if word.iter().any(|f| is_topic_frame(f)) {
                word.clear();
            }
        }
    }
    let mut key: Vec<KeyTerm> = forms
        .into_iter()
        .zip(idfs)
        .zip(bound)
        .filter(|((forms, _), _)| !forms.is_empty())
        .map(|((forms, idf), with)| KeyTerm { idf, forms, with })
        .collect();
    if key.is_empty() {
        return key;
    }
    // A word without translation is a condition no passage meets, of average weight.
    let mean = key.iter().map(|k| k.idf).sum::<f32>() / key.len() as f32;
    key.extend((0..untranslated).map(|_| KeyTerm {
        forms: Vec::new(),
        idf: mean,
        with: None,
    }));
    key
}

/// The capitalised words of a German topic (`split`, unknown compounds already split
/// into known parts) that no passage uses: every analysed term of the word has document
/// frequency 0, and no term of the documents holds it as a compound's head or first part
/// (`terms`, [`IndexTerms::compounds_of`]: "Haftung" is in "Haftungsfragen").
/// Hyphenated words count part by part ("KI-Assistenten": "Assistenten").
/// The [`optional_words`] of `question` are left out: the other alternative is still a
/// reading of the topic ([`views`]), and an example is no condition. So are words that
/// only say what kind of answer is wanted ("konkrete Euro-Beträge", [`is_frame_term`]).
fn unknown_nouns(
    index: &Index,
    split: &str,
    question: &str,
    terms: Option<&IndexTerms>,
) -> Vec<String> {
    let in_alternative = optional_words(question);
    let mut unknown: Vec<String> = Vec::new();
    for run in letter_runs(split) {
        if !run.chars().next().is_some_and(char::is_uppercase)
            || in_alternative.contains(&run.to_lowercase())
            || unknown.iter().any(|u| u == run)
        {
            continue;
        }
        let analysed = analyze(run);
        if !analysed.is_empty()
            && !analysed.iter().any(|t| is_frame_term(t))
            && analysed.iter().all(|t| {
                index.backend.doc_freq(t) == 0
                    && singular_of_eln(index, t).is_none()
                    && terms.is_none_or(|terms| !terms.has_compounds(t))
            })
        {
            unknown.push(run.to_string());
        }
    }
    unknown
}

/// The words of `question`, lower case, that are no condition of its topic: those of
/// its alternatives ("Hochwasser oder Dürre"), with what follows the last alternative up
/// to the next comma ("Polizei bzw. bei der Aufklärung von Straftaten"), and its
/// examples up to the next comma ("Sprachmodelle wie LLaMA", [`EXAMPLE`]).
fn optional_words(question: &str) -> HashSet<String> {
    let words: Vec<&str> = question.split_whitespace().collect();
    alternatives(&words)
        .iter()
        .flat_map(|conjuncts| {
            let first = conjuncts.first().map_or(0, |r| r.start);
            let last = conjuncts.last().map_or(0, |r| r.end);
            first..clause_end(&words, last.saturating_sub(1))
        })
        .flat_map(|i| letter_runs(words[i]))
        .map(str::to_lowercase)
        .chain(example_words(question))
        .collect()
}

/// The position after the first word from `from` on that ends a clause (a comma or
/// semicolon after it), else the number of words.
fn clause_end(words: &[&str], from: usize) -> usize {
    (from..words.len())
        .find(|&i| words[i].ends_with([',', ';']))
        .map_or(words.len(), |i| i + 1)
}

/// The lower-case words of `question`'s examples, each up to the next comma ("etwa in
/// gemeinsamen Zentren, IT-Verbünden oder Projekten" → "in", "gemeinsamen",
/// "zentren").
fn example_words(question: &str) -> HashSet<String> {
    let words: Vec<&str> = question.split_whitespace().collect();
    let alternatives = alternatives(&words);
    let mut out: HashSet<String> = HashSet::new();
    for from in examples(&words) {
        // An example list runs on through "A, B oder C": to the end of its alternatives.
        let mut end = clause_end(&words, from);
        // Words without a term ("IT" of "IT associations") may open the next item.
        let mut next = end;
        while words.get(next).is_some_and(|w| analyze(w).is_empty()) {
            next += 1;
        }
        for conjuncts in &alternatives {
            if conjuncts
                .first()
                .is_some_and(|r| r.start <= next && r.start >= from)
            {
                end = end.max(conjuncts.last().map_or(end, |r| r.end));
            }
        }
        out.extend(
            words[from..end.min(words.len())]
                .iter()
                .flat_map(|w| letter_runs(w))
                .map(str::to_lowercase),
        );
    }
    out
}

/// True when a German topic's key terms all come from its examples ("kooperieren beim
/// Thema KI, etwa in Projekten": only `Projekt` besides the frame word `Thema`): an
/// example never stands for the topic on its own, so such a topic has no finding.
fn only_examples(index: &Index, question: &str, topic: &str, key: &[KeyTerm]) -> bool {
    let examples = example_words(question);
    if examples.is_empty() || key.is_empty() {
        return false;
    }
    let head: Vec<&str> = topic
        .split_whitespace()
        .filter(|w| !letter_runs(w).any(|r| examples.contains(&r.to_lowercase())))
        .collect();
    let head_terms: HashSet<String> = analyze(&split_unknown_compounds(index, &head.join(" ")).0)
        .into_iter()
        .collect();
    // Nor does a frame word ("beim Thema KI", [`is_frame_term`]) stand for it.
    !key.iter().any(|k| {
        k.forms
            .iter()
            .any(|f| head_terms.contains(f) && !is_frame_term(f))
    })
}

/// [`only_examples`] for an English topic: no key term holds a translation of a word
/// outside the examples of `question` ("cooperate with other states on AI, for example
/// in joint centres or projects": only `Zentrum` and `Projekt`).
fn only_translated_examples(question: &str, translations: &[Translation], key: &[KeyTerm]) -> bool {
    let examples = example_words(question);
    if examples.is_empty() || key.is_empty() {
        return false;
    }
    let head: HashSet<&String> = translations
        .iter()
        .filter(|t| !letter_runs(&t.english).all(|w| examples.contains(&w.to_lowercase())))
        .flat_map(|t| &t.terms)
        .collect();
    !key.iter()
        .any(|k| k.forms.is_empty() || k.forms.iter().any(|f| head.contains(f)))
}

/// Words that introduce examples ("Sprachmodelle wie LLaMA"): what follows them is no
/// condition of the topic.
const EXAMPLE: &[&str] = &[
    "wie",
    "etwa",
    "beispielsweise",
    "bspw",
    "z.b",
    "zb",
    "insbesondere",
    "like",
    "e.g",
    "including",
];

/// The positions of the words after each word of [`EXAMPLE`] (also "z. B.", "such as",
/// "for example").
fn examples<'a>(words: &'a [&str]) -> impl Iterator<Item = usize> + 'a {
    markers(words).map(|(_, first)| first)
}

/// Each example marker of `words` ([`examples`]): its position and that of the word
/// after it.
fn markers<'a>(words: &'a [&str]) -> impl Iterator<Item = (usize, usize)> + 'a {
    // After a word, never first: "Wie gehen die Länder …" asks, it gives no example;
    // "wie" introduces one only after a noun ("Sprachmodelle wie LLaMA").
    (1..words.len()).filter_map(move |i| {
        let word = bare(words[i]);
        if word == "wie" && !words[i - 1].chars().next().is_some_and(char::is_uppercase) {
            return None;
        }
        let pair = words
            .get(i + 1)
            .map(|next| format!("{word} {}", bare(next)));
        if EXAMPLE.contains(&word.as_str()) {
            Some((i, i + 1))
        } else if matches!(
            pair.as_deref(),
            Some("z b" | "such as" | "for example" | "for instance")
        ) {
            Some((i, i + 2))
        } else {
            None
        }
    })
}

/// `word` in lower case, without the punctuation around it.
fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// The runs of letters of `text` ("KI-Assistenten" → "KI", "Assistenten").
fn letter_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
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

/// Words that join a topic's alternatives ("Polizei oder Justiz", "bzw.", "or").
const ALTERNATIVE: &[&str] = &["oder", "bzw", "beziehungsweise", "und/oder", "or", "and/or"];

/// Articles, which may open an item of a list of alternatives.
const ARTICLES: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines",
    "the", "a", "an",
];

/// The preposition of a German contraction ("im" → "in", "zur" → "zu"), else `word`.
fn preposition(word: &str) -> &str {
    match word {
        "im" | "ins" => "in",
        "am" | "ans" => "an",
        "zum" | "zur" => "zu",
        "beim" => "bei",
        "vom" => "von",
        _ => word,
    }
}

/// Most ways of reading a topic with alternatives ([`views`]).
const MAX_VIEWS: usize = 16;

/// Most words of an alternative that reaches back to the words the right one opens
/// with ([`alternatives`]).
const MAX_OPENED_WORDS: usize = 6;

/// The alternatives of each "A oder B" (also "A, B oder C") in a topic's words, as word
/// ranges. The right one is the run of words after the connector and its stop words
/// ("bzw. bei der Aufklärung" → "Aufklärung"); each left one the run before the
/// connector or a comma, no longer than the right one ("Hochschulen" of "KI in Schulen,
/// Hochschulen oder Kitas" is one of three), unless the right one opens with a
/// preposition that also opens the left one: then the left one runs back to it ("mit
/// der Zertifizierung von KI oder mit Gütesiegeln" → "Zertifizierung von KI"). Stop
/// words and commas end a run, except "und" between adjectives ("Mittelstand bzw.
/// kleine und mittlere Unternehmen").
fn alternatives(words: &[&str]) -> Vec<Vec<Range<usize>>> {
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/')
            .to_lowercase()
    };
    let connector: Vec<bool> = words
        .iter()
        .map(|w| ALTERNATIVE.contains(&bare(w).as_str()))
        .collect();
    let mut content: Vec<bool> = (0..words.len())
        .map(|i| !connector[i] && !analyze(words[i]).is_empty())
        .collect();
    let ends_item: Vec<bool> = words.iter().map(|w| w.ends_with([',', ';'])).collect();
    // "und" between two lower-case words (adjectives: "kleine und mittlere
    // Unternehmen") joins them within one item; the run goes on through it.
    let adjective: Vec<bool> = (0..words.len())
        .map(|i| {
            content[i] && !ends_item[i] && words[i].chars().next().is_some_and(char::is_lowercase)
        })
        .collect();
    for i in 1..words.len().saturating_sub(1) {
        if bare(words[i]) == "und" && adjective[i - 1] && adjective[i + 1] {
            content[i] = true;
        }
    }
    // The start of the run of content words that ends before `last`, at most `longest`
    // words; an item's end (a comma) stops it, except on the run's last word.
    let run_back = |last: usize, longest: usize| -> usize {
        let mut first = last;
        while first > 0
            && last - first < longest
            && content[first - 1]
            && (first == last || !ends_item[first - 1])
        {
            first -= 1;
        }
        first
    };
    let mut out = Vec::new();
    for c in (0..words.len()).filter(|&c| connector[c]) {
        let mut start = c + 1;
        while start < words.len() && !connector[start] && !content[start] {
            start += 1;
        }
        let mut end = start;
        while end < words.len() && content[end] {
            end += 1;
            if ends_item[end - 1] {
                break;
            }
        }
        if start == end {
            continue;
        }
        let longest = end - start;
        // The words that open the right item ("in der" of "oder in der Fortbildung"):
        // the other items of a list may open with them too ("im Unterricht, in den
        // Lehrplänen oder in der Fortbildung").
        let opener: HashSet<String> = words[c + 1..start]
            .iter()
            .map(|w| preposition(&bare(w)).to_string())
            .collect();
        // An article, or a word the right item opens with.
        let opening = |i: usize| {
            let w = bare(words[i]);
            ARTICLES.contains(&w.as_str()) || opener.contains(preposition(&w))
        };
        let mut conjuncts: Vec<Range<usize>> = Vec::with_capacity(3);
        conjuncts.push(start..end);
        // An item the right one's preposition opens too reaches back to it ("mit der
        // Zertifizierung von KI oder mit Gütesiegeln"), longer than the right one.
        let opened = |last: usize| -> Option<usize> {
            let lowest = last.saturating_sub(MAX_OPENED_WORDS + 1);
            let at = (lowest..last.saturating_sub(1))
                .rev()
                .take_while(|&j| !ends_item[j] && !connector[j])
                .find(|&j| {
                    let w = bare(words[j]);
                    !ARTICLES.contains(&w.as_str()) && opener.contains(preposition(&w))
                })?;
            let mut first = at + 1;
            while first < last && opening(first) {
                first += 1;
            }
            (first < last && (first..last).any(|i| content[i])).then_some(first)
        };
        let mut last = c;
        loop {
            let mut first = run_back(last, longest);
            if let Some(opened) = opened(last).filter(|&o| o < first) {
                first = opened;
            }
            if first == last {
                break;
            }
            conjuncts.push(first..last);
            // Another item of a list ends with a comma right before this one, or before
            // its article ("climate protection, the energy transition or …") or the
            // words the right item opens with.
            let mut before = first;
            while before > 0 && opening(before - 1) {
                before -= 1;
            }
            if before > 0 && ends_item[before - 1] && content[before - 1] {
                last = before;
            } else {
                break;
            }
        }
        if conjuncts.len() >= 2 {
            conjuncts.reverse();
            out.push(conjuncts);
        }
    }
    // A name in parentheses after a noun names it again ("KI-Verordnung (AI Act)",
    // "kleine und mittlere Unternehmen (KMU)"): the run before it, no longer than it, and
    // the words inside are alternatives.
    for open in (1..words.len()).filter(|&i| words[i].starts_with('(')) {
        let Some(close) = (open..words.len().min(open + MAX_PARENTHESIS_WORDS)).find(|&j| {
            words[j]
                .trim_end_matches(['.', ',', ';', '?', '!'])
                .ends_with(')')
        }) else {
            continue;
        };
        let inside = open..close + 1;
        if ends_item[open - 1] || !inside.clone().all(|i| content[i]) {
            continue;
        }
        let first = run_back(open, inside.len());
        if first < open {
            out.push(vec![first..open, inside]);
        }
    }
    out
}

/// Most words of a name in parentheses that [`alternatives`] reads as another name of
/// the noun before it.
const MAX_PARENTHESIS_WORDS: usize = 4;

/// The ways of reading a topic: for each "A oder B" one alternative with the rest of
/// the topic, so that a state writing of A alone (or B alone) is judged by A's terms
/// (or B's) and the shared ones. `holds` gives, for each alternative of each connector,
/// the positions in `key` of the key terms it names. An alternative without a key term
/// is no way of reading (its words are not in the documents: the topic is judged by
/// the others, as before). Without alternatives: the whole topic, the only view.
fn views(key: &[KeyTerm], holds: &[Vec<HashSet<usize>>]) -> Vec<Vec<KeyTerm>> {
    // For each connector, the key terms each readable alternative leaves out.
    let mut choices: Vec<Vec<HashSet<usize>>> = Vec::new();
    for alternatives in holds {
        let named: HashSet<usize> = alternatives.iter().flatten().copied().collect();
        let readable: Vec<HashSet<usize>> = alternatives
            .iter()
            .filter(|a| !a.is_empty())
            .map(|a| named.difference(a).copied().collect())
            .collect();
        if readable.len() >= 2
            && choices.iter().map(Vec::len).product::<usize>() * readable.len() <= MAX_VIEWS
        {
            choices.push(readable);
        }
    }
    let mut left_out: Vec<HashSet<usize>> = vec![HashSet::new()];
    for readable in &choices {
        left_out = left_out
            .iter()
            .flat_map(|out| {
                readable
                    .iter()
                    .map(move |r| out.union(r).copied().collect::<HashSet<usize>>())
            })
            .collect();
    }
    left_out
        .into_iter()
        .map(|out| {
            key.iter()
                .enumerate()
                .filter(|(i, _)| !out.contains(i))
                .map(|(_, k)| k.clone())
                .collect()
        })
        .collect()
}

/// Most words of the noun an example list names right after it ([`exemplified`]).
const MAX_EXEMPLIFIED_WORDS: usize = 3;

/// The readings of `words` with the examples a noun names right after it as that
/// noun's alternatives ("Rechtsfragen wie Haftung oder Urheberrecht", "legal issues
/// such as liability"): a report writing of liability speaks of a legal issue. Each is
/// the noun's words (up to [`MAX_EXEMPLIFIED_WORDS`], no comma between them and the
/// marker) together with the examples, then each example, as [`alternatives`] reads
/// them, or the one word after the marker. The noun alone is no reading: "Risiken wie
/// Hacking" asks for risks of that kind, and "Chancen und Risiken" is none. After a
/// comma, examples that open with a noun ("richten Fachveranstaltungen aus, etwa
/// Kongresse oder Foren") illustrate the clause's last noun ([`clause_noun`]), which is
/// then a reading alone, each example another; an example with a preposition ("…, etwa
/// in Projekten") says how, not of which noun, and stays as it was.
fn exemplified(words: &[&str], groups: &[Vec<Range<usize>>]) -> Vec<Vec<Range<usize>>> {
    let content = |i: usize| !analyze(words[i]).is_empty() && !words[i].ends_with([',', ';']);
    let mut out = Vec::new();
    for (marker, first) in markers(words) {
        let mut start = marker;
        while start > 0 && marker - start < MAX_EXEMPLIFIED_WORDS && content(start - 1) {
            start -= 1;
        }
        let mut from = first;
        while from < words.len() && analyze(words[from]).is_empty() {
            from += 1;
        }
        if from >= words.len() {
            continue;
        }
        let examples = match groups
            .iter()
            .find(|g| g.first().is_some_and(|r| r.start == from))
        {
            Some(group) => group.clone(),
            None => std::iter::once(from..from + 1).collect(),
        };
        if start == marker {
            // After a comma, examples that are nouns themselves ("richten
            // Fachveranstaltungen aus, etwa Kongresse, Konferenzen oder Foren") stand for
            // the clause's last noun, which is a reading on its own: they only
            // illustrate it. Examples with a preposition ("…, etwa in Projekten") say
            // how, and stay as they were.
            let Some(noun) = clause_noun(words, marker).filter(|_| is_noun(words[first])) else {
                continue;
            };
            out.push(std::iter::once(noun..noun + 1).chain(examples).collect());
            continue;
        }
        // The noun with its examples is one reading, as before; each example another.
        let end = examples.last().map_or(marker, |r| r.end);
        let group: Vec<Range<usize>> = std::iter::once(start..end).chain(examples).collect();
        out.push(group);
    }
    out
}

/// True when `word` is written as a German noun: capitalised, and no acronym ("KI").
fn is_noun(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    letters.first().is_some_and(|c| c.is_uppercase()) && letters.iter().any(|c| c.is_lowercase())
}

/// The position of the last noun ([`is_noun`]) of the clause that ends with a comma right
/// before the example marker at `marker`, when no preposition governs it: the object the
/// examples are of ("richten größere *Fachveranstaltungen* zu KI aus, etwa Kongresse"),
/// not a place or a purpose ("setzen KI in der Verwaltung ein, etwa Chatbots": the
/// chatbots are AI, not administration, so there is none). Not the clause's first word
/// (a question word or a verb), not a word for the states.
fn clause_noun(words: &[&str], marker: usize) -> Option<usize> {
    let end = marker.checked_sub(1)?;
    if !words[end].ends_with(',') {
        return None;
    }
    // A preposition among the lower-case words right before the noun.
    let governed = |i: usize| {
        (0..i)
            .rev()
            .take_while(|&j| !is_noun(words[j]) && !words[j].ends_with([',', ';']))
            .take(MAX_PHRASE_WORDS)
            .any(|j| PREPOSITIONS.contains(&preposition(&bare(words[j]))))
    };
    (1..=end)
        .rev()
        .take_while(|&i| i == end || !words[i].ends_with([',', ';']))
        .find(|&i| {
            is_noun(words[i])
                && !analyze(words[i]).is_empty()
                && !crate::retrieve::query::is_state_word(&bare(words[i]))
        })
        .filter(|&i| !governed(i))
}

/// Most lower-case words looked at before a noun for the preposition that governs it
/// ("in *der neuen* Verwaltung").
const MAX_PHRASE_WORDS: usize = 3;

/// German prepositions (contracted forms as [`preposition`] reads them).
const PREPOSITIONS: &[&str] = &[
    "in", "an", "auf", "bei", "mit", "zu", "für", "von", "über", "unter", "durch", "aus", "nach",
    "gegen", "um", "ohne", "vor", "hinter", "neben", "zwischen", "seit", "wegen", "trotz",
];

/// [`alternatives`] of `words`, where an example list of a noun ([`exemplified`])
/// stands with that noun among its alternatives.
fn readings(words: &[&str]) -> Vec<Vec<Range<usize>>> {
    let mut groups = alternatives(words);
    for group in exemplified(words, &groups) {
        groups.retain(|g| g.first() != group.get(1));
        groups.push(group);
    }
    groups
}

/// For each "A oder B" of `text` ([`alternatives`]), the analysed terms each
/// alternative names: its analysed words, unknown compounds split (German), or its
/// words' translations (English). With `with_examples`, also each noun with the
/// examples it names ([`readings`]).
fn alternative_words(
    index: &Index,
    text: &str,
    english: bool,
    translations: &[Translation],
    with_examples: bool,
) -> Vec<Vec<HashSet<String>>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let named = |range: &Range<usize>| -> HashSet<String> {
        let text = words[range.clone()].join(" ");
        if english {
            let lower: Vec<String> = letter_runs(&text).map(str::to_lowercase).collect();
            translations
                .iter()
                .filter(|t| lower.contains(&t.word))
                .flat_map(|t| t.terms.iter().cloned())
                .collect()
        } else {
            analyze(&split_unknown_compounds(index, &text).0)
                .into_iter()
                .collect()
        }
    };
    let groups = if with_examples {
        readings(&words)
    } else {
        alternatives(&words)
    };
    groups
        .iter()
        .map(|conjuncts| conjuncts.iter().map(named).collect())
        .collect()
}

/// For each choice of [`alternative_words`], the positions in `key` of the key terms
/// each alternative names.
fn alternative_terms(
    choices: &[Vec<HashSet<String>>],
    key: &[KeyTerm],
) -> Vec<Vec<HashSet<usize>>> {
    choices
        .iter()
        .map(|alternatives| {
            alternatives
                .iter()
                .map(|terms| {
                    (0..key.len())
                        .filter(|&i| key[i].forms.iter().any(|f| terms.contains(f)))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The positions in `key` of the key terms named by a choice one of whose alternatives
/// only frames the topic ([`is_topic_frame`]): "Gesundheit als *Einsatz-* oder
/// Förderfeld für KI" is met by every report that uses AI for health, so the choice is
/// no condition, and `Förderung` must not be one either.
fn met_choices(choices: &[Vec<HashSet<String>>], key: &[KeyTerm]) -> HashSet<usize> {
    let framing =
        |terms: &HashSet<String>| !terms.is_empty() && terms.iter().all(|t| is_topic_frame(t));
    choices
        .iter()
        .zip(alternative_terms(choices, key))
        .filter(|(alternatives, _)| alternatives.iter().any(framing))
        .flat_map(|(_, named)| named.into_iter().flatten())
        .collect()
}

/// The largest [`coverage`] over the topic's [`views`].
fn best_coverage(terms: &HashSet<String>, views: &[Vec<KeyTerm>]) -> f32 {
    views.iter().map(|v| coverage(terms, v)).fold(0.0, f32::max)
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

/// What else a comparison knows of the topic's words besides the documents.
#[derive(Debug, Clone, Copy)]
pub struct OtherWords<'a> {
    /// The topic's words translated into the documents' terms, when
    /// [`needs_translation`] (else unused).
    pub translations: &'a [Translation],
    /// German synonyms for a German topic's words ([`add_synonyms`]).
    pub thesaurus: Option<&'a Thesaurus>,
    /// The abbreviations the documents define: a German topic's long form is read with
    /// its abbreviation as an alternative ([`Abbreviations::as_alternatives`]).
    pub abbreviations: Option<&'a Abbreviations>,
    /// The documents' terms: a German topic's noun they use only inside compounds
    /// ("Haftung" in "Haftungsfragen") is a key term, not an unknown word
    /// ([`IndexTerms::compounds_of`]).
    pub index_terms: Option<&'a IndexTerms>,
    /// The English words the documents use for their German nouns: a German topic's
    /// noun also matches them ("Mobilität": `Mobility`).
    pub english_words: Option<&'a EnglishWords>,
    /// The documents the question names ([`crate::retrieve::query::documents_named`]: "laut ihren
    /// DMK-Berichten", "in their reports to the digital ministers' conference").
    pub named: &'a NamedDocuments,
}

/// Compares the states on `topic`; `question` is what was asked (it tells the
/// language), `question_vector` its embedding, and `words` the translations or
/// synonyms of the topic's words. With `for_judge`, each row's [`StateRow::ranked`]
/// holds its best [`JUDGED`] passages for an LLM judge; without, only the rule's
/// candidates (reading five passages a state costs a comparison about 8 ms).
pub fn compare(
    index: &Index,
    question: &str,
    topic: &str,
    question_vector: &[f32],
    words: OtherWords,
    policy: &ComparePolicy,
    for_judge: bool,
) -> Result<Comparison, IndexError> {
    let OtherWords {
        translations,
        thesaurus,
        abbreviations,
        index_terms,
        english_words,
        named,
    } = words;
    let store = &index.store;
    let n = store.chunks.len();
    let english = needs_translation(question, topic);
    let shown = topic;
    // "kleine und mittlere Unternehmen" is read as "… Unternehmen bzw. KMU" where the
    // documents define that abbreviation: a report writing "KMU" speaks of them.
    let expanded = abbreviations
        .filter(|_| !english)
        .map(|a| (a.as_alternatives(question), a.as_alternatives(topic)));
    let (question, topic) = match &expanded {
        Some((q, t)) => (q.as_str(), t.as_str()),
        None => (question, topic),
    };
    let split;
    let mut unknown = Vec::new();
    let mut synonyms = Vec::new();
    let mut english_words_counted = Vec::new();
    let (mut key, topic_words) = if english {
        (
            translated_key_terms(index, question, topic, translations, index_terms),
            topic,
        )
    } else {
        let compounds;
        (split, compounds) = split_unknown_compounds(index, topic);
        unknown = unknown_nouns(index, &split, question, index_terms);
        let mut key = key_terms(index, &split, &compounds, index_terms);
        if let Some(thesaurus) = thesaurus {
            synonyms = add_synonyms(index, thesaurus, &mut key);
        }
        if let Some(words) = english_words {
            english_words_counted = add_english(words, &split, &mut key);
        }
        (key, split.as_str())
    };
    let only_examples = if english {
        only_translated_examples(question, translations, &key)
    } else {
        only_examples(index, question, topic, &key)
    };
    if !unknown.is_empty() || only_examples {
        key.clear();
        synonyms.clear();
        english_words_counted.clear();
    }
    // The question keeps the commas of a list ("Rechenzentren, Supercomputer oder …"),
    // which the topic drops.
    let choices = alternative_words(index, question, english, translations, false);
    let met = met_choices(&choices, &key);
    if !met.is_empty() && met.len() < key.len() {
        let mut i = 0;
        key.retain(|_| {
            i += 1;
            !met.contains(&(i - 1))
        });
        let kept = |s: &Synonyms| {
            analyze(&s.word)
                .iter()
                .any(|t| key.iter().any(|k| k.forms.first() == Some(t)))
        };
        synonyms.retain(kept);
        english_words_counted.retain(kept);
    }
    // A noun and the examples it names are alternatives too ("Rechtsfragen wie Haftung
    // oder Urheberrecht"), though no condition is met by a frame noun among them. Not
    // in English: an example alone is then judged by a single word's translation,
    // whose senses ("liability": `Verantwortlichkeit`) read too much into a report.
    let readings = alternative_words(index, question, english, translations, !english);
    let views = views(&key, &alternative_terms(&readings, &key));
    let agents = AgentNouns::of(
        topic.split(|c: char| !c.is_alphabetic()).chain(
            translations
                .iter()
                .flat_map(|t| t.written.iter().map(String::as_str)),
        ),
        &views,
    );
    let all: Vec<usize> = (0..n).collect();
    let dense = index.backend.dense(question_vector, n, Some(&all))?;
    // An English topic is searched lexically by its translations; untranslated, its
    // words rarely occur in the German text and BM25 adds mostly noise.
    let translated: Vec<&str> = translations
        .iter()
        .flat_map(|t| t.written.iter().map(String::as_str))
        .collect();
    let (lexical_query, lexical_weight) = match (english, translated.is_empty()) {
        // A German topic with the forms of its key terms it does not write: hyphen
        // variants ("Start-ups" also as "Startups"), the singular of "Gütesiegeln", …
        (false, _) => {
            let mut query = topic_words.to_string();
            let written: HashSet<String> = analyze(topic_words).into_iter().collect();
            let mut variants: Vec<&str> = key
                .iter()
                .flat_map(|k| k.forms.iter().map(String::as_str))
                .filter(|f| !written.contains(*f))
                .collect();
            variants.dedup();
            for v in variants {
                query.push(' ');
                query.push_str(v);
            }
            (query, 1.0)
        }
        (true, false) => (translated.join(" "), 1.0),
        (true, true) => (topic.to_string(), 0.3),
    };
    // A German key term the documents rarely write alone is searched by the compounds
    // that hold it too: "Landwirtschaft" (alone only in a ministry's name) by Saxony's
    // "Landwirtschaftsverwaltung", whose passage the topic's words rank low otherwise.
    let lexical_query = match index_terms {
        Some(terms) if !english => {
            let mut query = lexical_query;
            let mut added = HashSet::new();
            for form in key.iter().flat_map(|k| k.forms.iter()) {
                if index.backend.doc_freq(form) > RARE_ALONE {
                    continue;
                }
                let compounds = terms.compounds_of(form);
                if compounds.len() <= MAX_SEARCHED_COMPOUNDS {
                    for c in compounds {
                        if added.insert(c) {
                            query.push(' ');
                            query.push_str(c);
                        }
                    }
                }
            }
            query
        }
        _ => lexical_query,
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
    let scope = named.docs.clone();
    // Passages of each state the rule reads.
    let read = policy.candidates.max(policy.complete_within);
    let mut rows = Vec::with_capacity(16);
    for state in StateCode::all() {
        let mut chunks: Vec<usize> = (0..n)
            .filter(|&i| store.chunks[i].state.as_deref() == Some(state.code()))
            .filter(|&i| scope.is_empty() || scope.contains(&store.chunks[i].doc))
            .collect();
        let passages = chunks.len();
        chunks.sort_by(|a, b| {
            let fa = fused.get(a).copied().unwrap_or(0.0);
            let fb = fused.get(b).copied().unwrap_or(0.0);
            fb.total_cmp(&fa).then(a.cmp(b))
        });
        let ranked: Vec<Candidate> = chunks
            .into_iter()
            .take(if for_judge { read.max(JUDGED) } else { read })
            .enumerate()
            .map(|(i, chunk)| {
                let text = store.chunk_text(chunk);
                let indexed = store.indexed_text(chunk);
                let passage_terms = agents.guard(&indexed, analyze(&without_portfolios(&indexed)));
                let (sentence, sentence_coverage) = best_sentence(text, &views, &agents);
                Candidate {
                    chunk,
                    rank: i + 1,
                    similarity: similarity.get(&chunk).copied().unwrap_or(0.0),
                    bm25: bm25.get(&chunk).copied().unwrap_or(0.0),
                    passage_coverage: best_coverage(&passage_terms, &views),
                    sentence,
                    sentence_coverage,
                }
            })
            .collect();
        let mut candidates: Vec<Candidate> = ranked
            .iter()
            .take(read)
            .filter(|c| c.rank <= policy.candidates || c.sentence_coverage >= COMPLETE)
            .cloned()
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
            ranked: ranked.into_iter().take(JUDGED).collect(),
        });
    }
    decide(&mut rows, policy);
    Ok(Comparison {
        topic: shown.to_string(),
        key_terms: {
            let mut seen = HashSet::new();
            key.into_iter()
                .flat_map(|k| k.forms)
                .filter(|f| seen.insert(f.clone()))
                .collect()
        },
        translations: if english {
            translations.to_vec()
        } else {
            Vec::new()
        },
        unknown,
        synonyms,
        english_words: english_words_counted,
        documents: scope,
        rows,
        judged: None,
    })
}

/// Passages a German key term may stand alone in and still be searched by its
/// compounds ([`compare`]); in more, it is searched as itself. With three the fixture
/// sets' figures stay as they were; with ten they found one state more and cited one
/// more wrong.
const RARE_ALONE: u64 = 3;

/// Most compounds of a key term the search adds; a term in more compounds is common
/// enough to be found as itself.
const MAX_SEARCHED_COMPOUNDS: usize = 30;

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

/// `text` without the portfolios of the ministries it names: "Staatsministerium für
/// Wirtschaft, Arbeit und Verkehr" co-authoring a strategy says nothing on traffic, and
/// "Bundesministerium für Digitales und Verkehr" funding a project nothing on it either.
/// A portfolio is what follows a word ending in "ministerium" and "für", "der" or "des":
/// capitalised words joined by commas, "und", "für", "der", "des", up to the first other
/// word (a verb, a parenthesis, a number). Its words become spaces, so that byte offsets
/// stay those of `text`.
fn without_portfolios(text: &str) -> std::borrow::Cow<'_, str> {
    const JOINS: &[&str] = &["und", "für", "der", "des"];
    let words: Vec<(usize, &str)> = text
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i + 1 < words.len() {
        let ministry = words[i]
            .1
            .trim_end_matches(|c: char| !c.is_alphabetic())
            .to_lowercase();
        let opens = ["für", "der", "des"].contains(&words[i + 1].1);
        if !(opens && (ministry.ends_with("ministerium") || ministry.ends_with("ministeriums"))) {
            i += 1;
            continue;
        }
        let start = words[i + 1].0;
        let mut end = start;
        let mut j = i + 1;
        while let Some(&(at, w)) = words.get(j) {
            let bare = w.trim_end_matches([',', ';', '.', ':', ')']);
            let name = bare.chars().next().is_some_and(char::is_uppercase)
                && bare.chars().all(|c| c.is_alphabetic() || c == '-');
            if !(name || JOINS.contains(&bare)) {
                break;
            }
            end = at + bare.len();
            j += 1;
            if bare.len() < w.len() && !w.ends_with(',') {
                break;
            }
        }
        spans.push(start..end);
        i = j;
    }
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        // One space per byte: offsets into `text` stay offsets into the result.
        out.extend(std::iter::repeat_n(' ', span.len()));
        at = span.end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

/// Key terms the analyser also gives a shorter noun: it drops the agent suffix "-er",
/// so "Gründer" is `grund`, as "Grund" is, and "Nutzer" `nutz`, as in "Nutzung". A
/// text's words count for such a term only when the text holds the agent noun
/// ("Gründerinnen", "Existenzgründer"), not for "Aus diesem Grund", "Hintergrund" or
/// "Grundschule".
#[derive(Debug, Default)]
struct AgentNouns {
    /// (term, the agent noun's letters: `grund`, `grunder`).
    nouns: Vec<(String, String)>,
    /// The other key terms' forms, which such a word still counts for ("Gründung":
    /// `grundung`).
    others: HashSet<String>,
}

impl AgentNouns {
    /// The agent nouns among a topic's `words` (German nouns, or the German words an
    /// English topic's words translate to) whose term is a key term of `views`.
    fn of<'a>(words: impl Iterator<Item = &'a str>, views: &[Vec<KeyTerm>]) -> AgentNouns {
        let forms: HashSet<&str> = views
            .iter()
            .flatten()
            .flat_map(|k| k.forms.iter().map(String::as_str))
            .collect();
        let mut nouns: Vec<(String, String)> = Vec::new();
        // Terms the topic also asks for as the shorter noun ("Lehre" beside "Lehrer").
        let mut wanted: HashSet<String> = HashSet::new();
        for word in words.filter(|w| w.chars().next().is_some_and(char::is_uppercase)) {
            let [term] = &analyze(word)[..] else {
                continue;
            };
            let letters = folded(word);
            let agent = ["er", "ern", "ers"]
                .iter()
                .any(|end| letters.strip_suffix(end) == Some(term.as_str()));
            if !agent {
                wanted.insert(term.clone());
            } else if forms.contains(term.as_str()) && !nouns.iter().any(|(t, _)| t == term) {
                nouns.push((term.clone(), format!("{term}er")));
            }
        }
        nouns.retain(|(t, _)| !wanted.contains(t));
        let others = forms
            .into_iter()
            .filter(|f| !nouns.iter().any(|(t, _)| t == f))
            .map(str::to_string)
            .collect();
        AgentNouns { nouns, others }
    }

    /// The analysed `terms` of `text`, where `text` does not hold an agent noun, with
    /// the words that would count for it made unmatchable, unless they count for
    /// another key term.
    fn guard(&self, text: &str, terms: Vec<String>) -> HashSet<String> {
        let mut out: HashSet<String> = terms.into_iter().collect();
        if self.nouns.is_empty() {
            return out;
        }
        let letters = folded(text);
        for (term, agent) in &self.nouns {
            if letters.contains(agent.as_str()) {
                continue;
            }
            let holds = |w: &str, t: &str| w == t || in_compound(w, t);
            out = out
                .into_iter()
                .map(|w| {
                    if holds(&w, term) && !self.others.iter().any(|o| holds(&w, o)) {
                        format!("\u{1}{w}\u{1}")
                    } else {
                        w
                    }
                })
                .collect();
        }
        out
    }
}

/// Lower case with the umlauts and "ß" written as the analyser writes them.
fn folded(text: &str) -> String {
    text.to_lowercase()
        .replace('ä', "a")
        .replace('ö', "o")
        .replace('ü', "u")
        .replace('ß', "ss")
}

/// The sentence of `text` with the largest share of the key terms (the first of equals;
/// sentences of fewer than four words only when nothing else holds a key term), or two
/// adjacent sentences of one paragraph when together they hold more: a statement often
/// names its subject in one sentence and the topic in the next ("Standorte des
/// Programms sind …").
fn best_sentence(text: &str, views: &[Vec<KeyTerm>], agents: &AgentNouns) -> (Range<usize>, f32) {
    // Ordered by: a long sentence with a key term, then coverage, then a long sentence.
    let order = |cov: f32, long: bool| (u8::from(long && cov > 0.0), cov, u8::from(long));
    let mut best: Option<(Range<usize>, f32, bool)> = None;
    // Each sentence is analysed once; a pair holds the terms of both.
    let sentences: Vec<(Range<usize>, HashSet<String>)> = sentence::split(text)
        .into_iter()
        .map(|r| {
            let sentence = &text[r.clone()];
            let terms = agents.guard(sentence, analyze(&without_portfolios(sentence)));
            (r, terms)
        })
        .collect();
    let pairs = sentences
        .windows(2)
        .filter(|w| !text[w[0].0.end..w[1].0.start].contains('\n'))
        .map(|w| {
            (
                w[0].0.start..w[1].0.end,
                w[0].1.union(&w[1].1).cloned().collect(),
            )
        });
    // Single sentences first, so that a pair wins only by holding more.
    for (range, terms) in sentences.iter().cloned().chain(pairs) {
        let long = text[range.clone()].split_whitespace().count() >= 4;
        let cov = best_coverage(&terms, views);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The word runs `read` finds in `text`, as text.
    fn runs(text: &str, read: fn(&[&str]) -> Vec<Vec<Range<usize>>>) -> Vec<Vec<String>> {
        let words: Vec<&str> = text.split_whitespace().collect();
        read(&words)
            .into_iter()
            .map(|c| c.into_iter().map(|r| words[r].join(" ")).collect())
            .collect()
    }

    fn spans(text: &str) -> Vec<Vec<String>> {
        runs(text, alternatives)
    }

    fn reading_spans(text: &str) -> Vec<Vec<String>> {
        runs(text, readings)
    }

    #[test]
    fn a_nouns_examples_are_its_alternatives() {
        // The noun with all its examples, then each example.
        assert_eq!(
            reading_spans(
                "Wie gehen die Länder mit Rechtsfragen wie Haftung oder Urheberrecht um?"
            ),
            [[
                "Rechtsfragen wie Haftung oder Urheberrecht",
                "Haftung",
                "Urheberrecht"
            ]]
        );
        // One example; the noun may have adjectives before it.
        assert_eq!(
            reading_spans("Welche Länder setzen auf große Sprachmodelle wie LLaMA?"),
            [["große Sprachmodelle wie LLaMA?", "LLaMA?"]]
        );
        // After a comma an example with a preposition says how, not of which noun: no
        // reading.
        assert_eq!(
            reading_spans("Welche Länder kooperieren, etwa in Projekten oder Zentren?"),
            [["Projekten", "Zentren?"]]
        );
        // Examples that are nouns stand for the clause's last noun, which is a reading
        // on its own (not "KI", not "Länder").
        assert_eq!(
            reading_spans(
                "Welche Länder richten Fachveranstaltungen zu KI aus, etwa Kongresse oder Foren?"
            ),
            [["Fachveranstaltungen", "Kongresse", "Foren?"]]
        );
        assert!(
            reading_spans("Welche Länder fördern KI-Projekte, etwa durch Zuschüsse?").is_empty()
        );
        // The examples are of the object, not of a place: "Verwaltung" stays a condition.
        assert!(
            reading_spans("Welche Länder setzen KI in der Verwaltung ein, etwa Chatbots?")
                .is_empty()
        );
        // "Wie" opening the question introduces no example.
        assert!(reading_spans("Wie fördern die Länder KI?").is_empty());
    }

    #[test]
    fn alternatives_are_the_word_runs_around_oder_bzw_and_or() {
        assert_eq!(
            spans("Welche Länder setzen KI in Schulen oder Hochschulen ein?"),
            [["Schulen", "Hochschulen"]]
        );
        // The right one starts after the connector's stop words and ends before the
        // next; the left one is no longer than the right.
        assert_eq!(
            spans("KI bei der Polizei bzw. bei der Aufklärung von Straftaten"),
            [["Polizei", "Aufklärung"]]
        );
        assert_eq!(
            spans("connect AI with floods or flood warnings, and for which states?"),
            [["floods", "flood warnings,"]]
        );
        // A list: each item before a comma is an alternative.
        assert_eq!(
            spans("Welche Länder nennen Rechenzentren, Supercomputer oder Hochleistungsrechner?"),
            [["Rechenzentren,", "Supercomputer", "Hochleistungsrechner?"]]
        );
        // An item may open with its article.
        assert_eq!(
            spans("AI for climate protection, the energy transition or environmental protection"),
            [[
                "climate protection,",
                "energy transition",
                "environmental protection"
            ]]
        );
        assert_eq!(
            spans("KI in der Verwaltung, der Polizei oder der Justiz"),
            [["Verwaltung,", "Polizei", "Justiz"]]
        );
        // ... or with the words the last one opens with ("im" is "in dem").
        assert_eq!(
            spans("KI an Schulen – im Unterricht, in den Lehrplänen oder in der Fortbildung"),
            [["Unterricht,", "Lehrplänen", "Fortbildung"]]
        );
        // An item opened by the right one's preposition runs back to it, however long.
        assert_eq!(
            spans(
                "sich mit der Zertifizierung von KI oder mit Gütesiegeln für Anwendungen befassen"
            ),
            [["Zertifizierung von KI", "Gütesiegeln"]]
        );
        assert_eq!(
            spans("KI in Schulen, in der beruflichen Bildung oder in Kitas"),
            [["Schulen,", "beruflichen Bildung", "Kitas"]]
        );
        // A name in parentheses names the noun before it again.
        assert_eq!(
            spans("discuss the European AI Regulation (AI Act) in their reports?"),
            [["AI Regulation", "(AI Act)"]]
        );
        assert_eq!(
            spans("fördern kleine und mittlere Unternehmen (KMU)?"),
            [["Unternehmen", "(KMU)?"]]
        );
        assert!(spans("fördern KI-Anwendungen, (etwa Chatbots)").is_empty());
        // Other stop words end the list: "Verwaltung" is no alternative here.
        assert_eq!(
            spans("KI in der Verwaltung, um Anträge oder Bescheide zu prüfen"),
            [["Anträge", "Bescheide"]]
        );
        // "und" between adjectives joins them in one alternative.
        assert_eq!(
            spans("den Mittelstand bzw. kleine und mittlere Unternehmen bei der Einführung"),
            [["Mittelstand", "kleine und mittlere Unternehmen"]]
        );
        // Nothing to choose: no connector, or nothing after it.
        assert!(spans("KI in Schulen und Hochschulen").is_empty());
        assert!(spans("Schulen oder").is_empty());
        assert!(spans("oder Hochschulen").is_empty());
    }

    #[test]
    fn a_ministrys_portfolio_is_no_statement_on_it() {
        let masked = |t: &str| {
            without_portfolios(t)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            masked(
                "mit dem Staatsministerium für Wirtschaft, Arbeit und Verkehr (SMWA), dem Staatsministerium der Justiz und für Demokratie erarbeitet"
            ),
            "mit dem Staatsministerium (SMWA), dem Staatsministerium erarbeitet"
        );
        // The portfolio ends at the first word that is no part of a name.
        assert_eq!(
            masked("Das Ministerium für Bildung hat KI in Schulen erprobt."),
            "Das Ministerium hat KI in Schulen erprobt."
        );
        assert_eq!(
            masked("Bundesministerium für Digitales und Verkehr) als auch"),
            "Bundesministerium ) als auch"
        );
        assert_eq!(
            masked("vom Bundesministerium für Bildung und Forschung. KI im Verkehr"),
            "vom Bundesministerium . KI im Verkehr"
        );
        // Offsets are kept; text without a ministry is returned as it is.
        let text = "Das Staatsministerium für Kultus erprobt KI im Verkehr";
        assert_eq!(without_portfolios(text).len(), text.len());
        assert!(matches!(
            without_portfolios("KI im Verkehr"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn an_agent_noun_is_not_the_shorter_noun_the_analyser_makes_of_it() {
        // "Gründer" and "Grund" are both `grund`; "Gründung" is a key term of its own.
        let views = vec![vec![term("grund"), term("grundung")]];
        let agents = AgentNouns::of(["Gründer", "Gründung", "für"].into_iter(), &views);
        assert_eq!(agents.nouns, [("grund".to_string(), "grunder".to_string())]);
        let terms = |text: &str| agents.guard(text, analyze(text));
        let cov = |text: &str| coverage(&terms(text), &views[0]);
        // The agent noun, inflected or in a compound, counts.
        assert_eq!(cov("Wir fördern Existenzgründer."), 0.5);
        assert_eq!(cov("Gründerinnen und Gründern helfen wir."), 0.5);
        // The shorter noun, alone or in a compound, does not; "Gründung" still does.
        assert_eq!(
            cov("Aus diesem Grund wurde eine Arbeitsgruppe gegründet."),
            0.0
        );
        assert_eq!(cov("Vor diesem Hintergrund fördern wir Grundschulen."), 0.0);
        assert_eq!(cov("Die Gründung von Firmen."), 0.5);
        // A topic that also names the shorter noun ("Lehrer" and "Lehre") wants it.
        let both = AgentNouns::of(["Lehrer", "Lehre"].into_iter(), &[vec![term("lehr")]]);
        assert!(both.nouns.is_empty());
        // A word that is no agent noun guards nothing ("Wasser" is `wass` + "er" but no
        // key term here; "Gründung" is no "-er" noun).
        let plain = AgentNouns::of(["Gründung", "Wasser"].into_iter(), &views);
        assert!(plain.nouns.is_empty());
        assert!(
            plain
                .guard("Aus diesem Grund", analyze("Aus diesem Grund"))
                .contains("grund")
        );
    }

    #[test]
    fn two_sentences_of_a_paragraph_count_together_only_when_they_hold_more() {
        let views = vec![vec![term("standort"), term("zentr")]];
        let pick = |text: &'static str| {
            let (range, cov) = best_sentence(text, &views, &AgentNouns::default());
            (&text[range], cov)
        };
        // The subject in one sentence, the topic in the next.
        let text =
            "Bayern baut vier neue Zentren auf. Standorte sind München und Würzburg. Sonst nichts.";
        assert_eq!(
            pick(text),
            (
                "Bayern baut vier neue Zentren auf. Standorte sind München und Würzburg.",
                1.0
            )
        );
        // Across a paragraph break they stay apart.
        let text = "Bayern baut vier neue Zentren auf.\nStandorte sind München und Würzburg.";
        assert_eq!(pick(text), ("Bayern baut vier neue Zentren auf.", 0.5));
        // One sentence that holds both beats the pair it is part of.
        let text =
            "Die Zentren haben Standorte in München und Würzburg. Sie starten bald gemeinsam.";
        assert_eq!(
            pick(text),
            ("Die Zentren haben Standorte in München und Würzburg.", 1.0)
        );
    }

    fn term(t: &str) -> KeyTerm {
        KeyTerm {
            forms: vec![t.to_string()],
            idf: 1.0,
            with: None,
        }
    }

    #[test]
    fn a_choice_with_an_alternative_that_only_frames_the_topic_is_met() {
        let set =
            |terms: &[&str]| -> HashSet<String> { terms.iter().map(|t| t.to_string()).collect() };
        let key = vec![term("medizin"), term("pfleg"), term("ford")];
        // "Medizin oder Pflege als Einsatz- oder Förderfeld": the second choice is met
        // by every report ("Einsatz" frames the topic), the first is not.
        let choices = vec![
            vec![set(&["medizin"]), set(&["pfleg"])],
            vec![set(&["einsatz"]), set(&["ford", "feld"])],
        ];
        assert_eq!(met_choices(&choices, &key), HashSet::from([2]));
        // An alternative of no known word is unreadable, not met.
        let choices = vec![vec![set(&[]), set(&["ford"])]];
        assert!(met_choices(&choices, &key).is_empty());
        // Nor is one with a topic word beside a frame word.
        let choices = vec![vec![set(&["einsatz", "pfleg"]), set(&["ford"])]];
        assert!(met_choices(&choices, &key).is_empty());
    }

    fn view_terms(key: &[KeyTerm], holds: &[Vec<HashSet<usize>>]) -> Vec<Vec<String>> {
        views(key, holds)
            .into_iter()
            .map(|v| v.into_iter().map(|k| k.forms[0].clone()).collect())
            .collect()
    }

    #[test]
    fn each_view_is_one_alternative_with_the_rest_of_the_topic() {
        let key = [term("schulung"), term("behord"), term("verwalt")];
        let set = |v: &[usize]| v.iter().copied().collect::<HashSet<usize>>();
        // "Schulungen in Behörden oder Verwaltung".
        assert_eq!(
            view_terms(&key, &[vec![set(&[1]), set(&[2])]]),
            [vec!["schulung", "behord"], vec!["schulung", "verwalt"]]
        );
        // "floods or flood warnings": a term in both alternatives stays in both views.
        let key = [term("hochwass"), term("warnung")];
        assert_eq!(
            view_terms(&key, &[vec![set(&[0]), set(&[0, 1])]]),
            [vec!["hochwass"], vec!["hochwass", "warnung"]]
        );
        // An alternative without a key term ("Dürre", which no document uses) is no
        // view; without alternatives the topic is its only view.
        assert_eq!(
            view_terms(&key, &[vec![set(&[0]), set(&[])]]),
            [vec!["hochwass", "warnung"]]
        );
        assert_eq!(view_terms(&key, &[]), [vec!["hochwass", "warnung"]]);
        // Two connectors: every combination, at most MAX_VIEWS.
        let key: Vec<KeyTerm> = ["a", "b", "c", "d"].into_iter().map(term).collect();
        let two = [vec![set(&[0]), set(&[1])], vec![set(&[2]), set(&[3])]];
        assert_eq!(view_terms(&key, &two).len(), 4);
        let many: Vec<Vec<HashSet<usize>>> = (0..6).map(|_| vec![set(&[0]), set(&[1])]).collect();
        assert!(views(&key, &many).len() <= MAX_VIEWS);
    }
}
