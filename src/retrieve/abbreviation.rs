//! Abbreviations the documents define themselves: "kleine und mittlere Unternehmen
//! (KMU)", "Bundesamt für Sicherheit in der Informationstechnik (BSI)".
//!
//! A report that writes "KMU" answers a question on "kleine und mittlere Unternehmen";
//! the words do not show it, the report's own definition does. A definition is a long
//! form followed by its abbreviation in parentheses, whose capital letters are, in order,
//! the first letters of the long form's words; short function words ("und", "für",
//! "in der") are skipped. Whatever else stands in parentheses is no definition.
//!
//! Learned from the documents' text, so a new document brings its own abbreviations;
//! nothing is listed by hand (`KI` for "Künstliche Intelligenz" is the analyser's,
//! [`crate::index::lexical`]).

use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

use crate::index::lexical::{analyze_with, analyzer};

/// Words a long form may hold that its abbreviation has no letter for.
const FUNCTION_WORDS: &[&str] = &[
    "und", "für", "in", "im", "der", "die", "das", "des", "dem", "den", "von", "vom", "zur", "zum",
    "zu", "mit", "auf", "an", "am", "and", "for", "of", "the", "on", "to",
];

/// Longest abbreviation read, in characters.
const MAX_LETTERS: usize = 8;

/// An abbreviation and the long form it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abbreviation {
    /// As the documents write it ("KMU").
    pub short: String,
    /// The long form's words without function words, analysed as the index analyses
    /// them, so that any inflection matches ("kleinen und mittleren Unternehmen"):
    /// `klein`, `mittl`, `unternehm`.
    pub long: Vec<String>,
}

/// The abbreviations the documents define.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Abbreviations(Vec<Abbreviation>);

impl Abbreviations {
    /// The abbreviations defined in `texts`, each once.
    pub fn learn<'a>(texts: impl IntoIterator<Item = &'a str>) -> Abbreviations {
        let mut found: Vec<Abbreviation> = Vec::new();
        for text in texts {
            let words: Vec<&str> = text.split_whitespace().collect();
            for (i, word) in words.iter().enumerate() {
                let Some(short) = word
                    .trim_end_matches([',', '.', ';', ':'])
                    .strip_prefix('(')
                    .and_then(|w| w.strip_suffix(')'))
                else {
                    continue;
                };
                if let Some(a) = definition(short, &words[..i])
                    && !found.contains(&a)
                {
                    found.push(a);
                }
            }
        }
        Abbreviations(found)
    }

    /// True when the documents define none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The abbreviations whose long form `text` spells out, with the range of `text`'s
    /// whitespace-separated words it takes ("kleine und mittlere Unternehmen" in "den
    /// Mittelstand bzw. kleine und mittlere Unternehmen bei …").
    pub fn spelled_out_in(&self, text: &str) -> Vec<(&Abbreviation, Range<usize>)> {
        if self.0.is_empty() {
            return Vec::new();
        }
        let words: Vec<String> = text.split_whitespace().map(bare).collect();
        let mut analyzer = analyzer();
        let terms: Vec<String> = words.iter().map(|w| term(&mut analyzer, w)).collect();
        let mut out = Vec::new();
        for a in &self.0 {
            for start in 0..words.len() {
                if let Some(end) = long_form_at(&words, &terms, start, &a.long) {
                    out.push((a, start..end));
                }
            }
        }
        out
    }

    /// `text` with " bzw. " and the abbreviation after each long form it spells out
    /// ([`Abbreviations::spelled_out_in`]) that is not followed by the abbreviation
    /// already: "den Mittelstand bzw. kleine und mittlere Unternehmen bei" → "… kleine
    /// und mittlere Unternehmen bzw. KMU bei", an alternative a comparison reads as it
    /// reads the asker's own. Whitespace is normalised to single spaces.
    pub fn as_alternatives(&self, text: &str) -> String {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut after: Vec<Vec<&str>> = vec![Vec::new(); words.len()];
        for (a, range) in self.spelled_out_in(text) {
            let written = words
                .get(range.end)
                .is_some_and(|w| bare(w) == a.short.to_lowercase());
            if !written && !after[range.end - 1].contains(&a.short.as_str()) {
                after[range.end - 1].push(&a.short);
            }
        }
        let mut out: Vec<String> = Vec::with_capacity(words.len());
        for (word, shorts) in words.iter().zip(after) {
            if shorts.is_empty() {
                out.push((*word).to_string());
                continue;
            }
            // Punctuation after the long form ends its alternative too.
            let end = word.trim_end_matches(|c: char| !c.is_alphanumeric());
            let tail = &word[end.len()..];
            out.push(end.to_string());
            for short in shorts {
                out.push(format!("bzw. {short}"));
            }
            if let Some(last) = out.last_mut() {
                last.push_str(tail);
            }
        }
        out.join(" ")
    }
}

/// A word lower case, without the punctuation around it.
fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word)
}

/// A word's analysed form (its first term), else the word itself.
fn term(analyzer: &mut TextAnalyzer, word: &str) -> String {
    analyze_with(analyzer, word)
        .into_iter()
        .next()
        .unwrap_or_else(|| word.to_string())
}

/// The end of `long` spelled out in `words` (with their analysed `terms`) from `start`
/// on (function words between its words skipped), if it is.
fn long_form_at(
    words: &[String],
    terms: &[String],
    start: usize,
    long: &[String],
) -> Option<usize> {
    let mut at = start;
    for (n, want) in long.iter().enumerate() {
        if n > 0 {
            while words.get(at).is_some_and(|w| is_function_word(w)) {
                at += 1;
            }
        }
        if terms.get(at)? != want {
            return None;
        }
        at += 1;
    }
    Some(at)
}

/// The definition of `short` by the words before it (`before`, in order), if it is an
/// abbreviation (two to [`MAX_LETTERS`] letters or digits, at least two capitals, the
/// first one first) whose capitals are the first letters of the last words of
/// `before`, function words skipped.
fn definition(short: &str, before: &[&str]) -> Option<Abbreviation> {
    let n = short.chars().count();
    if !(2..=MAX_LETTERS).contains(&n)
        || !short.chars().all(char::is_alphanumeric)
        || !short.chars().next().is_some_and(char::is_uppercase)
    {
        return None;
    }
    let capitals: Vec<char> = short
        .chars()
        .filter(|c| c.is_uppercase())
        .flat_map(char::to_lowercase)
        .collect();
    if capitals.len() < 2 {
        return None;
    }
    let mut long: Vec<String> = Vec::new();
    let mut want = capitals.iter().rev().peekable();
    for word in before.iter().rev() {
        let Some(&&letter) = want.peek() else {
            break;
        };
        let w = bare(word);
        // A sentence or clause ends before the long form.
        if w.is_empty() || word.ends_with(['.', ':', ';', ')']) {
            return None;
        }
        if !long.is_empty() && is_function_word(&w) {
            continue;
        }
        if !w.starts_with(letter) {
            return None;
        }
        long.push(w);
        want.next();
    }
    if want.peek().is_some() {
        return None;
    }
    let mut analyzer = analyzer();
    let long: Vec<String> = long.iter().rev().map(|w| term(&mut analyzer, w)).collect();
    Some(Abbreviation {
        short: short.to_string(),
        long,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(a: &Abbreviation) -> String {
        a.long.join(" ")
    }

    #[test]
    fn a_definition_is_a_long_form_whose_initials_the_abbreviation_spells() {
        let a = Abbreviations::learn([
            "Gerade kleine und mittlere Unternehmen (KMU) profitieren. Das Bundesamt für \
             Sicherheit in der Informationstechnik (BSI) prüft. Große Sprachmodelle \
             (Large Language Models, LLMs) und Large Language Models (LLMs) sowie KMU.",
        ]);
        let got: Vec<(String, String)> = a.0.iter().map(|a| (a.short.clone(), long(a))).collect();
        assert_eq!(
            got,
            vec![
                ("KMU".into(), "klein mittl unternehm".into()),
                ("BSI".into(), "bundesamt sich informationstechn".into()),
                ("LLMs".into(), "larg languag model".into()),
            ]
        );
    }

    #[test]
    fn other_words_in_parentheses_are_no_definition() {
        let a = Abbreviations::learn([
            "Die Stelle (Referat) arbeitet mit dem Land (BW) und anderen (z. B.) sowie \
             Hessen (HE). Das Projekt (ASEL) läuft. Satz. (KI) Ende (2024).",
        ]);
        assert!(a.is_empty(), "{a:?}");
    }

    #[test]
    fn a_long_form_is_found_in_a_text_with_its_function_words_skipped() {
        let a = Abbreviations::learn(["kleine und mittlere Unternehmen (KMU)"]);
        let text = "unterstützen den Mittelstand bzw. kleine und mittlere Unternehmen bei";
        let found = a.spelled_out_in(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.short, "KMU");
        assert_eq!(found[0].1, 4..8);
        let inflected = a.spelled_out_in("helfen kleinen und mittleren Unternehmen");
        assert_eq!(inflected.len(), 1);
        assert!(
            a.spelled_out_in("kleine Unternehmen und mittlere")
                .is_empty()
        );
    }

    #[test]
    fn a_long_form_takes_its_abbreviation_as_an_alternative() {
        let a = Abbreviations::learn(["kleine und mittlere Unternehmen (KMU)"]);
        assert_eq!(
            a.as_alternatives("für kleine und  mittlere Unternehmen, etwa Handwerk"),
            "für kleine und mittlere Unternehmen bzw. KMU, etwa Handwerk"
        );
        assert_eq!(
            a.as_alternatives("für kleine und mittlere Unternehmen (KMU)"),
            "für kleine und mittlere Unternehmen (KMU)"
        );
        assert_eq!(a.as_alternatives("für KMU"), "für KMU");
    }
}
