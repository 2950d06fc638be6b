//! English words → the German terms of the documents, by nearest vector.
//!
//! A question in English shares almost no words with German documents, so the
//! comparison's key terms ([`crate::answer::compare`]) would be empty. The multilingual
//! model places a word and its translation close together ("floods" next to
//! "Hochwasser", "police" next to "Polizei"), so the documents' own vocabulary, embedded
//! word by word, is a dictionary for the words of this corpus.
//!
//! - The vocabulary is the documents' capitalised words (German nouns, names, English
//!   terms in the text) of four letters or more, one form per analysed term (its most
//!   frequent), at most [`MAX_WORDS`] of them, most frequent first; terms in more than
//!   half of the passages are left out, as they tell no state from another.
//! - Nearest neighbours in such a space suffer from *hubs*: generic words ("Learning",
//!   "Transport") are close to everything. Candidates are therefore ranked by CSLS
//!   (Conneau et al. 2018, *Word Translation Without Parallel Data*): `2·cos(x, y) −
//!   r(x) − r(y)`, where `r` is a word's mean cosine to its [`HUB_K`] nearest vocabulary
//!   words. A translation counts when its CSLS reaches [`MIN_CSLS`]; up to
//!   [`MAX_TRANSLATIONS`] count per English word ("health" → `Health`, `Gesundheit`).
//!   A word without one ("libraries" in a corpus that never names them) has no
//!   translation: the topic is not in the documents.
//!
//! The threshold was set on a list of 60 English topic words, half of them absent from
//! the seeds (see the README); no evaluation question was used.
//!
//! - Phrases ("data centres", "high-performance computing") and words the model has no
//!   neighbour for are looked up in an English–German dictionary when one is
//!   configured ([`crate::retrieve::dictionary`], [`Lexicon::translate`]).
//! - [`english_verbs`] finds the verbs a question says of the states ("Which states
//!   *use* …"), which are no topic words.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::embed::{EmbedError, Embedder};
use crate::index::Index;
use crate::index::lexical::{LINKING_ELEMENTS, analyze, analyze_with, analyzer, split_compound};
use crate::index::vector::dot;
use crate::retrieve::dictionary::{Dictionary, MAX_PHRASE_WORDS};

/// Largest vocabulary embedded (the most frequent words).
pub const MAX_WORDS: usize = 6000;
/// Neighbours whose mean cosine measures how much of a hub a word is.
pub const HUB_K: usize = 10;
/// Smallest CSLS score of a translation.
pub const MIN_CSLS: f32 = 0.04;
/// Most translations kept for one English word.
pub const MAX_TRANSLATIONS: usize = 3;
/// Words embedded per model call.
const BATCH: usize = 32;
/// File name of the vocabulary's vectors kept beside an index's files.
pub const FILE_NAME: &str = "lexicon.bin";
const MAGIC: &[u8; 4] = b"BLGL";
/// Format of [`FILE_NAME`]; also changes when the vocabulary's rules change.
const VERSION: u32 = 1;

/// Words of an English question that frame it rather than name its topic, and English
/// function words of four letters or more (the German analyser does not drop them).
const ENGLISH_FRAME: &[&str] = &[
    "about",
    "according",
    "across",
    "also",
    "among",
    "applied",
    "applies",
    "apply",
    "approach",
    "approaches",
    "between",
    "could",
    "countries",
    "country",
    "deal",
    "deals",
    "deploy",
    "deployed",
    "deploys",
    "describe",
    "describes",
    "document",
    "documents",
    "does",
    "doing",
    "during",
    "employ",
    "employed",
    "employs",
    "example",
    "federal",
    "from",
    "handle",
    "handles",
    "have",
    "instance",
    "into",
    "made",
    "make",
    "makes",
    "mention",
    "mentions",
    "onto",
    "other",
    "over",
    "plan",
    "planned",
    "plans",
    "report",
    "reports",
    "said",
    "says",
    "should",
    "state",
    "states",
    "their",
    "there",
    "these",
    "they",
    "those",
    "through",
    "toward",
    "towards",
    "under",
    "upon",
    "used",
    "uses",
    "using",
    "want",
    "wants",
    "what",
    "when",
    "where",
    "which",
    "while",
    "with",
    "within",
    "without",
    "would",
];

/// The documents' vocabulary with its vectors.
pub struct Lexicon {
    /// The analysed term of each word.
    terms: Vec<String>,
    /// The word as embedded (its most frequent written form).
    words: Vec<String>,
    /// Unit vectors, `dim` floats per word.
    vectors: Vec<f32>,
    dim: usize,
    /// Each word's mean cosine to its nearest vocabulary words.
    hub: Vec<f32>,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lexicon({} words, dim {})", self.len(), self.dim)
    }
}

/// Reads [`Lexicon::write`]'s little-endian fields; `None` past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn floats(&mut self, count: usize) -> Option<Vec<f32>> {
        let b = self.take(count.checked_mul(4)?)?;
        Some(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

/// An English word (or dictionary phrase) and the analysed German terms it was
/// translated to.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// The English word, lower case; for a phrase, its first topic word.
    pub word: String,
    /// What was translated, as shown to the reader: the word, or the whole phrase
    /// ("data centres").
    pub english: String,
    /// Analysed terms of the documents, best first (empty: no translation).
    pub terms: Vec<String>,
    /// The same terms as written in the documents (their most frequent form).
    pub written: Vec<String>,
    /// For a part of a phrase's compound ([`Lexicon::translate`]): the next part's
    /// term, without which this one does not count (the phrase names both).
    pub with: Option<String>,
}

/// What the documents use, as [`Lexicon::translate`] asks it of an analysed term.
pub struct Usage<'a> {
    /// The documents use the term as a word of its own.
    pub as_word: &'a dyn Fn(&str) -> bool,
    /// The documents use the term as a word, or only inside their compounds
    /// ("Straßenbau" in "Landesstraßenbau"): enough for a phrase's compound, which
    /// names what the longer compounds are about, not for a single word's sense.
    pub in_compounds: &'a dyn Fn(&str) -> bool,
}

impl Lexicon {
    /// Collects the index's vocabulary and embeds it (a few seconds on two cores for
    /// the seeds).
    pub fn build(index: &Index, embedder: &Embedder) -> Result<Lexicon, EmbedError> {
        let (terms, words) = vocabulary(index);
        let vectors = embedder.embed_queries(&words, BATCH)?;
        let dim = vectors.first().map_or(0, Vec::len);
        Ok(Lexicon::from_vectors(terms, words, &vectors, dim))
    }

    fn from_vectors(
        terms: Vec<String>,
        words: Vec<String>,
        vectors: &[Vec<f32>],
        dim: usize,
    ) -> Lexicon {
        let flat: Vec<f32> = vectors.iter().flat_map(|v| normalized(v)).collect();
        let n = terms.len();
        let mut hub = Vec::with_capacity(n);
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            let x = &flat[i * dim..(i + 1) * dim];
            row.clear();
            row.extend(
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| dot(x, &flat[j * dim..(j + 1) * dim])),
            );
            hub.push(mean_of_largest(&mut row, HUB_K));
        }
        Lexicon {
            terms,
            words,
            vectors: flat,
            dim,
            hub,
        }
    }

    /// Writes the vocabulary, its vectors and hub scores to `path`, atomically (a
    /// temporary file renamed over it).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(16 + self.vectors.len() * 4 + self.len() * 24);
        out.extend_from_slice(MAGIC);
        for n in [VERSION, self.dim as u32, self.len() as u32] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for (term, word) in self.terms.iter().zip(&self.words) {
            for text in [term, word] {
                out.extend_from_slice(&(text.len() as u32).to_le_bytes());
                out.extend_from_slice(text.as_bytes());
            }
        }
        for x in self.vectors.iter().chain(&self.hub) {
            out.extend_from_slice(&x.to_le_bytes());
        }
        crate::index::write_atomically(path, &out)
    }

    /// Reads what [`Lexicon::write`] wrote; an error names what is wrong (another
    /// format version, a truncated file).
    pub fn read(path: &Path) -> Result<Lexicon, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let bad = |what: &str| format!("{}: {what}", path.display());
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        if r.take(4).ok_or_else(|| bad("truncated"))? != MAGIC {
            return Err(bad("not a belegt vocabulary file"));
        }
        let version = r.u32().ok_or_else(|| bad("truncated"))?;
        if version != VERSION as usize {
            return Err(bad(&format!(
                "format {version}, this belegt reads {VERSION}"
            )));
        }
        let (dim, n) = r.u32().zip(r.u32()).ok_or_else(|| bad("truncated"))?;
        let mut terms = Vec::new();
        let mut words = Vec::new();
        for _ in 0..n {
            for list in [&mut terms, &mut words] {
                let len = r.u32().ok_or_else(|| bad("truncated"))?;
                let text = r.take(len).ok_or_else(|| bad("truncated"))?;
                list.push(String::from_utf8(text.to_vec()).map_err(|_| bad("not UTF-8"))?);
            }
        }
        let vectors = r
            .floats(n.saturating_mul(dim))
            .ok_or_else(|| bad("truncated"))?;
        let hub = r.floats(n).ok_or_else(|| bad("truncated"))?;
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        Ok(Lexicon {
            terms,
            words,
            vectors,
            dim,
            hub,
        })
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when the documents hold no word to translate to.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Translates the topic words of an English `text` ([`content_words`]), except the
    /// `verbs` its question says of the states ([`english_verbs`]), which also open or
    /// close no phrase ("*address* data protection" is no `Adressdaten`).
    ///
    /// Words take their nearest vocabulary words by CSLS. With a `dictionary`:
    /// - a phrase of two words or more that it translates into nouns the documents use
    ///   (`usage`: as a word, or only inside their compounds) is one term instead,
    ///   listed under its first topic word: "data centres" → `Rechenzentren`,
    ///   "high-performance computing" → `Hochleistungsrechnen`, "road construction" →
    ///   `Straßenbau` (in "Landesstraßenbau"). Of its nouns, the [`MAX_TRANSLATIONS`]
    ///   nearest to the phrase by the model count (the model picks the sense);
    /// - a phrase of two nouns it does not know is the compound of their nouns that
    ///   the documents use ([`composed`]): "world of work" → `Arbeitswelt`, "large
    ///   language models" → `Sprachmodell`, not `Welt` and `Arbeit`;
    /// - a phrase it translates into a compound the documents do not use, but whose
    ///   parts they do (each a noun of the dictionary, [`noun_part`]), is one term per
    ///   part, each bound to the next: "environmental
    ///   protection" → `Umweltschutz` → `Umwelt`, `Schutz` (word by word it was
    ///   `Schutz`, `Sichern`, `Sicherung`, and no `Umwelt`: "environmental" is no
    ///   noun). With as many words as parts, a part also takes what the word in its
    ///   place translates to ([`Parts::word_of`]: "staff" → `Mitarbeiter` beside
    ///   `Personal`);
    /// - a word it knows only as something other than a noun ("regional",
    ///   "explicitly") is left out, as a German topic's lower-case words are;
    /// - where it translates a word into nouns the documents use, a model neighbour
    ///   counts only when it is one of them (or the same English word), else those
    ///   nouns count, the same way as a phrase's: "administration" is `Verwaltung`
    ///   (and `Regierung`), not `Management`; "staff" `Mitarbeiter`, `Personal`, not
    ///   also `System`. Where the only neighbours are English words of the documents,
    ///   the nouns count beside them: "centres" is `Center` and `Zentrum`. A word it
    ///   has no such nouns for keeps the model's neighbours.
    pub fn translate(
        &self,
        embedder: &Embedder,
        text: &str,
        dictionary: Option<&Dictionary>,
        verbs: &[String],
        usage: &Usage,
    ) -> Result<Vec<Translation>, EmbedError> {
        let in_documents = usage.as_word;
        let mut words = content_words(text);
        words.retain(|w| !verbs.contains(w));
        let Phrases {
            units: phrases,
            split,
            outside,
        } = dictionary
            .map(|d| dictionary_phrases(d, text, &words, verbs, usage))
            .unwrap_or_else(|| Phrases {
                outside: words.iter().cloned().collect(),
                ..Phrases::default()
            });
        // A word also used outside its phrases ("computing infrastructure … or
        // high-performance computing") is translated on its own too.
        // So is the word a part of a split phrase stands for ([`Parts::word_of`]), to
        // be joined to it below.
        let of_parts: HashSet<&str> = split
            .iter()
            .flat_map(|p| (0..p.parts.len()).filter_map(|i| p.word_of(i)))
            .collect();
        let single: Vec<String> = words
            .iter()
            .filter(|w| outside.contains(*w) || of_parts.contains(w.as_str()))
            .filter(|w| !dictionary.is_some_and(|d| d.is_not_a_noun(w)))
            .cloned()
            .collect();
        // One model call for the words, the phrases and their nouns; a second only for
        // the dictionary's nouns of words without a vocabulary neighbour.
        let mut texts = single.clone();
        texts.extend(phrases.iter().flat_map(Unit::texts));
        // Nothing to embed: no topic word, or no vocabulary to translate to (an empty
        // vector finds nothing).
        let vectors = if texts.is_empty() || (self.is_empty() && phrases.is_empty()) {
            vec![Vec::new(); texts.len()]
        } else {
            embedder.embed_queries(&texts, BATCH)?
        };
        let (word_vectors, phrase_vectors) = vectors.split_at(single.len());
        let mut out: Vec<Translation> = Vec::new();
        let mut fallback: Vec<Unit> = Vec::new();
        // The English words of the documents each fallback unit keeps.
        let mut own: Vec<Vec<usize>> = Vec::new();
        for (word, v) in single.into_iter().zip(word_vectors) {
            let mut found = self.nearest(v);
            // An English word of the documents is a translation only of itself ("data"
            // → `Data`, "cybersecurity" → `Security`): "lessons" is no `Learning`, and
            // "study" no `Research`.
            if let Some(d) = dictionary {
                found.retain(|&j| {
                    !d.is_english_only(&self.words[j]) || same_word(&word, &self.words[j])
                });
            }
            // The dictionary's nouns: to check the neighbours with, or for want of any.
            let unit = dictionary.and_then(|d| dictionary_word(d, &word, in_documents));
            if let Some(u) = &unit {
                let nouns: HashSet<String> = u.nouns.iter().flat_map(|n| analyze(n)).collect();
                found.retain(|&j| {
                    nouns.contains(&self.terms[j]) || same_word(&word, &self.words[j])
                });
            }
            // No neighbour, or only the English word itself ("centres": `Center`): the
            // dictionary's nouns count (`Zentren`), beside that word.
            if found
                .iter()
                .all(|&j| dictionary.is_some_and(|d| d.is_english_only(&self.words[j])))
                && let Some(unit) = unit
            {
                fallback.push(unit);
                own.push(found);
                continue;
            }
            out.push(Translation {
                english: word.clone(),
                word,
                terms: found.iter().map(|&j| self.terms[j].clone()).collect(),
                written: found.iter().map(|&j| self.words[j].clone()).collect(),
                with: None,
            });
        }
        let fallback_texts: Vec<String> = fallback.iter().flat_map(Unit::texts).collect();
        let fallback_vectors = if fallback_texts.is_empty() {
            Vec::new()
        } else {
            embedder.embed_queries(&fallback_texts, BATCH)?
        };
        let none = vec![Vec::new(); phrases.len()];
        for (units, vectors, own) in [
            (phrases, phrase_vectors, none),
            (fallback, &fallback_vectors[..], own),
        ] {
            let mut at = 0;
            for (unit, own) in units.into_iter().zip(own) {
                let n = 1 + unit.nouns.len();
                let (mut terms, mut written) = nearest_nouns(&unit, &vectors[at..at + n]);
                at += n;
                for j in own {
                    if !terms.contains(&self.terms[j]) {
                        terms.insert(0, self.terms[j].clone());
                        written.insert(0, self.words[j].clone());
                    }
                }
                out.push(Translation {
                    word: unit.words[0].clone(),
                    english: unit.phrase,
                    terms,
                    written,
                    with: None,
                });
            }
        }
        // The parts of split phrases. A part is shown as the documents write it
        // ("verwaltungs" of "Verwaltungspersonal" as `Verwaltung`) where the
        // vocabulary has it.
        for p in &split {
            for (i, mut t) in p.translations().into_iter().enumerate() {
                if let Some(j) = self.terms.iter().position(|term| *term == t.terms[0]) {
                    t.written = vec![self.words[j].clone()];
                }
                // The part also counts what its word translates to on its own ("staff":
                // `Mitarbeiter` beside `Personal`); that word is no term of its own
                // unless it is used outside the phrase too.
                if let Some(word) = p.word_of(i)
                    && let Some(at) = out.iter().position(|o| o.english == word)
                {
                    let own = if outside.contains(word) {
                        out[at].clone()
                    } else {
                        out.remove(at)
                    };
                    for (term, written) in own.terms.into_iter().zip(own.written) {
                        if !t.terms.contains(&term) {
                            t.terms.push(term);
                            t.written.push(written);
                        }
                    }
                }
                out.push(t);
            }
        }
        with_acronyms(text, &mut out, in_documents);
        out.extend(short_names(text, in_documents));
        // The topic's order, which the key terms keep.
        out.sort_by_key(|t| words.iter().position(|w| *w == t.word));
        Ok(out)
    }

    /// The words whose CSLS to `v` reaches [`MIN_CSLS`], best first (at most
    /// [`MAX_TRANSLATIONS`]).
    fn nearest(&self, v: &[f32]) -> Vec<usize> {
        let x = normalized(v);
        if x.len() != self.dim {
            return Vec::new();
        }
        let cos: Vec<f32> = (0..self.len())
            .map(|j| dot(&x, &self.vectors[j * self.dim..(j + 1) * self.dim]))
            .collect();
        let r_x = mean_of_largest(&mut cos.clone(), HUB_K);
        let mut scored: Vec<(f32, usize)> = cos
            .iter()
            .enumerate()
            .map(|(j, &c)| (2.0 * c - r_x - self.hub[j], j))
            .filter(|&(s, _)| s >= MIN_CSLS)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(MAX_TRANSLATIONS);
        scored.into_iter().map(|(_, j)| j).collect()
    }
}

/// The short capitalised words of names the documents write as the question does
/// ("AI Act", "Data Act"): too short for a topic word ([`content_words`]), each is a
/// term of itself that counts only beside the name's word before it, as a German topic
/// takes "AI Act" as written. A word of two or three letters, upper case only first
/// (not an acronym: [`with_acronyms`]), after a capitalised word that is not the first
/// of the text; both analysed terms used by the documents.
fn short_names(text: &str, in_documents: &dyn Fn(&str) -> bool) -> Vec<Translation> {
    let tokens: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let starts_upper = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let first_term = |w: &str| analyze(w).into_iter().next();
    let mut out: Vec<Translation> = Vec::new();
    for (i, pair) in tokens.windows(2).enumerate() {
        let (before, word) = (pair[0], pair[1]);
        let mut rest = word.chars().skip(1);
        if i == 0
            || !(2..=3).contains(&word.chars().count())
            || !starts_upper(word)
            || !rest.all(char::is_lowercase)
            || !starts_upper(before)
        {
            continue;
        }
        let (Some(term), Some(with)) = (first_term(word), first_term(before)) else {
            continue;
        };
        if in_documents(&term) && in_documents(&with) && !out.iter().any(|t| t.terms[0] == term) {
            out.push(Translation {
                word: word.to_lowercase(),
                english: format!("{before} {word}"),
                terms: vec![term],
                written: vec![word.to_string()],
                with: Some(with),
            });
        }
    }
    out
}

/// Narrows each translation after an acronym ("IT service providers") to the compounds
/// of the acronym with its nouns that the documents use ("IT-Dienstleister",
/// `itdienstleist`), as a German topic's "IT-Dienstleister" is not every
/// "Dienstleister". An acronym is a word of two to five capitals; both languages write
/// "IT", "EU" or "HPC" alike.
fn with_acronyms(text: &str, out: &mut [Translation], in_documents: &dyn Fn(&str) -> bool) {
    let tokens: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    for t in out.iter_mut().filter(|t| t.with.is_none()) {
        let Some(first) = t.english.split_whitespace().next() else {
            continue;
        };
        let mut acronyms: Vec<&str> = tokens
            .windows(2)
            .filter(|w| w[1].to_lowercase() == first)
            .map(|w| w[0])
            .filter(|a| (2..=5).contains(&a.len()) && a.chars().all(|c| c.is_ascii_uppercase()))
            .collect();
        acronyms.dedup();
        let mut terms = Vec::new();
        let mut written = Vec::new();
        for acronym in acronyms {
            for noun in &t.written {
                let joined = format!("{acronym}-{noun}");
                if let Some(term) = analyze(&format!("{acronym}{noun}").to_lowercase())
                    .into_iter()
                    .next()
                    .filter(|term| in_documents(term) && !terms.contains(term))
                {
                    terms.push(term);
                    written.push(joined);
                }
            }
        }
        if !terms.is_empty() {
            t.terms = terms;
            t.written = written;
        }
    }
}

/// True when the English `word` and the English `other` of the documents are one word:
/// they share at least four first letters and differ only in an ending, after the
/// shorter one's last letter but one and in at most three letters ("europe",
/// `European`; "study", `Studies`; "centres", `Center`; not "applications", `Applied`,
/// nor "euro", `European`), or one holds the other, of five letters or more
/// ("cybersecurity", `Security`; "healthcare", `Health`).
fn same_word(word: &str, other: &str) -> bool {
    // British and American spelling: "centres" is `Center`.
    let spelled = |w: &str| {
        let w = w.to_lowercase();
        let w = w.strip_suffix('s').unwrap_or(&w);
        match w.strip_suffix("re") {
            Some(stem) => format!("{stem}er"),
            None => w.to_string(),
        }
    };
    let (a, b) = (spelled(word), spelled(other));
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let (na, nb) = (a.chars().count(), b.chars().count());
    let holds = |long: &str, short: &str| short.chars().count() >= 5 && long.contains(short);
    (common >= 4 && common + 1 >= na.min(nb) && na.max(nb) <= common + 3)
        || holds(&a, &b)
        || holds(&b, &a)
}

/// English words that neither start nor end a dictionary phrase.
const PHRASE_EDGE_STOP: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "such",
    "the", "to", "with",
];

/// A phrase (or word) the dictionary translates, with the nouns it translates to that
/// the documents use.
#[derive(Debug)]
struct Unit {
    /// Lower case, words joined by one space.
    phrase: String,
    /// Its topic words ([`content_words`]).
    words: Vec<String>,
    nouns: Vec<String>,
}

/// A phrase the dictionary translates into a compound the documents do not use, but
/// whose parts they do: "environmental protection" → `Umweltschutz` → `Umwelt`,
/// `Schutz` ([`split_compound`]). Each part is a condition of its own, as a German
/// topic's unknown compound is ([`crate::retrieve::compound`]).
#[derive(Debug, PartialEq)]
struct Parts {
    /// Lower case, words joined by one space.
    phrase: String,
    /// Its topic words ([`content_words`]).
    words: Vec<String>,
    /// The parts, lower case.
    parts: Vec<String>,
}

impl Parts {
    /// The topic word that part `i` translates: English puts the modifier before the
    /// head as a German compound does, so with as many words as parts, the one at the
    /// same place ("administrative staff": "staff" for `Personal`).
    fn word_of(&self, i: usize) -> Option<&str> {
        (self.words.len() == self.parts.len()).then(|| self.words[i].as_str())
    }

    /// One translation per part, of the part alone ([`Lexicon::translate`] adds what
    /// the part's word translates to on its own). Each is bound to the next part (the
    /// last to the first): a passage holding one part alone ("Datenschutz" for
    /// `Schutz`) does not hold the phrase.
    fn translations(&self) -> Vec<Translation> {
        let terms: Vec<String> = self
            .parts
            .iter()
            .filter_map(|part| analyze(part).into_iter().next())
            .collect();
        if terms.len() != self.parts.len() {
            return Vec::new();
        }
        (0..terms.len())
            .map(|i| Translation {
                word: self.words[0].clone(),
                english: self.phrase.clone(),
                terms: vec![terms[i].clone()],
                written: vec![capitalised(&self.parts[i])],
                with: Some(terms[(i + 1) % terms.len()].clone()),
            })
            .collect()
    }
}

/// `word` with its first letter in upper case ("verwaltung" → "Verwaltung").
pub(crate) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

impl Unit {
    /// What is embedded for it: the phrase, then its nouns.
    fn texts(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.phrase.clone()).chain(self.nouns.iter().cloned())
    }
}

/// A unit's nouns, the [`MAX_TRANSLATIONS`] nearest to its phrase first, as analysed
/// terms and as written; `vectors` are those of [`Unit::texts`].
fn nearest_nouns(unit: &Unit, vectors: &[Vec<f32>]) -> (Vec<String>, Vec<String>) {
    let Some((phrase, nouns)) = vectors.split_first() else {
        return (Vec::new(), Vec::new());
    };
    let phrase = normalized(phrase);
    let mut scored: Vec<(f32, &String)> = unit
        .nouns
        .iter()
        .zip(nouns)
        .map(|(n, v)| (dot(&phrase, &normalized(v)), n))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut terms = Vec::new();
    let mut written = Vec::new();
    for (_, noun) in scored {
        let Some(term) = analyze(noun).into_iter().next() else {
            continue;
        };
        if !terms.contains(&term) && terms.len() < MAX_TRANSLATIONS {
            terms.push(term);
            written.push(noun.clone());
        }
    }
    (terms, written)
}

/// The dictionary's nouns for `word` that the documents use; `None` when there are none.
fn dictionary_word(
    dictionary: &Dictionary,
    word: &str,
    in_documents: &dyn Fn(&str) -> bool,
) -> Option<Unit> {
    let mut nouns = used_nouns(&dictionary.lookup(&[word])?, in_documents);
    // The plural's entry, when the word's own gives none ("copyright": `Verlagsrecht`;
    // "copyrights": `Urheberrechte`).
    if nouns.is_empty()
        && let Some(plural) = dictionary.lookup(&[format!("{word}s").as_str()])
    {
        nouns = used_nouns(&plural, in_documents);
    }
    (!nouns.is_empty()).then(|| Unit {
        phrase: word.to_string(),
        words: vec![word.to_string()],
        nouns,
    })
}

/// The nouns among `nouns` that are one analysed term the documents use.
fn used_nouns(nouns: &[String], in_documents: &dyn Fn(&str) -> bool) -> Vec<String> {
    nouns
        .iter()
        .filter(|noun| {
            let terms = analyze(noun);
            terms.len() == 1 && in_documents(&terms[0])
        })
        .cloned()
        .collect()
}

/// What [`dictionary_phrases`] finds in a text.
#[derive(Debug, Default)]
struct Phrases {
    /// Phrases translated into nouns the documents use.
    units: Vec<Unit>,
    /// Phrases translated into a compound only whose parts the documents use.
    split: Vec<Parts>,
    /// The words of the text outside them.
    outside: HashSet<String>,
}

/// The phrases of two words or more in `text` that `dictionary` knows, longest first
/// from left to right; each holds at least one of `words` and neither starts nor ends
/// with a function word. A phrase whose nouns the documents do not use counts when one
/// of them is a compound of parts they use ([`compound_parts`]), else its words are
/// looked at one by one. Also returns the words of `text` that occur outside them.
fn dictionary_phrases(
    dictionary: &Dictionary,
    text: &str,
    words: &[String],
    verbs: &[String],
    usage: &Usage,
) -> Phrases {
    let in_documents = usage.as_word;
    let tokens: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out: Vec<Unit> = Vec::new();
    let mut split: Vec<Parts> = Vec::new();
    let mut outside = HashSet::new();
    let mut i = 0;
    'tokens: while i < tokens.len() {
        for n in (2..=MAX_PHRASE_WORDS.min(tokens.len() - i)).rev() {
            let slice = &tokens[i..i + n];
            let topic: Vec<String> = slice
                .iter()
                .filter(|t| words.contains(t))
                .cloned()
                .collect();
            let edge = |w: &String| PHRASE_EDGE_STOP.contains(&w.as_str()) || verbs.contains(w);
            if topic.is_empty() || edge(&slice[0]) || edge(&slice[n - 1]) {
                continue;
            }
            let refs: Vec<&str> = slice.iter().map(String::as_str).collect();
            let Some(all) = dictionary.lookup(&refs).or_else(|| {
                composed(dictionary, slice, words, verbs, usage.in_compounds).map(|c| vec![c])
            }) else {
                continue;
            };
            let nouns = used_nouns(&all, usage.in_compounds);
            let phrase = refs.join(" ");
            if nouns.is_empty() {
                if let Some(parts) = compound_parts(&all, in_documents)
                    .filter(|parts| parts.iter().all(|p| noun_part(dictionary, p)))
                    && !split.iter().any(|p| p.phrase == phrase)
                {
                    split.push(Parts {
                        phrase,
                        words: topic,
                        parts,
                    });
                    i += n;
                    continue 'tokens;
                }
                continue;
            }
            if !out.iter().any(|u| u.phrase == phrase) {
                out.push(Unit {
                    phrase,
                    words: topic,
                    nouns,
                });
            }
            i += n;
            continue 'tokens;
        }
        outside.insert(tokens[i].clone());
        i += 1;
    }
    Phrases {
        units: out,
        split,
        outside,
    }
}

/// The German compound of an English phrase the dictionary does not know, when the
/// documents use it: the modifier's noun, a linking element and the head's noun, as
/// German joins them ("world of work" → `Arbeit` + s + `Welt` = `Arbeitswelt`; "AI
/// ethics board" is no phrase of two nouns). The phrase is two topic words, modifier
/// then head ("data economy"), or head "of" modifier ("world of work"); of the
/// dictionary's nouns for each, the first pair whose compound is a term of the
/// documents (`used`: as a word or inside their compounds) counts. A compound the
/// documents do not use is no translation: the words stay single words.
fn composed(
    dictionary: &Dictionary,
    slice: &[String],
    words: &[String],
    verbs: &[String],
    used: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let topic = |w: &String| words.contains(w) && !verbs.contains(w);
    let (modifier, head) = match slice {
        [m, h] if topic(m) && topic(h) => (m, h),
        [h, of, m] if of == "of" && topic(m) && topic(h) => (m, h),
        _ => return None,
    };
    let single = |w: &str| -> Vec<String> {
        dictionary
            .lookup(&[w])
            .unwrap_or_default()
            .into_iter()
            .filter(|n| !n.contains([' ', '-']))
            .take(COMPOSED_SENSES)
            .collect()
    };
    // One analyser for the many candidates.
    let mut analyzer = analyzer();
    let heads: Vec<(String, Vec<String>)> = single(head)
        .into_iter()
        .map(|h| {
            let terms = analyze_with(&mut analyzer, &h);
            (h.to_lowercase(), terms)
        })
        .collect();
    for m in single(modifier) {
        // "Schule" joins as "Schul-" too.
        let stems = std::iter::once(m.as_str()).chain(m.strip_suffix('e'));
        for stem in stems {
            for link in std::iter::once(&"").chain(LINKING_ELEMENTS).chain([&"er"]) {
                for (h, head_terms) in &heads {
                    let compound = format!("{stem}{link}{h}");
                    let terms = analyze_with(&mut analyzer, &compound);
                    if terms.len() == 1 && terms != *head_terms && used(&terms[0]) {
                        return Some(compound);
                    }
                }
            }
        }
    }
    None
}

/// Nouns of each word [`composed`] joins, the dictionary's first (its main senses
/// come first): enough for "world of work", and few enough to try every pair quickly
/// (some words have thirty).
const COMPOSED_SENSES: usize = 8;

/// The parts of the first of `nouns` that is one word the documents do not use, split
/// into two or more parts they do ([`split_compound`]): `Umweltschutz` → `umwelt`,
/// `schutz`.
fn compound_parts(nouns: &[String], in_documents: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
    let known = |w: &str| {
        let terms = analyze(w);
        !terms.is_empty() && terms.iter().all(|t| in_documents(t))
    };
    nouns
        .iter()
        .filter(|n| !n.contains(' '))
        .find_map(|n| split_compound(n, &known).filter(|parts| parts.len() > 1))
}

/// True when a compound's `part` is a German noun of the dictionary, with or without a
/// linking element ("verwaltungs": `Verwaltung`): "Staatsbediensteter" is no
/// "Staat" + "Bedien" + "Steter", though the documents use each of those letters.
fn noun_part(dictionary: &Dictionary, part: &str) -> bool {
    dictionary.is_german_noun(part)
        || LINKING_ELEMENTS.iter().any(|link| {
            part.strip_suffix(link)
                .is_some_and(|p| dictionary.is_german_noun(p))
        })
}

/// Words between an English question's subject and its verb: auxiliaries, modal
/// verbs, adverbs ("Which states *are already* using …", "*want to* make …").
const BEFORE_VERB: &[&str] = &[
    "already",
    "also",
    "are",
    "aim",
    "aims",
    "actively",
    "can",
    "could",
    "currently",
    "did",
    "do",
    "does",
    "each",
    "have",
    "has",
    "had",
    "intend",
    "intends",
    "is",
    "now",
    "plan",
    "plans",
    "should",
    "still",
    "that",
    "to",
    "want",
    "wants",
    "were",
    "was",
    "which",
    "who",
    "will",
    "would",
];

/// Nouns of an idiom with the forms of its verb ("play a role", "what role do they
/// play"): with the noun in a question, the verb is no topic word wherever it stands.
const IDIOM_VERBS: &[(&[&str], &[&str])] =
    &[(&["role", "roles"], &["play", "plays", "played", "playing"])];

/// Most verbs [`english_verbs`] finds.
const MAX_VERBS: usize = 4;

/// Words that are the subject of a question across the states or documents.
const SUBJECTS: &[&str] = &["states", "countries", "documents", "reports", "they"];

/// Words after which a word is no verb of a purpose clause ("contribution to
/// *research on* AI").
const AFTER_NOUN: &[&str] = &["on", "of", "in", "for", "at", "into", "with", "about"];

/// The verbs an English question says of its subject ("Which states *use*, *test* or
/// *promote* language models?", "Where do the documents *connect* AI with floods?"):
/// the first word after the subject and its auxiliaries, and the single words joined to
/// it by commas, "or" and "and"; with a `dictionary`, also a verb after "to" ("use AI
/// to *process* applications"), unless a preposition follows it. They say what the
/// states do, not on what: like a German topic's verbs, they are no key term.
pub fn english_verbs(question: &str, dictionary: Option<&Dictionary>) -> Vec<String> {
    let tokens: Vec<String> = question
        .split_whitespace()
        .flat_map(|w| {
            let comma = w.ends_with(',');
            let word: String = w
                .chars()
                .filter(|c| c.is_alphabetic() || *c == '-')
                .collect::<String>()
                .to_lowercase();
            std::iter::once(word).chain(comma.then(|| ",".to_string()))
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut verbs: Vec<String> = Vec::new();
    // "What role do the IT service providers *play* …": the verb of an idiom whose
    // noun frames the question.
    for (nouns, forms) in IDIOM_VERBS {
        if tokens.iter().any(|t| nouns.contains(&t.as_str())) {
            verbs.extend(
                tokens
                    .iter()
                    .filter(|t| forms.contains(&t.as_str()))
                    .cloned(),
            );
        }
    }
    if let Some(d) = dictionary {
        for w in tokens.windows(3) {
            if w[0] == "to" && d.is_verb(&w[1]) && !AFTER_NOUN.contains(&w[2].as_str()) {
                verbs.push(w[1].clone());
            }
        }
    }
    let Some(subject) = tokens.iter().position(|t| SUBJECTS.contains(&t.as_str())) else {
        return verbs;
    };
    let mut i = subject + 1;
    while tokens
        .get(i)
        .is_some_and(|t| BEFORE_VERB.contains(&t.as_str()) || is_adverb(t, dictionary))
    {
        i += 1;
    }
    let mut found = 0;
    while let Some(verb) = tokens.get(i) {
        if verb == "," {
            break;
        }
        verbs.push(verb.clone());
        found += 1;
        // "use, test, train or promote": a joiner, then the next verb.
        let mut j = i + 1;
        let mut joined = false;
        while tokens
            .get(j)
            .is_some_and(|t| t == "," || t == "or" || t == "and")
        {
            joined = true;
            j += 1;
        }
        if !joined {
            break;
        }
        i = j;
        if found >= MAX_VERBS {
            break;
        }
    }
    verbs
}

/// True when `word` is an adverb in "-ly" ("Which states *specifically* support …",
/// "*explicitly* place …"): not a verb the dictionary knows ("apply", "supply"), or,
/// without a dictionary, a word of seven letters or more.
fn is_adverb(word: &str, dictionary: Option<&Dictionary>) -> bool {
    word.ends_with("ly")
        && match dictionary {
            Some(d) => !d.is_verb(word),
            None => word.chars().count() >= 7,
        }
}

/// The lower-case words of an English text that may name its topic: four letters or
/// more, no stop word, no word of a question's frame ("which", "states", "documents").
pub fn content_words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    text.split(|c: char| !c.is_alphabetic())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 4)
        .filter(|w| !ENGLISH_FRAME.contains(&w.as_str()))
        .filter(|w| !analyze(w).is_empty())
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// The index's capitalised words: one written form per analysed term, the most
/// frequent first, terms in more than half of the passages left out.
fn vocabulary(index: &Index) -> (Vec<String>, Vec<String>) {
    let store = &index.store;
    let n = store.chunks.len();
    let mut term_of: HashMap<String, Option<String>> = HashMap::new();
    // term → (passages holding it, occurrences per written form)
    let mut stats: HashMap<String, (usize, HashMap<String, usize>)> = HashMap::new();
    for i in 0..n {
        let mut in_passage: HashSet<String> = HashSet::new();
        for word in store.chunk_text(i).split(|c: char| !c.is_alphabetic()) {
            if !is_candidate(word) {
                continue;
            }
            let term = term_of
                .entry(word.to_string())
                .or_insert_with(|| analyze(word).into_iter().next());
            let Some(term) = term else { continue };
            let entry = stats.entry(term.clone()).or_default();
            *entry.1.entry(word.to_string()).or_default() += 1;
            if in_passage.insert(term.clone()) {
                entry.0 += 1;
            }
        }
    }
    let mut rows: Vec<(usize, String, String)> = stats
        .into_iter()
        .filter(|(_, (df, _))| *df <= n / 2)
        .filter_map(|(term, (_, forms))| {
            let total = forms.values().sum();
            let word = forms
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?
                .0;
            Some((total, term, word))
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    rows.truncate(MAX_WORDS);
    rows.into_iter().map(|(_, t, w)| (t, w)).unzip()
}

/// A capitalised word of four letters or more with a lower-case letter (not an
/// acronym, whose vector says little).
fn is_candidate(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().count() >= 4
        && word.chars().any(char::is_lowercase)
}

fn normalized(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter().map(|x| x / norm).collect()
    } else {
        v.to_vec()
    }
}

/// Mean of the `k` largest values (all of them when there are fewer); reorders `values`.
fn mean_of_largest(values: &mut [f32], k: usize) -> f32 {
    let k = k.min(values.len());
    if k == 0 {
        return 0.0;
    }
    values.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    values[..k].iter().sum::<f32>() / k as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_drop_the_frame_and_short_words() {
        assert_eq!(
            content_words("Which states use AI for flood warnings, according to their reports?"),
            vec!["flood", "warnings"]
        );
        assert_eq!(content_words("Which states do this?"), Vec::<String>::new());
        assert_eq!(content_words("police police Police"), vec!["police"]);
    }

    #[test]
    fn the_verbs_said_of_the_states_are_found() {
        assert_eq!(
            english_verbs("Which states use AI in the police?", None),
            ["use"]
        );
        assert_eq!(
            english_verbs(
                "Which states use, test, train or promote large language models?",
                None
            ),
            ["use", "test", "train", "promote"]
        );
        assert_eq!(
            english_verbs(
                "Which states are already building or investing in data centres?",
                None
            ),
            ["building", "investing"]
        );
        assert_eq!(
            english_verbs("Where do the documents connect AI with floods?", None),
            ["connect"]
        );
        // "or" joins objects too: only a word right after a joiner continues the verbs.
        assert_eq!(
            english_verbs("Which states use chatbots or language models?", None),
            ["use"]
        );
        assert!(english_verbs("What is INSITU?", None).is_empty());
        // The verb of an idiom whose noun frames the question, wherever it stands.
        assert!(
            english_verbs(
                "What role do the states' IT service providers play in AI?",
                None
            )
            .contains(&"play".to_string())
        );
        // An adverb in "-ly" stands before the verb; a verb in "-ly" is the verb.
        assert_eq!(
            english_verbs("Which states specifically support small enterprises?", None),
            ["support"]
        );
        assert_eq!(
            english_verbs("Which states apply AI in schools?", None),
            ["apply"]
        );
        // With a dictionary, a verb after "to" too, unless a preposition follows it.
        let d = Dictionary::parse(
            "bearbeiten {vt} :: to process\nProzess {m} :: process\nforschen {vi} :: to research\nForschung {f} :: research\n",
        );
        assert_eq!(
            english_verbs(
                "Which states use AI to process benefit applications?",
                Some(&d)
            ),
            ["process", "use"]
        );
        assert_eq!(
            english_verbs("Which states contribute to research on AI?", Some(&d)),
            ["contribute"]
        );
        let d = Dictionary::parse(
            "anwenden {vt} :: to apply\nausdrücklich {adv} :: explicitly\nstellen {vt} :: to place\n",
        );
        assert_eq!(
            english_verbs("Which states apply AI in schools?", Some(&d)),
            ["apply"]
        );
        assert_eq!(
            english_verbs("Which states explicitly place AI under rules?", Some(&d)),
            ["place"]
        );
    }

    #[test]
    fn an_english_word_of_the_documents_translates_only_itself() {
        assert!(same_word("data", "Data"));
        assert!(same_word("europe", "European"));
        assert!(same_word("cybersecurity", "Security"));
        assert!(!same_word("lessons", "Learning"));
        assert!(!same_word("study", "Research"));
        assert!(same_word("study", "Studies"));
        assert!(!same_word("applications", "Applied"));
        assert!(same_word("centres", "Center"));
        assert!(!same_word("euro", "European"));
        assert!(same_word("healthcare", "Health"));
    }

    #[test]
    fn a_short_word_of_a_name_is_a_term_beside_the_word_before_it() {
        let used = |t: &str| ["ai", "act", "data"].contains(&t);
        let names = short_names("Which states discuss the AI Act or the Data Act?", &used);
        let got: Vec<(&str, &[String], Option<&str>)> = names
            .iter()
            .map(|t| (t.english.as_str(), &t.terms[..], t.with.as_deref()))
            .collect();
        // A term once: the key terms count each term once.
        assert_eq!(got, [("AI Act", &["act".to_string()][..], Some("ai"))]);
        // Not the first word, not an acronym, not a word the documents lack, not after
        // a lower-case word.
        assert!(short_names("Act on AI", &used).is_empty());
        assert!(short_names("the Data IT plan", &used).is_empty());
        assert!(short_names("the Data Law", &used).is_empty());
        assert!(short_names("an act of the data Act", &used).is_empty());
    }

    #[test]
    fn known_phrases_take_the_nouns_the_documents_use() {
        let d = Dictionary::parse(
            "Rechenzentrum {n}; Datenzentrum {n} | Rechenzentren {pl} :: data centre | data centres\n\
             Wohngeld {n} :: housing benefit\n\
             Hochleistungsrechnen {n} :: high-performance computing\n\
             Umweltschutz {m} :: environmental protection\n\
             Umwelt {f} :: environment\n\
             Schutz {m} :: shelter\n\
             Staatsbediensteter {m} :: civil servant\n",
        );
        let used = |term: &str| {
            [
                "rechenzentrum",
                "rechenzentr",
                "hochleistungsrechn",
                "umwelt",
                "schutz",
                "staat",
                "bedi",
                "stet",
            ]
            .contains(&term)
        };
        let text = "building computing infrastructure such as data centres or high-performance computing, environmental protection and housing benefit for civil servants";
        let words = content_words(text);
        let Phrases {
            units,
            split,
            outside,
        } = dictionary_phrases(
            &d,
            text,
            &words,
            &[],
            &Usage {
                as_word: &used,
                in_compounds: &used,
            },
        );
        let found: Vec<(&str, &[String])> = units
            .iter()
            .map(|u| (u.phrase.as_str(), u.nouns.as_slice()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "data centres",
                    &["Rechenzentren".to_string(), "Rechenzentrum".to_string()][..]
                ),
                (
                    "high performance computing",
                    &["Hochleistungsrechnen".to_string()][..]
                ),
            ]
        );
        // "Umweltschutz" is none either, but its parts are: each is a term of its own.
        assert_eq!(
            split,
            [Parts {
                phrase: "environmental protection".into(),
                words: vec!["environmental".into(), "protection".into()],
                parts: vec!["umwelt".into(), "schutz".into()],
            }]
        );
        // Each part counts only next to the other.
        let parts: Vec<(Vec<String>, Vec<String>, Option<String>)> = split[0]
            .translations()
            .into_iter()
            .map(|t| (t.terms, t.written, t.with))
            .collect();
        assert_eq!(
            parts,
            [
                (
                    vec!["umwelt".to_string()],
                    vec!["Umwelt".to_string()],
                    Some("schutz".to_string())
                ),
                (
                    vec!["schutz".to_string()],
                    vec!["Schutz".to_string()],
                    Some("umwelt".to_string())
                ),
            ]
        );
        assert!(!outside.contains("protection"));
        // "Staatsbediensteter" is spelled by words of the documents, but "Bedien" and
        // "Steter" are no nouns: no parts, the phrase's words stay single words.
        assert!(outside.contains("civil") && outside.contains("servants"));
        // "Wohngeld" is no word of the documents, and no compound of theirs: the
        // phrase's words stay single words.
        assert!(outside.contains("housing") && outside.contains("benefit"));
        // "computing" is used outside its phrase too; "centres" is not.
        assert!(outside.contains("computing"));
        assert!(!outside.contains("centres"));
    }

    #[test]
    fn a_phrase_the_dictionary_lacks_is_the_compound_the_documents_use() {
        let d = Dictionary::parse(
            "Arbeit {f}; Werk {n} :: work\n\
             Welt {f}; Erde {f} :: world\n\
             Schule {f} :: school\n\
             Buch {n} :: book\n\
             Daten {pl} :: data\n\
             Portal {n} :: portal\n",
        );
        let used = |term: &str| ["arbeitswelt", "schulbuch", "arbeit", "welt"].contains(&term);
        let compound = |text: &str| {
            let words = content_words(text);
            let tokens: Vec<String> = text.split(' ').map(str::to_string).collect();
            composed(&d, &tokens, &words, &[], &used)
        };
        // Head "of" modifier, with a linking "s"; modifier then head, "Schule" as "Schul".
        assert_eq!(compound("world of work").as_deref(), Some("Arbeitswelt"));
        assert_eq!(compound("school book").as_deref(), Some("Schulbuch"));
        // The modifier comes first, as in German: "world work" is no "Weltarbeit".
        assert_eq!(compound("work world").as_deref(), Some("Arbeitswelt"));
        assert_eq!(compound("world work"), None);
        // A compound the documents do not use ("Datenportal") is none.
        assert_eq!(compound("data portal"), None);
        // A verb of the question is no part.
        let tokens = vec!["school".to_string(), "book".to_string()];
        assert_eq!(
            composed(&d, &tokens, &tokens, &["book".to_string()], &used),
            None
        );
        // In a text, the compound is one unit instead of its words.
        let text = "the consequences for the world of work";
        let Phrases { units, outside, .. } = dictionary_phrases(
            &d,
            text,
            &content_words(text),
            &[],
            &Usage {
                as_word: &used,
                in_compounds: &used,
            },
        );
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].phrase, "world of work");
        assert_eq!(units[0].nouns, ["Arbeitswelt"]);
        assert!(!outside.contains("world") && !outside.contains("work"));
    }

    #[test]
    fn a_word_whose_entry_gives_no_noun_of_the_documents_takes_its_plurals() {
        let d = Dictionary::parse(
            "Verlagsrecht {n} :: copyright\n\
             Urheberrecht {n} | Urheberrechte {pl} :: copyright law | copyrights\n\
             Haftung {f} :: liability\n",
        );
        let used = |term: &str| ["urheberrecht", "haftung"].contains(&term);
        let nouns = |w: &str| dictionary_word(&d, w, &used).map(|u| u.nouns);
        assert_eq!(nouns("copyright"), Some(vec!["Urheberrechte".to_string()]));
        assert_eq!(nouns("liability"), Some(vec!["Haftung".to_string()]));
        assert_eq!(nouns("whaling"), None);
    }

    #[test]
    fn the_file_round_trips_and_a_damaged_one_is_refused() {
        let lex = Lexicon::from_vectors(
            vec!["polizei".into(), "hochwass".into()],
            vec!["Polizei".into(), "Hochwasser".into()],
            &[axis(1), v(0.4, 2, 0.5)],
            8,
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        lex.write(&path).expect("write");
        let back = Lexicon::read(&path).expect("read");
        assert_eq!(back.terms, lex.terms);
        assert_eq!(back.words, lex.words);
        assert_eq!(back.vectors, lex.vectors);
        assert_eq!(back.hub, lex.hub);
        assert_eq!(back.dim(), 8);
        let bytes = std::fs::read(&path).expect("bytes");
        std::fs::write(&path, &bytes[..bytes.len() - 3]).expect("truncate");
        assert!(
            Lexicon::read(&path)
                .expect_err("refused")
                .contains("truncated")
        );
        let mut other = bytes.clone();
        other[4] = 9;
        std::fs::write(&path, &other).expect("version");
        assert!(
            Lexicon::read(&path)
                .expect_err("refused")
                .contains("format 9")
        );
        std::fs::write(&path, b"JUNK").expect("junk");
        assert!(Lexicon::read(&path).is_err());
    }

    #[test]
    fn mean_of_largest_takes_the_top_k() {
        assert!((mean_of_largest(&mut [0.1, 0.9, 0.5, 0.7], 2) - 0.8).abs() < 1e-6);
        assert!((mean_of_largest(&mut [0.3], 10) - 0.3).abs() < 1e-6);
        assert_eq!(mean_of_largest(&mut [], 3), 0.0);
    }

    /// Unit vector at `angle` radians in the plane of the first two axes, plus a
    /// component along axis `extra` (0 for none).
    fn v(angle: f32, extra: usize, weight: f32) -> Vec<f32> {
        let mut out = vec![0.0; 8];
        out[0] = angle.cos();
        out[1] = angle.sin();
        if extra > 0 {
            out[extra] = weight;
        }
        normalized(&out)
    }

    fn axis(k: usize) -> Vec<f32> {
        let mut out = vec![0.0; 8];
        out[k] = 1.0;
        out
    }

    #[test]
    fn a_hub_loses_to_the_true_neighbour_and_a_stranger_gets_nothing() {
        // "hub" sits in a cluster of words and is close to all of them; "target" is
        // close to none.
        let words = ["hub", "a", "b", "c", "target"];
        let vectors = vec![
            v(0.0, 0, 0.0),
            v(0.15, 0, 0.0),
            v(-0.15, 0, 0.0),
            v(0.3, 0, 0.0),
            axis(3),
        ];
        let lex = Lexicon::from_vectors(
            words.iter().map(|w| w.to_string()).collect(),
            words.iter().map(|w| w.to_string()).collect(),
            &vectors,
            8,
        );
        // By cosine the query is nearer the hub (0.8) than the target (0.6); CSLS
        // discounts the hub's closeness to everything.
        let query = v(0.0, 3, 0.75);
        assert!(
            dot(&normalized(&query), &lex.vectors[..8])
                > dot(&normalized(&query), &lex.vectors[32..])
        );
        let found = lex.nearest(&query);
        assert_eq!(
            found.first().map(|&j| lex.words[j].as_str()),
            Some("target"),
            "{found:?}"
        );
        // A vector far from every word has no translation.
        assert!(lex.nearest(&axis(6)).is_empty());
    }
}
