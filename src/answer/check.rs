//! An LLM's draft ↔ the passages it cites: `[n]` markers parsed, markers to no passage
//! dropped and reported, every sentence checked against the passages it cites.
//!
//! **Invariant:** the checked text contains only markers of existing passages; every
//! sentence of it appears in `sentences`, with `supported == false` when it cites
//! nothing or its content words are mostly absent from what it cites.

use std::collections::HashSet;
use std::ops::Range;

use crate::corpus::sentence;
use crate::index::lexical::analyze;

/// A sentence counts as supported when at least this share of its content words (after
/// German analysis: stop words removed, stemmed) occurs in the passages it cites.
pub const MIN_SUPPORT: f32 = 0.5;

/// One sentence of a checked draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    /// The sentence without its markers.
    pub text: String,
    /// Passages it cites (valid numbers only, in order, without repeats).
    pub citations: Vec<usize>,
    /// Share of its content words found in the cited passages (0..=1).
    pub overlap: f32,
    /// Cites at least one passage and `overlap >= MIN_SUPPORT`.
    pub supported: bool,
}

/// A checked draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The draft with markers to no passage removed.
    pub text: String,
    /// Its sentences.
    pub sentences: Vec<Sentence>,
    /// Marker numbers that pointed to no passage (in order of appearance, no repeats).
    pub invalid: Vec<usize>,
}

/// A `[n]` or `[n, m]` marker found in a text.
struct Marker {
    /// Byte range of the whole marker, including one space before it.
    range: Range<usize>,
    numbers: Vec<usize>,
}

fn markers(text: &str) -> Vec<Marker> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'['
            && let Some(close) = text[i + 1..].find(']')
        {
            let inner = &text[i + 1..i + 1 + close];
            let numbers: Option<Vec<usize>> = inner
                .split(',')
                .map(|n| n.trim().parse::<usize>().ok())
                .collect();
            if let Some(numbers) = numbers.filter(|n| !n.is_empty() && inner.len() <= 40) {
                let start = if i > 0 && bytes[i - 1] == b' ' {
                    i - 1
                } else {
                    i
                };
                out.push(Marker {
                    range: start..i + close + 2,
                    numbers,
                });
                i += close + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Checks `draft` against `passages` (passage `n` is `passages[n - 1]`).
pub fn check(draft: &str, passages: &[&str]) -> Checked {
    let draft = draft.trim();
    let valid = |n: usize| (1..=passages.len()).contains(&n);
    let found = markers(draft);
    let mut invalid = Vec::new();
    // The draft with invalid numbers removed, and the plain text with every marker
    // removed, remembering where each marker stood in the plain text.
    let mut text = String::new();
    let mut plain = String::new();
    let mut at: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut last = 0;
    for m in &found {
        text.push_str(&draft[last..m.range.start]);
        plain.push_str(&draft[last..m.range.start]);
        let (good, bad): (Vec<usize>, Vec<usize>) = m.numbers.iter().partition(|n| valid(**n));
        for n in bad {
            if !invalid.contains(&n) {
                invalid.push(n);
            }
        }
        if !good.is_empty() {
            let list: Vec<String> = good.iter().map(usize::to_string).collect();
            text.push_str(&format!(" [{}]", list.join(", ")));
        }
        at.push((plain.len(), good));
        last = m.range.end;
    }
    text.push_str(&draft[last..]);
    plain.push_str(&draft[last..]);

    let ranges = sentence::split(&plain);
    let mut cited: Vec<Vec<usize>> = vec![Vec::new(); ranges.len()];
    for (pos, numbers) in at {
        // A marker belongs to the last sentence that starts at or before it.
        let Some(i) = ranges.iter().rposition(|r| r.start <= pos) else {
            continue;
        };
        for n in numbers {
            if !cited[i].contains(&n) {
                cited[i].push(n);
            }
        }
    }
    let sentences = ranges
        .iter()
        .zip(cited)
        .map(|(r, citations)| {
            let s = plain[r.clone()].trim().to_string();
            let overlap = overlap(&s, citations.iter().map(|n| passages[n - 1]));
            Sentence {
                supported: !citations.is_empty() && overlap >= MIN_SUPPORT,
                text: s,
                citations,
                overlap,
            }
        })
        .collect();
    Checked {
        text: text.trim().to_string(),
        sentences,
        invalid,
    }
}

/// Share of `sentence`'s content words that occur in `passages`; 1 when it has none.
fn overlap<'a>(sentence: &str, passages: impl Iterator<Item = &'a str>) -> f32 {
    let words: HashSet<String> = analyze(sentence).into_iter().collect();
    if words.is_empty() {
        return 1.0;
    }
    let found: HashSet<String> = passages.flat_map(analyze).collect();
    words.iter().filter(|w| found.contains(*w)).count() as f32 / words.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: &str = "Bayern fördert den Mittelstand mit einem KI-Transferprogramm und Beratung.";
    const P2: &str = "Sachsen baut ein Rechenzentrum für die Forschung an Hochschulen.";

    fn summary(c: &Checked) -> Vec<(String, Vec<usize>, bool)> {
        c.sentences
            .iter()
            .map(|s| (s.text.clone(), s.citations.clone(), s.supported))
            .collect()
    }

    #[test]
    fn cited_sentences_that_repeat_their_passage_are_supported() {
        let c = check(
            "Bayern fördert den Mittelstand mit einem Transferprogramm [1]. Sachsen baut ein Rechenzentrum für Hochschulen. [2]",
            &[P1, P2],
        );
        assert_eq!(
            summary(&c),
            [
                (
                    "Bayern fördert den Mittelstand mit einem Transferprogramm.".to_string(),
                    vec![1],
                    true
                ),
                (
                    "Sachsen baut ein Rechenzentrum für Hochschulen.".to_string(),
                    vec![2],
                    true
                ),
            ]
        );
        assert!(c.invalid.is_empty());
    }

    #[test]
    fn a_marker_to_no_passage_is_dropped_and_reported() {
        let c = check(
            "Bayern fördert den Mittelstand [1, 7]. Mehr dazu [9].",
            &[P1, P2],
        );
        assert_eq!(c.invalid, [7, 9]);
        assert_eq!(c.text, "Bayern fördert den Mittelstand [1]. Mehr dazu.");
        assert_eq!(c.sentences[0].citations, [1]);
        assert!(c.sentences[1].citations.is_empty() && !c.sentences[1].supported);
    }

    #[test]
    fn an_uncited_sentence_is_unsupported() {
        let c = check(
            "Bayern fördert den Mittelstand [1]. Berlin plant eine Mondlandung.",
            &[P1],
        );
        assert_eq!(
            summary(&c)[1],
            ("Berlin plant eine Mondlandung.".to_string(), vec![], false)
        );
        assert!(c.sentences[0].supported);
    }

    #[test]
    fn a_sentence_citing_the_wrong_passage_is_unsupported() {
        let c = check(
            "Sachsen baut ein Rechenzentrum für Hochschulen [1].",
            &[P1, P2],
        );
        assert_eq!(c.sentences[0].citations, [1]);
        assert!(!c.sentences[0].supported, "{:?}", c.sentences[0]);
    }

    #[test]
    fn brackets_that_are_not_markers_stay_text() {
        let c = check(
            "Die Förderung [ab 2025] betrifft den Mittelstand [1].",
            &[P1],
        );
        assert_eq!(
            c.text,
            "Die Förderung [ab 2025] betrifft den Mittelstand [1]."
        );
        assert_eq!(c.sentences.len(), 1);
        assert_eq!(c.sentences[0].citations, [1]);
    }
}
