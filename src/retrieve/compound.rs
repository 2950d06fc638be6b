//! Compounds the documents do not use, split into parts they do: a comparison on
//! "Hochwasserwarnungen" is judged by "Hochwasser" and "Warnungen" when only those occur
//! in the passages. (Search does not split: there the unknown word costs nothing, as
//! dense retrieval carries it, and its parts can add noise: "Digitalministerkonferenz"
//! as "Digital", "Minister", "Konferenz".)
//!
//! **Invariant:** a word is split only when the documents do not use it and use every
//! part ([`split_compound`]); other text is returned unchanged.

use std::collections::HashSet;

use crate::index::Index;
use crate::index::lexical::{
    MIN_COMPOUND_PART, analyze, analyze_with, analyzer, in_compound, split_compound,
};
use crate::retrieve::lexicon::capitalised;

/// The analysed terms of the documents' passages, each once: what a word the documents
/// use only inside compounds is looked up in ([`IndexTerms::compounds_of`]). Learned by
/// the engine once per index, from the store's text (any backend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexTerms {
    /// The analysed terms, sorted; and each reversed, sorted: what
    /// [`IndexTerms::has_compounds`] searches.
    terms: Vec<String>,
    reversed_terms: Vec<String>,
    /// The passages' words as written, in lower case, sorted; and each reversed, sorted:
    /// what [`IndexTerms::begins_or_ends_a_word`] searches.
    words: Vec<String>,
    reversed_words: Vec<String>,
}

impl IndexTerms {
    /// The terms and words of every passage's indexed text (header and text).
    pub fn learn(index: &Index) -> IndexTerms {
        IndexTerms::of((0..index.store.chunks.len()).map(|i| index.store.indexed_text(i)))
    }

    /// The terms and words of `texts`.
    pub fn of<T: AsRef<str>>(texts: impl IntoIterator<Item = T>) -> IndexTerms {
        let mut seen: HashSet<String> = HashSet::new();
        let mut words: HashSet<String> = HashSet::new();
        let mut analyzer = analyzer();
        for text in texts {
            let text = text.as_ref();
            seen.extend(analyze_with(&mut analyzer, text));
            words.extend(
                text.split(|c: char| !c.is_alphabetic())
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase),
            );
        }
        let (terms, reversed_terms) = sorted_and_reversed(seen);
        let (words, reversed_words) = sorted_and_reversed(words);
        IndexTerms {
            terms,
            reversed_terms,
            words,
            reversed_words,
        }
    }

    /// The terms that hold the analysed `term` as their head or first part
    /// ([`in_compound`]): "Haftung", which the seeds use only in "Haftungsfragen" and
    /// "Haftungsgrundsätze", is `haftungsfrag`, `haftungsgrundsatz`.
    pub fn compounds_of(&self, term: &str) -> Vec<&str> {
        self.terms
            .iter()
            .filter(|w| in_compound(w, term))
            .map(String::as_str)
            .collect()
    }

    /// True when [`IndexTerms::compounds_of`] `term` is not empty, found by searching the
    /// sorted terms rather than by reading them all (a question's words are looked up
    /// many times over when they are split into parts).
    pub fn has_compounds(&self, term: &str) -> bool {
        if term.chars().count() < MIN_COMPOUND_PART {
            return false;
        }
        let reversed: String = term.chars().rev().collect();
        starting(&self.terms, term).any(|w| in_compound(w, term))
            || starting(&self.reversed_terms, &reversed).any(|w| w.len() > reversed.len())
    }

    /// True when a word of the passages, as written, is `word` or begins or ends with it
    /// (lower case): "fach" begins "Fachkräfte", "steuer" "Steuerfestsetzung". Unlike
    /// analysed terms this does not take "Wetter" (`wett`) for the start of
    /// "Wettbewerb".
    pub fn begins_or_ends_a_word(&self, word: &str) -> bool {
        let word = word.to_lowercase();
        let reversed: String = word.chars().rev().collect();
        starting(&self.words, &word).next().is_some()
            || starting(&self.reversed_words, &reversed).next().is_some()
    }
}

/// `items` sorted, and each reversed, sorted.
fn sorted_and_reversed(items: HashSet<String>) -> (Vec<String>, Vec<String>) {
    let mut reversed: Vec<String> = items.iter().map(|w| w.chars().rev().collect()).collect();
    reversed.sort();
    let mut items: Vec<String> = items.into_iter().collect();
    items.sort();
    (items, reversed)
}

/// The strings of `sorted` that begin with `prefix`.
fn starting<'a>(sorted: &'a [String], prefix: &'a str) -> impl Iterator<Item = &'a String> + 'a {
    let at = sorted.partition_point(|w| w.as_str() < prefix);
    sorted[at..]
        .iter()
        .take_while(move |w| w.starts_with(prefix))
}

/// `text` with each capitalised word the documents do not use, but whose parts they
/// do, written as those parts ("KI für Hochwasserwarnungen" → "KI für Hochwasser
/// Warnungen"), and the parts of each word split (lower case). Unsplit, such a word
/// matches no passage and is no key term of a comparison.
pub fn split_unknown_compounds(index: &Index, text: &str) -> (String, Vec<Vec<String>>) {
    let known = |w: &str| {
        let terms = analyze(w);
        !terms.is_empty() && terms.iter().all(|t| index.backend.doc_freq(t) > 0)
    };
    let mut out = String::with_capacity(text.len() + 16);
    let mut compounds = Vec::new();
    let mut rest = text;
    // Words are runs of letters; everything between them is kept as it is.
    while let Some(start) = rest.find(char::is_alphabetic) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let word = &rest[..end];
        let parts = (word.chars().next().is_some_and(char::is_uppercase) && !known(word))
            .then(|| split_compound(word, &known))
            .flatten();
        match parts {
            Some(parts) => {
                let capitalised: Vec<String> = parts.iter().map(|p| capitalised(p)).collect();
                out.push_str(&capitalised.join(" "));
                compounds.push(parts);
            }
            None => out.push_str(word),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, compounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_found_at_the_start_or_end_of_the_words_as_written() {
        let terms = IndexTerms::of([
            "Fachkräfte im Wettbewerb",
            "die Unikliniken und Haftungsfragen",
        ]);
        assert!(terms.begins_or_ends_a_word("Fach"));
        assert!(terms.begins_or_ends_a_word("kliniken"));
        assert!(terms.begins_or_ends_a_word("Unikliniken"));
        // Not inside a word, and not by a shared stem: "Wetter" is no "Wettbewerb".
        assert!(!terms.begins_or_ends_a_word("klinik"));
        assert!(!terms.begins_or_ends_a_word("Wetter"));
        assert!(!terms.begins_or_ends_a_word("Bibliothek"));
        // Terms are analysed: "Haftung" is the first part of `haftungsfrag`.
        assert_eq!(terms.compounds_of("haftung"), ["haftungsfrag"]);
        // The search agrees with the scan.
        for term in [
            "haftung",
            "frag",
            "fachkraft",
            "kraft",
            "klinik",
            "unikliniken",
            "wett",
        ] {
            assert_eq!(
                terms.has_compounds(term),
                !terms.compounds_of(term).is_empty(),
                "{term}"
            );
        }
    }

    #[test]
    fn capitalises_the_first_letter() {
        assert_eq!(capitalised("überschwemmung"), "Überschwemmung");
        assert_eq!(capitalised(""), "");
    }
}
