//! Sentence boundaries in German (and English) prose, as byte ranges.

use std::ops::Range;

/// Abbreviations after which a period does not end a sentence (lower-case, without the period).
const ABBREVIATIONS: &[&str] = &[
    "z", "b", "d", "h", "u", "a", "v", "s", "o", "bzw", "ca", "vgl", "nr", "dr", "prof", "abs",
    "art", "bspw", "ggf", "inkl", "evtl", "etc", "usw", "mio", "mrd", "tsd", "st", "str", "sog",
    "insb", "u.a", "z.b", "d.h", "jh", "jhd", "min", "max", "ff", "e.v", "gem", "lt", "max",
    "mind", "zzgl", "bzgl", "hrsg", "kap", "eur", "i.d.r", "i", "e", "dt", "engl", "e.g", "i.e",
    "vs", "mr", "mrs", "no", "fig", "wg", "sa", "abb", "tab", "co", "gmbh",
];

/// Splits `text` into sentences; returns byte ranges that cover every non-space
/// character of `text` exactly once, in order, trimmed of surrounding white space.
///
/// A sentence ends at `.`, `!` or `?` (plus closing quotes or brackets and a glued
/// footnote number) followed by white space and an upper-case letter, a digit, a
/// quote or a bullet, unless the period belongs to an abbreviation (`z. B.`, `bzw.`)
/// or a day or ordinal number (`19. April`, `1. Digitalministerkonferenz`).
/// A paragraph break (`\n`) always ends a sentence.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = bytes[i];
        if c == b'\n' {
            push_trimmed(text, start..i, &mut out);
            start = i + 1;
            i += 1;
            continue;
        }
        if matches!(c, b'.' | b'!' | b'?') {
            // Extend over closing punctuation and a glued footnote number.
            let mut end = i + 1;
            while end < text.len() {
                let rest = &text[end..];
                let ch = rest.chars().next().unwrap_or(' ');
                if matches!(
                    ch,
                    '"' | '“' | '”' | '\'' | '»' | ')' | ']' | '’' | '.' | '!' | '?'
                ) {
                    end += ch.len_utf8();
                } else {
                    break;
                }
            }
            let digits = text[end..].bytes().take_while(u8::is_ascii_digit).count();
            if digits <= 2 {
                end += digits;
            }
            if end < text.len()
                && text[end..].starts_with(' ')
                && next_starts_sentence(&text[end + 1..])
                && !(c == b'.' && period_is_not_final(&text[start..i]))
            {
                push_trimmed(text, start..end, &mut out);
                start = end + 1;
                i = end + 1;
                continue;
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &text[range.clone()];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    if lead + trail < piece.len() {
        out.push(range.start + lead..range.end - trail);
    }
}

fn next_starts_sentence(rest: &str) -> bool {
    rest.chars().next().is_some_and(|c| {
        c.is_uppercase() || c.is_ascii_digit() || matches!(c, '„' | '"' | '“' | '•' | '(' | '»')
    })
}

/// True when the period right after `before` belongs to an abbreviation or a number.
fn period_is_not_final(before: &str) -> bool {
    let word = before
        .rsplit([' ', '(', '\n', '/'])
        .next()
        .unwrap_or("")
        .trim_start_matches(['„', '"', '“']);
    if word.is_empty() {
        return false;
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        // Ordinals and days ("19. April", "1. Konferenz"); years end sentences.
        return word.len() <= 2;
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
        || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn splits_at_sentence_ends_but_not_abbreviations_or_dates() {
        let text = "Am 19. April 2024 tagte die 1. Digitalministerkonferenz. Sie beriet z. B. über KI, \
                    bzw. über Daten. Das Ziel ist „KI für alle“. 2025 folgt mehr.";
        assert_eq!(
            sentences(text),
            vec![
                "Am 19. April 2024 tagte die 1. Digitalministerkonferenz.",
                "Sie beriet z. B. über KI, bzw. über Daten.",
                "Das Ziel ist „KI für alle“.",
                "2025 folgt mehr.",
            ]
        );
    }

    #[test]
    fn keeps_glued_footnote_numbers_with_their_sentence() {
        assert_eq!(
            sentences("Zugriff auf Kartenbestände.39 Die Daten stammen aus Messungen."),
            vec![
                "Zugriff auf Kartenbestände.39",
                "Die Daten stammen aus Messungen."
            ]
        );
    }

    #[test]
    fn paragraph_breaks_end_sentences_and_nothing_is_lost() {
        let text = "Überschrift ohne Punkt\n\nErster Satz. zweiter klein geschrieben.";
        assert_eq!(
            sentences(text),
            vec![
                "Überschrift ohne Punkt",
                "Erster Satz. zweiter klein geschrieben."
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn ranges_are_ordered_in_bounds_and_cover_all_words(text in "(?s)[a-zA-Z0-9äÖ.!? „“\n]{0,200}") {
            let ranges = split(&text);
            let mut last = 0;
            for r in &ranges {
                proptest::prop_assert!(r.start >= last && r.start < r.end && r.end <= text.len());
                last = r.end;
            }
            let covered: String = ranges.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>().join(" ");
            let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            proptest::prop_assert_eq!(strip(&covered), strip(&text));
        }
    }
}
