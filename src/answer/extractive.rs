//! Hits → a short answer made of the passages' own sentences, each followed by `[n]`,
//! or an honest abstention when the evidence is too weak.
//!
//! **Invariant:** every sentence of the answer is verbatim text of the passage it cites;
//! an abstained answer cites nothing as support.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::corpus::sentence;
use crate::index::Index;
use crate::index::lexical::{analyze, analyze_with, analyzer};
use crate::retrieve::compound::IndexTerms;
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
/// holds one next to the question's key terms ("Wie viele X": a number before X,
/// [`counts`]). A German question is also abstained on
/// when the best passages do not hold its *focus*: the IDF-weighted share of its
/// specific nouns (see [`focus_terms`]) that the passages hold, as a word, as part of a
/// compound, or part by part ([`supports`]), is below
/// [`AbstainPolicy::min_focus_support`]. A question about something the documents never
/// name ([`Evidence::unknown`]: "Bibliotheken", "Rundfunkbeitrag", "libraries") is
/// abstained on whatever else the passages hold: they cannot be about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbstainPolicy {
    /// Abstain when the best passage's cosine similarity to a German question is below this.
    pub min_similarity: f32,
    /// The same for an English question.
    pub min_similarity_english: f32,
    /// Abstain when the best passages hold less than this IDF-weighted share of a German
    /// question's terms.
    pub min_term_coverage: f32,
    /// Abstain when the best passages hold less than this IDF-weighted share of a German
    /// question's focus terms (a term the documents never use weighs most).
    pub min_focus_support: f32,
}

impl Default for AbstainPolicy {
    fn default() -> Self {
        AbstainPolicy {
            min_similarity: 0.83,
            min_similarity_english: 0.78,
            min_term_coverage: 0.2,
            min_focus_support: 0.3,
        }
    }
}

impl AbstainPolicy {
    /// True when the evidence for `question` is too weak to answer.
    pub fn abstains(&self, question: &str, ev: &Evidence) -> bool {
        if ev.fact_found == Some(false) {
            return true;
        }
        if !ev.unknown.is_empty() {
            return true;
        }
        if looks_english(question) {
            ev.best_similarity < self.min_similarity_english
        } else {
            ev.best_similarity < self.min_similarity
                || ev.term_coverage < self.min_term_coverage
                || ev.focus_support < self.min_focus_support
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
    /// When abstained: the question's words for something the documents never use
    /// ([`Evidence::unknown`]), which say why.
    pub unknown_words: Vec<String>,
}

/// Evidence strength of a hit list: best similarity and question-term coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Highest cosine similarity among the hits.
    pub best_similarity: f32,
    /// Share of the question's content terms found in the top passages (0..=1).
    pub term_coverage: f32,
    /// For a German question after a number or a date ("Wie viele …", "Seit wann …"):
    /// whether a sentence of the top passages holds one next to a term of the question.
    pub fact_found: Option<bool>,
    /// IDF-weighted share of the question's focus terms the top passages hold (0..=1;
    /// 1 when no specific focus term is missing, and for English questions).
    pub focus_support: f32,
    /// The words of the question naming something the documents never use: a German
    /// question's focus nouns ([`unknown_words`]), an English question's topic words
    /// without a German term of theirs
    /// ([`crate::engine::Engine::untranslated_words`]).
    pub unknown: Vec<String>,
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
    let year = is_year;
    match kind {
        // A year answers "when", not "how many".
        Wanted::Quantity => words.iter().any(|w| {
            (w.chars().any(|c| c.is_ascii_digit()) && !year(w))
                || NUMBER_WORDS.contains(&w.as_str())
        }),
        Wanted::Time => words
            .iter()
            .any(|w| MONTHS.contains(&w.as_str()) || year(w)),
    }
}

/// For German number and time questions: is there a sentence in the top passages with
/// such a fact and one of the question's terms (that occur in the documents at all, state
/// names aside)? English questions share too few words with the text to tell.
fn fact_found(
    index: &Index,
    question: &str,
    counted: Option<&[String]>,
    hits: &[Hit],
) -> Option<bool> {
    if looks_english(question) {
        // Only "how many", by the German terms of the noun it counts.
        let terms = counted.filter(|t| !t.is_empty())?;
        return Some(any_sentence(index, hits, |s| {
            terms.iter().any(|t| counts(s, t))
        }));
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
    let counted = counted_noun(question);
    Some(any_sentence(index, hits, |s| match &counted {
        Some(noun) => counts(s, noun),
        None => {
            let terms: HashSet<String> = analyze(s).into_iter().collect();
            holds(s, kind) && key.iter().any(|t| terms.contains(t))
        }
    }))
}

/// True when a sentence of the passages an answer is made of satisfies `wanted`.
fn any_sentence(index: &Index, hits: &[Hit], wanted: impl Fn(&str) -> bool) -> bool {
    hits.iter().take(ANSWER_PASSAGES).any(|h| {
        let text = index.store.chunk_text(h.chunk);
        sentence::split(text).into_iter().any(|r| wanted(&text[r]))
    })
}

/// The analysed noun a German "Wie viele …" question counts: the first capitalised word
/// after it, adjectives skipped, by its last part ("Wie viele neue KI-Professuren" →
/// `professur`).
fn counted_noun(question: &str) -> Option<String> {
    let words: Vec<&str> = question.split_whitespace().collect();
    let at = words.windows(2).position(|w| {
        w[0].eq_ignore_ascii_case("wie") && w[1].trim_end_matches([',', '?']) == "viele"
    })?;
    let noun = words[at + 2..]
        .iter()
        .take(MAX_COUNT_GAP + 1)
        .find(|w| w.chars().next().is_some_and(char::is_uppercase))?;
    let head = noun.rsplit(['-', '‐']).next().unwrap_or(noun);
    analyze(head).pop()
}

/// The words of the noun phrase an English "how many" question counts, lower case: those
/// after "how many" up to an auxiliary, a preposition or a comma, at most
/// [`MAX_COUNTED_WORDS`] ("How many new AI professorships does Saxony …" → "new", "ai",
/// "professorships"); empty for any other question.
pub fn counted_english_words(question: &str) -> Vec<String> {
    let words: Vec<&str> = question.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let Some(at) = words
        .windows(2)
        .position(|w| bare(w[0]) == "how" && bare(w[1]) == "many" && !w[1].ends_with(','))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for w in &words[at + 2..] {
        let word = bare(w);
        if word.is_empty() || ENDS_COUNTED.contains(&word.as_str()) {
            break;
        }
        out.push(word);
        if out.len() == MAX_COUNTED_WORDS || w.ends_with([',', '?', ';']) {
            break;
        }
    }
    out
}

/// Most words of the noun phrase an English "how many" question counts.
const MAX_COUNTED_WORDS: usize = 3;

/// Words that end the noun phrase after "how many".
const ENDS_COUNTED: &[&str] = &[
    "does", "do", "did", "has", "have", "had", "is", "are", "was", "were", "will", "would", "can",
    "could", "should", "at", "in", "for", "of", "with", "on", "by", "from", "to", "work", "works",
    "exist", "exists",
];

/// Most words between a number and the noun it counts ("22 % aller *Lehrkräfte*",
/// "100 neue *Professuren*").
const MAX_COUNT_GAP: usize = 2;

/// True when `sentence` has a number (not a year) followed within [`MAX_COUNT_GAP`]
/// words by a word that holds the analysed `noun`: "Mit über 350 Mitgliedern ist
/// Silicon Saxony …" counts members; "die vier Antragspartner – TU Chemnitz, Professur
/// Fabrikplanung …" counts no professorships.
fn counts(sentence: &str, noun: &str) -> bool {
    let words: Vec<String> = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let number = |w: &str| {
        (w.chars().all(|c| c.is_ascii_digit()) && !is_year(w)) || NUMBER_WORDS.contains(&w)
    };
    // The first parts of a list of compounds and the words joining them are no gap:
    // "100 Entwicklungs-, Kooperations- oder sonstige Projekte".
    let joins = |w: &str| w.ends_with('-') || ["und", "oder", "sowie", "bzw"].contains(&w);
    let mut analyser = analyzer();
    words.iter().enumerate().any(|(i, w)| {
        number(w)
            && words[i + 1..]
                .iter()
                .filter(|next| !joins(next))
                .take(MAX_COUNT_GAP + 1)
                .any(|next| {
                    let terms: HashSet<String> =
                        analyze_with(&mut analyser, next).into_iter().collect();
                    holds_term(&terms, noun)
                })
    })
}

/// True for a four-digit year of the 20th or 21st century.
fn is_year(w: &str) -> bool {
    w.len() == 4
        && (w.starts_with("19") || w.starts_with("20"))
        && w.chars().all(|c| c.is_ascii_digit())
}

/// Measures how well the top hits cover the question. Term coverage weighs each
/// question term by its rarity (IDF), so that `Länder` or `KI` count little and the
/// words that carry the question count much.
/// `unknown` is [`Evidence::unknown`]; `counted`, for an English "how many" question,
/// the German terms of the noun it counts ([`counted_english_words`]).
pub fn evidence(
    index: &Index,
    question: &str,
    unknown: &[String],
    counted: Option<&[String]>,
    hits: &[Hit],
) -> Evidence {
    let split = split_question(index, question);
    evidence_of(index, question, &split, unknown, counted, hits)
}

/// `question` with each German compound the documents do not use written as its parts
/// they do ("Hochwasserwarnungen" → "Hochwasser Warnungen"), as the search looks for
/// them; an English question as it is.
fn split_question<'a>(index: &Index, question: &'a str) -> Cow<'a, str> {
    if looks_english(question) {
        Cow::Borrowed(question)
    } else {
        Cow::Owned(crate::retrieve::compound::split_unknown_compounds(index, question).0)
    }
}

/// [`evidence`] for a question already split ([`split_question`]): the term coverage
/// counts a compound's parts; the focus holds such a compound only part by part.
fn evidence_of(
    index: &Index,
    question: &str,
    split: &str,
    unknown: &[String],
    counted: Option<&[String]>,
    hits: &[Hit],
) -> Evidence {
    let best_similarity = hits
        .iter()
        .filter_map(|h| h.dense_score)
        .fold(0.0, f32::max);
    let terms: HashSet<String> = analyze(split).into_iter().collect();
    let found: HashSet<String> = hits
        .iter()
        .take(ANSWER_PASSAGES)
        .flat_map(|h| analyze(&index.store.indexed_text(h.chunk)))
        .collect();
    // The focus may be held by any passage cited.
    let cited: HashSet<String> = hits
        .iter()
        .flat_map(|h| analyze(&index.store.indexed_text(h.chunk)))
        .collect();
    let weight = |t: &String| index.backend.idf(t);
    let total: f32 = terms.iter().map(weight).sum();
    // A loan word counts in either number ("Rechenzentren", "Rechenzentrum"), which the
    // analyser keeps apart.
    let other = |t: &String| crate::answer::compare::other_number(index, t);
    let covered: f32 = terms
        .iter()
        .filter(|t| found.contains(*t) || other(t).is_some_and(|o| found.contains(&o)))
        .map(weight)
        .sum();
    let focus_support = if looks_english(question) {
        1.0
    } else {
        let focus = focus_terms(index, question);
        let total: f32 = focus.iter().map(|t| index.backend.idf(t)).sum();
        let (held, missing): (Vec<&String>, Vec<&String>) = focus
            .iter()
            .partition(|t| supports(&cited, t) || other(t).is_some_and(|o| supports(&cited, &o)));
        // A generic word of the corpus ("Projekte" in reports on AI projects) that the
        // passages happen to lack says little; only a missing specific one counts.
        let specific = (index.store.chunks.len() as f32 * MAX_SPECIFIC_SHARE) as u64;
        let held: f32 = held.iter().map(|t| index.backend.idf(t)).sum();
        if total > 0.0
            && missing
                .iter()
                .any(|t| index.backend.doc_freq(t) <= specific)
        {
            held / total
        } else {
            1.0
        }
    };
    Evidence {
        best_similarity,
        term_coverage: if total > 0.0 { covered / total } else { 0.0 },
        fact_found: fact_found(index, question, counted, hits),
        focus_support,
        unknown: unknown.to_vec(),
    }
}

/// A focus term is *specific* when it occurs in at most this share of the passages (or
/// nowhere); focus support counts only when a specific one is missing.
const MAX_SPECIFIC_SHARE: f32 = 0.05;

/// Question words, capitalised at the start of a question but no part of its focus.
const QUESTION_WORDS: &[&str] = &[
    "wer", "wen", "wem", "wessen", "was", "wann", "wo", "woher", "wohin", "worum", "wofür",
    "womit", "wozu", "woran", "wodurch", "worin", "wie", "warum", "weshalb", "wieso", "welche",
    "welcher", "welches", "welchen", "welchem", "seit", "bis",
];

/// Nouns that say what kind of answer is wanted ("Nach welchen *Grundsätzen* …",
/// "Welche *Rolle* …"), not what it is about: a passage answers with its own words.
const ANSWER_TYPE_NOUNS: &[&str] = &[
    "Art",
    "Weise",
    "Grundsatz",
    "Grundsätze",
    "Prinzip",
    "Prinzipien",
    "Aufgabe",
    "Aufgaben",
    "Rolle",
    "Ziel",
    "Ziele",
    "Maßnahme",
    "Maßnahmen",
    "Stand",
    "Beispiel",
    "Beispiele",
    "Bereich",
    "Bereiche",
    "Thema",
    "Themen",
    "Schwerpunkt",
    "Schwerpunkte",
    "Frage",
    "Fragen",
    "Möglichkeit",
    "Möglichkeiten",
    "Ansatz",
    "Ansätze",
    "Form",
    "Rahmen",
    "Umfang",
    "Zweck",
    "Inhalt",
    "Inhalte",
    "Ergebnis",
    "Ergebnisse",
    "Vorteil",
    "Vorteile",
    "Punkt",
    "Punkte",
    "Angabe",
    "Angaben",
    "Information",
    "Informationen",
    "Details",
    "Überblick",
    "Betrag",
    "Beträge",
    "Summe",
    "Summen",
    "Höhe",
];

/// Words that name the documents themselves ("laut ihren Berichten", "in der
/// KI-Strategie"): besides these, the words of the catalog's titles.
const DOCUMENT_WORDS: &[&str] = &[
    "Bericht",
    "Berichte",
    "Berichten",
    "Dokument",
    "Dokumente",
    "laut",
];

/// True when the analysed `term` is that of a question word, an answer-type noun
/// ("Art", "Beträge") or a word naming the documents ("Bericht"): it says what kind of
/// answer is wanted or where to look, not what the answer is about.
pub fn is_frame_term(term: &str) -> bool {
    static FRAME: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    FRAME
        .get_or_init(|| {
            [QUESTION_WORDS, ANSWER_TYPE_NOUNS, DOCUMENT_WORDS]
                .iter()
                .flat_map(|words| words.iter().flat_map(|w| analyze(w)))
                .collect()
        })
        .contains(term)
}

/// The *focus* of a German question: the analysed terms of its nouns (words in upper
/// case) without question words, answer-type nouns, the words that name a state or the
/// documents (catalog titles), terms in more than half of the passages, and the joined
/// form of a hyphenated compound whose parts are terms. Terms the documents never use
/// are kept: they are what the documents cannot answer.
pub fn focus_terms(index: &Index, question: &str) -> Vec<String> {
    let mut excluded: HashSet<String> = crate::retrieve::detect_states(question)
        .iter()
        .flat_map(|n| analyze(&n.phrase))
        .collect();
    for doc in &index.store.docs {
        excluded.extend(analyze(&doc.title));
        excluded.extend(analyze(&doc.short_title));
    }
    excluded.extend(hyphen_joins(question));
    let nouns = noun_words(question);
    let half = (index.store.chunks.len() / 2) as u64;
    let mut seen = HashSet::new();
    analyze(&nouns.join(" "))
        .into_iter()
        .filter(|t| !excluded.contains(t) && !is_frame_term(t) && index.backend.doc_freq(t) <= half)
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

/// Shortest word (or part of a hyphenated word) [`unknown_words`] looks at: "X" in
/// "GAIA-X" names nothing the documents could lack.
const MIN_UNKNOWN_LETTERS: usize = 4;

/// The nouns of a German question's focus ([`focus_terms`]) that the documents never
/// use, as the question writes them: no term of a passage, not inside a compound of
/// theirs as its head or first part ([`IndexTerms::compounds_of`]: "Pflichten" is in
/// "Transparenzpflichten"), not the start or end of a word of theirs as written
/// ([`IndexTerms::begins_or_ends_a_word`]: "Kliniken" ends "Unikliniken"), and not made
/// of parts whose terms they use ([`split_compound`]: "Fachkräftemangel" is
/// "Fachkräfte" + "Mangel"), nor the singular of a Latin plural of theirs ("Museen":
/// "Museum"): [`documents_use`]. Each part of a hyphenated word counts on its own
/// ("Open-Source-Lizenz": "Lizenz").
pub fn unknown_words(index: &Index, index_terms: &IndexTerms, question: &str) -> Vec<String> {
    let focus: HashSet<String> = focus_terms(index, question).into_iter().collect();
    let mut unknown: Vec<String> = Vec::new();
    for noun in noun_words(question) {
        for part in noun.split(['-', '‐', '‑', '/']) {
            let part = part.trim_matches(|c: char| !c.is_alphanumeric());
            if part.chars().count() < MIN_UNKNOWN_LETTERS
                || !part.chars().all(char::is_alphabetic)
                || !analyze(part).iter().any(|t| focus.contains(t))
                || documents_use(index, index_terms, part)
                || unknown.iter().any(|u| u == part)
            {
                continue;
            }
            unknown.push(part.to_string());
        }
    }
    unknown
}

/// True when the documents use `word` (German, or a name as they write it): its terms as
/// words of theirs or inside their compounds ([`IndexTerms::compounds_of`]), the word at
/// the start or end of one of theirs as written ([`IndexTerms::begins_or_ends_a_word`]),
/// its parts ([`split_compound`]; a part of six letters or more also at such an edge, a
/// shorter one only as a term: "Rundfunk" is no "rund" + "Funk" of "Mobilfunk"), or the
/// same for the singular of a Latin plural ([`latin_singulars`]).
pub fn documents_use(index: &Index, index_terms: &IndexTerms, word: &str) -> bool {
    let used = |term: &str| index.backend.doc_freq(term) > 0 || index_terms.has_compounds(term);
    // One analyser for the many parts a split tries.
    let analyser = std::cell::RefCell::new(analyzer());
    let known = |word: &str| {
        let terms = analyze_with(&mut analyser.borrow_mut(), word);
        !terms.is_empty() && terms.iter().all(|t| used(t))
    };
    let part_known = |part: &str| {
        known(part) || (part.chars().count() >= 6 && index_terms.begins_or_ends_a_word(part))
    };
    let used_word = |word: &str| {
        known(word)
            || index_terms.begins_or_ends_a_word(word)
            || split_compound(word, &part_known).is_some_and(|parts| parts.len() > 1)
    };
    used_word(word) || latin_singulars(word).any(|s| used_word(&s))
}

/// The singulars a plural in "-en" may have when its stem is Latin or Greek, which the
/// stemmer does not join to it: "Museen" → "Museum", "Gremien" → "Gremium", "Themen" →
/// "Thema", "Szenarien" → "Szenario".
fn latin_singulars(word: &str) -> impl Iterator<Item = String> + '_ {
    word.strip_suffix("en")
        .into_iter()
        .flat_map(|stem| ["um", "a", "o"].map(|ending| format!("{stem}{ending}")))
}

/// The words of German `text` that are nouns or names: those written in upper case,
/// without the adjective after a hyphen ("KI-gestützter Desinformation" → "KI",
/// "Desinformation"): a lower-case part that ends like an adjective or participle
/// (`-t`, `-te`, `-ter`, `-ig`, `-lich`, `-isch`, `-bar`, …) describes, it names nothing.
/// Lower-case parts of nouns ("Start-ups", "Know-how") stay.
pub fn noun_words(text: &str) -> Vec<String> {
    const ADJECTIVE_ENDINGS: &[&str] = &["t", "ig", "lich", "isch", "bar", "haft", "los"];
    const INFLECTIONS: &[&str] = &["", "e", "er", "es", "en", "em"];
    const HYPHENS: [char; 3] = ['-', '‐', '‑'];
    let adjectival = |part: &str| {
        let lower = part.to_lowercase();
        part.chars().next().is_some_and(char::is_lowercase)
            && part.chars().count() >= 5
            && INFLECTIONS.iter().any(|inflection| {
                lower
                    .strip_suffix(inflection)
                    .is_some_and(|stem| ADJECTIVE_ENDINGS.iter().any(|e| stem.ends_with(e)))
            })
    };
    // A word without a hyphen is one part, upper case, so it stays whole.
    text.split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .map(|word| {
            word.split_inclusive(HYPHENS)
                .filter(|part| !adjectival(part.trim_end_matches(HYPHENS)))
                .collect::<String>()
                .trim_end_matches(HYPHENS)
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The joined forms of a text's hyphenated compounds whose parts are terms of their own
/// (`KI-Professuren` → `kiprofessur`, counted as `ki` and `professur`).
pub fn hyphen_joins(text: &str) -> HashSet<String> {
    let mut joined = HashSet::new();
    for word in text.split_whitespace() {
        let parts: Vec<&str> = word.split(['-', '@', '‐', '‑']).collect();
        if parts.len() > 1 {
            let part_terms: HashSet<String> = parts.iter().flat_map(|p| analyze(p)).collect();
            joined.extend(
                analyze(word)
                    .into_iter()
                    .filter(|t| !part_terms.contains(t)),
            );
        }
    }
    joined
}

pub use crate::index::lexical::MIN_COMPOUND_PART;
use crate::index::lexical::{MIN_HEAD, in_compound, split_compound};
/// Shortest modifier when a compound term is matched part by part.
const MIN_MODIFIER: usize = 3;

/// Most letters a word of the text may have after a compound's head and still be that
/// head alone: the suffix the analyser keeps on the word alone (`warnung`) but strips
/// from the compound (`hochwasserwarn`); "gleichzeitig" is no "Gleichheit".
const MAX_SUFFIX: usize = 3;

/// True when the analysed words of a text hold `term`: as a word, or (for a term of at
/// least [`MIN_COMPOUND_PART`] letters) as the head or the first part of a German
/// compound (`Zentren` in `Exzellenzzentren`, `Polizei` in `Polizeipräsidium`). A first
/// part needs a head of [`MIN_HEAD`] letters or more after it: `schul` ("Schulen") is not
/// in `schulung`, whose rest is a suffix.
pub fn holds_term(words: &HashSet<String>, term: &str) -> bool {
    words.contains(term) || words.iter().any(|w| in_compound(w, term))
}

/// True when the analysed words of a text support a focus term: [`holds_term`]; the term
/// begins one of the words (stems of one word differ: `mus` for "Museen", `museum` for
/// "Museum") or, from [`MIN_COMPOUND_PART`] letters, lies inside one (`ministeri` in
/// "Staatsministerium"); or a compound term whose head the words hold (as a word, its end
/// or its beginning) and whose modifier (without a linking `s`) begins one of the words:
/// `landesstrategi` is supported by "landeseigene KI-Strategie", `steuerverwalt` is not
/// by "Verwaltung" alone.
pub fn supports(words: &HashSet<String>, term: &str) -> bool {
    let begins = |part: &str| words.iter().any(|w| w.starts_with(part));
    let letters = term.chars().count();
    if holds_term(words, term)
        || (letters >= MIN_MODIFIER && begins(term))
        || (letters >= MIN_COMPOUND_PART && words.iter().any(|w| w.contains(term)))
    {
        return true;
    }
    let chars: Vec<(usize, char)> = term.char_indices().collect();
    (MIN_MODIFIER..chars.len().saturating_sub(MIN_HEAD - 1)).any(|i| {
        let (modifier, head) = term.split_at(chars[i].0);
        let head_held = words.contains(head)
            || words
                .iter()
                .any(|w| w.len() > head.len() && (w.ends_with(head) || w.starts_with(head)));
        let stem = modifier.strip_suffix('s').unwrap_or(modifier);
        // With the head a word of the text, or one with a suffix of a few letters more
        // (`warn` of the compound, `warnung` alone), also the modifier as the analyser
        // writes it alone ("Hochwasserwarnungen" by "Warnung vor drohendem Hochwasser":
        // `hochwass`).
        let head_a_word = words
            .iter()
            .any(|w| w.starts_with(head) && w.len() - head.len() <= MAX_SUFFIX);
        let analysed = head_a_word
            .then(|| analyze(modifier).pop())
            .flatten()
            .unwrap_or_default();
        head_held
            && [modifier, stem, analysed.as_str()]
                .iter()
                .any(|m| m.chars().count() >= MIN_MODIFIER && begins(m))
    })
}

/// Builds the answer from the ranked hits. `translated` is an English question's German
/// terms ([`crate::engine::Engine::translated_query`]): its sentences are picked by them
/// too (whether to abstain is still decided on the question itself). `unknown` and
/// `counted` are [`evidence`]'s.
pub fn answer(
    index: &Index,
    question: &str,
    translated: Option<&str>,
    unknown: &[String],
    counted: Option<&[String]>,
    hits: &[Hit],
    policy: &AbstainPolicy,
) -> Answer {
    let split = split_question(index, question);
    let ev = evidence_of(index, question, &split, unknown, counted, hits);
    if hits.is_empty() || policy.abstains(question, &ev) {
        return Answer {
            text: ABSTAIN_TEXT.to_string(),
            abstained: true,
            unknown_words: ev.unknown,
        };
    }
    // As the evidence reads it: a compound the documents do not use by its parts.
    let terms: HashSet<String> = analyze(&split)
        .into_iter()
        .chain(translated.map(analyze).unwrap_or_default())
        .collect();
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
        unknown_words: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjective_after_a_hyphen_is_no_noun() {
        assert_eq!(
            noun_words("Welche Länder nutzen KI-gestützte Verfahren gegen KI-basierter Betrug?"),
            ["Welche", "Länder", "KI", "Verfahren", "KI", "Betrug?"]
        );
        // Lower-case parts of nouns stay, and so do nouns after a hyphen.
        assert_eq!(
            noun_words("KI-Start-ups, Know-how und die KI-Strategie"),
            ["KI-Start-ups,", "Know-how", "KI-Strategie"]
        );
    }

    fn words(ws: &[&str]) -> HashSet<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_compound_is_supported_by_its_parts_only_when_both_occur() {
        let landeseigene_strategie = words(&["landeseig", "kistrategi"]);
        assert!(supports(&landeseigene_strategie, "landesstrategi"));
        assert!(supports(&words(&["polizeiprasidium"]), "polizei"));
        assert!(supports(&words(&["staatsministerium"]), "ministeri"));
        assert!(supports(&words(&["museum"]), "mus"));
        assert!(!supports(&words(&["verwalt", "kianwend"]), "steuerverwalt"));
        assert!(!supports(&words(&["supercomput"]), "grafikprozessor"));
        // The modifier as the analyser writes it alone, when the head is a word:
        // "Warnung vor drohendem Hochwasser" supports "Hochwasserwarnungen".
        let flood_warning = analyze("Hochwasserwarnungen").pop().expect("a term");
        let text: HashSet<String> = analyze("der Warnung vor drohendem Hochwasser")
            .into_iter()
            .collect();
        assert!(supports(&text, &flood_warning));
        // "Chancen" and "gleichzeitig" are no "Chancengleichheit".
        let equal_chances = analyze("Chancengleichheit").pop().expect("a term");
        let text: HashSet<String> = analyze("viele Chancen, gleichzeitig Risiken")
            .into_iter()
            .collect();
        assert!(!supports(&text, &equal_chances));
    }

    #[test]
    fn a_term_is_held_as_a_word_or_a_compound_part_not_before_a_suffix() {
        assert!(holds_term(&words(&["polizei"]), "polizei"));
        assert!(holds_term(&words(&["polizeiprasidium"]), "polizei"));
        assert!(holds_term(&words(&["exzellenzzentr"]), "zentr"));
        // "Schulungen" is no school: its rest after `schul` is a suffix.
        assert!(!holds_term(&words(&["schulung"]), "schul"));
        assert!(holds_term(&words(&["schulbuch"]), "schul"));
        // Short terms match only as whole words.
        assert!(!holds_term(&words(&["kistrategi"]), "ki"));
    }

    #[test]
    fn a_year_is_no_quantity() {
        assert!(!holds(
            "Der Rechner wurde im Frühjahr 2023 errichtet.",
            Wanted::Quantity
        ));
        assert!(holds(
            "Mit über 350 Mitgliedern ist der Verein groß.",
            Wanted::Quantity
        ));
        assert!(holds(
            "Der Rechner wurde im Frühjahr 2023 errichtet.",
            Wanted::Time
        ));
    }

    #[test]
    fn an_english_how_many_counts_the_noun_phrase_after_it() {
        assert_eq!(
            counted_english_words("How many new AI professorships does Saxony want to create?"),
            ["new", "ai", "professorships"]
        );
        assert_eq!(
            counted_english_words("How many people work at the State Criminal Police Office?"),
            ["people"]
        );
        assert!(counted_english_words("How much money does Hamburg provide?").is_empty());
    }

    #[test]
    fn how_many_needs_a_number_before_the_counted_noun() {
        let noun = counted_noun("Wie viele neue KI-Professuren will Sachsen schaffen?");
        assert_eq!(noun, analyze("Professuren").pop());
        let noun = noun.expect("a counted noun");
        assert!(!counts(
            "Somit können sich die vier Antragspartner – TU Chemnitz, Professur \
             Fabrikplanung – für das EU Programm bewerben.",
            &noun
        ));
        assert!(counts("Bayern schafft 100 neue KI-Professuren.", &noun));
        // A year counts nothing.
        assert!(!counts("Seit 2023 gibt es Professuren für KI.", &noun));
        let members = counted_noun("Wie viele Mitglieder hat Silicon Saxony?").expect("noun");
        assert!(counts(
            "Mit über 350 Mitgliedern ist der Verein das größte Netzwerk.",
            &members
        ));
        // First parts of listed compounds are no gap.
        let projects = counted_noun("und wie viele Projekte sollen entstehen?").expect("noun");
        assert!(counts(
            "landesweit mindestens 100 Entwicklungs-, Kooperations- oder sonstige Projekte",
            &projects
        ));
        assert_eq!(counted_noun("Wie viel Geld gibt Hamburg aus?"), None);
    }
}
