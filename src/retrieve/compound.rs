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
use crate::index::lexical::{analyze, analyze_with, analyzer, in_compound, split_compound};

/// The analysed terms of the documents' passages, each once: what a word the documents
/// use only inside compounds is looked up in ([`IndexTerms::compounds_of`]). Learned by
/// the engine once per index, from the store's text (any backend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexTerms(Vec<String>);

impl IndexTerms {
    /// The terms of every passage's indexed text (header and text).
    pub fn learn(index: &Index) -> IndexTerms {
        let mut seen: HashSet<String> = HashSet::new();
        let mut analyzer = analyzer();
        for i in 0..index.store.chunks.len() {
            seen.extend(analyze_with(&mut analyzer, &index.store.indexed_text(i)));
        }
        let mut terms: Vec<String> = seen.into_iter().collect();
        terms.sort();
        IndexTerms(terms)
    }

    /// The terms that hold the analysed `term` as their head or first part
    /// ([`in_compound`]): "Haftung", which the seeds use only in "Haftungsfragen" and
    /// "Haftungsgrundsätze", is `haftungsfrag`, `haftungsgrundsatz`.
    pub fn compounds_of(&self, term: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|w| in_compound(w, term))
            .map(String::as_str)
            .collect()
    }
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
                let capitalised: Vec<String> = parts.iter().map(|p| capitalise(p)).collect();
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

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalises_the_first_letter() {
        assert_eq!(capitalise("überschwemmung"), "Überschwemmung");
        assert_eq!(capitalise(""), "");
    }
}
