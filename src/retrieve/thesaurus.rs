//! German synonyms, read from OpenThesaurus (Debian's `openthesaurus-de-text`,
//! `/usr/share/openthesaurus-de/openthesaurus.txt`, LGPL-2.1, about 34,000 synonym sets).
//!
//! A report that writes "Fortbildung" answers a question on "Schulungen"; the documents'
//! own words do not show it, the thesaurus does (`Fortbildung;Schulung;Weiterbildung;
//! Training`). Its format is one synonym set a line, members separated by `;`, with
//! annotations in parentheses (`Bulle (ugs.)`, `Polizist (Hauptform)`).
//!
//! Only nouns are kept (one capitalised word once a `(Hauptform)` or `(fachspr.)` mark is
//! dropped); a member with any other annotation (colloquial, regional, dated, figurative:
//! words official reports do not use) or of several words is left out, and so is a set
//! with fewer than two nouns left.

use std::collections::HashMap;
use std::path::Path;

use crate::index::lexical::{analyze_with, analyzer};

/// Annotations that keep a member: the main form and technical terms.
const KEPT_MARKS: &[&str] = &["Hauptform", "fachspr."];

/// A noun of a synonym set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// As the thesaurus writes it ("Fortbildung").
    pub word: String,
    /// Its analysed form, as the index holds it (`fortbild`).
    pub term: String,
}

/// Synonym sets of German nouns, found by the analysed form of a member.
#[derive(Debug, Default)]
pub struct Thesaurus {
    /// Each set's nouns.
    sets: Vec<Vec<Member>>,
    /// Analysed term → the sets holding a noun of that term.
    by_term: HashMap<String, Vec<u32>>,
}

impl Thesaurus {
    /// Reads an OpenThesaurus text file; an error names the file and what is wrong.
    pub fn read(path: &Path) -> Result<Thesaurus, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let thesaurus = Thesaurus::parse(&String::from_utf8_lossy(&bytes));
        if thesaurus.is_empty() {
            return Err(format!(
                "{}: no synonym set in the OpenThesaurus format (`Wort;Wort;…`)",
                path.display()
            ));
        }
        Ok(thesaurus)
    }

    /// Parses the text of an OpenThesaurus file (comment lines `#` are skipped).
    pub fn parse(text: &str) -> Thesaurus {
        let mut analyzer = analyzer();
        let mut thesaurus = Thesaurus::default();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let nouns: Vec<Member> = line
                .split(';')
                .filter_map(noun)
                .filter_map(
                    |word| match analyze_with(&mut analyzer, &word).as_mut_slice() {
                        [term] => Some(Member {
                            word,
                            term: std::mem::take(term),
                        }),
                        _ => None,
                    },
                )
                .collect();
            if nouns.len() < 2 {
                continue;
            }
            let id = thesaurus.sets.len() as u32;
            for member in &nouns {
                let sets = thesaurus.by_term.entry(member.term.clone()).or_default();
                if sets.last() != Some(&id) {
                    sets.push(id);
                }
            }
            thesaurus.sets.push(nouns);
        }
        thesaurus
    }

    /// The synonym sets that hold a noun whose analysed form is `term`.
    pub fn sets_of<'a>(&'a self, term: &str) -> impl Iterator<Item = &'a [Member]> + use<'a> {
        self.by_term
            .get(term)
            .into_iter()
            .flatten()
            .map(|&i| self.sets[i as usize].as_slice())
    }

    /// Number of synonym sets.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// True when the thesaurus holds no set.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

/// A member that is one noun (see the module's doc), as written.
fn noun(member: &str) -> Option<String> {
    let mut word = String::new();
    let mut rest = member;
    while let Some(open) = rest.find('(') {
        let close = rest[open..].find(')')? + open;
        if !KEPT_MARKS.contains(&rest[open + 1..close].trim()) {
            return None;
        }
        word.push_str(&rest[..open]);
        rest = &rest[close + 1..];
    }
    word.push_str(rest);
    let word = word.trim();
    let noun = word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().all(|c| c.is_alphabetic() || c == '-');
    noun.then(|| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# OpenThesaurus\n\
        Fortbildung;Schulung;Weiterbildung;Training\n\
        Polizist (Hauptform);Bulle (ugs.);Polizeibeamter;Schutzmann\n\
        (eine) Umschulung machen;umschulen\n\
        Hochwasser;Flut\n\
        Flut;Menge;Masse\n\
        schnell;rasch\n";

    fn term(word: &str) -> String {
        crate::index::lexical::analyze(word)
            .pop()
            .expect("one term")
    }

    #[test]
    fn keeps_noun_sets_and_drops_marked_and_multiword_members() {
        let t = Thesaurus::parse(SAMPLE);
        assert_eq!(t.len(), 4);
        let words = |term: &str| -> Vec<Vec<String>> {
            t.sets_of(term)
                .map(|set| set.iter().map(|m| m.word.clone()).collect())
                .collect()
        };
        let schulung = words(&term("Schulung"));
        assert_eq!(
            schulung,
            vec![["Fortbildung", "Schulung", "Weiterbildung", "Training"].map(String::from)]
        );
        // The main form's mark is dropped, a colloquial member is left out.
        let polizist = words(&term("Polizist"));
        assert_eq!(
            polizist,
            vec![["Polizist", "Polizeibeamter", "Schutzmann"].map(String::from)]
        );
        assert_eq!(t.sets_of(&term("Bulle")).count(), 0);
        // Adjectives and verb phrases are no nouns.
        assert_eq!(t.sets_of(&term("schnell")).count(), 0);
        assert_eq!(t.sets_of(&term("umschulen")).count(), 0);
    }

    #[test]
    fn a_word_of_several_senses_has_several_sets_found_by_any_inflection() {
        let t = Thesaurus::parse(SAMPLE);
        assert_eq!(t.sets_of(&term("Fluten")).count(), 2);
    }

    #[test]
    fn a_file_without_sets_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("empty.txt");
        std::fs::write(&path, "# nothing\nschnell;rasch\n").expect("write");
        let err = Thesaurus::read(&path).expect_err("no sets");
        assert!(err.contains("no synonym set"), "{err}");
        assert!(Thesaurus::read(&dir.path().join("missing")).is_err());
    }
}
