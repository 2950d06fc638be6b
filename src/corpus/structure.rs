//! Canonical text → paragraphs that know their kind, section and state.
//!
//! Generic rules, applied to every document alike:
//! - a short paragraph that names exactly one state and says `Bericht` (`BY gibt folgenden
//!   Bericht zu Protokoll:`), or is only a state's name (`Freistaat Sachsen`), opens that
//!   state's section (level 0); everything up to the next such paragraph belongs to it;
//! - an upper-case paragraph (`STRATEGIEZIEL 3`, `KI ALS SCHLÜSSELTECHNOLOGIE`) or a
//!   numbered part (`Kapitel 2 …`) is a level-1 heading; an upper-case label ending in `:`
//!   (`WAS WIR ERREICHEN WOLLEN:`) and a short title-like line without final punctuation
//!   are level-2 headings;
//! - a paragraph that starts with a footnote number and a link (`2 https://…`,
//!   `34 www.…`) is a footnote.
//!
//! **Invariant:** every paragraph's span is a slice of the text that contains no paragraph
//! break; paragraphs are in text order; a paragraph's state is its state section's, else
//! the document's default state.

use std::ops::Range;

use super::StateCode;
use super::normalize::{FUNCTION_WORDS, PARAGRAPH_BREAK, ends_sentence};

/// What a paragraph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParagraphKind {
    /// Opens a section; its text is the section title.
    Heading,
    /// Running text.
    Body,
    /// A bullet or numbered item.
    ListItem,
    /// A footnote (number and link); kept in the text, not worth retrieving.
    Footnote,
}

/// One paragraph of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Byte range in the canonical text.
    pub span: Range<usize>,
    /// What it is.
    pub kind: ParagraphKind,
    /// Index into [`Structure::sections`] of the innermost section it belongs to.
    pub section: usize,
    /// The state it speaks for, if any.
    pub state: Option<StateCode>,
}

/// A section of a document: a state's report, a chapter, a titled part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Titles from the outermost section to this one (empty for the document's preamble).
    pub path: Vec<String>,
    /// The same without the state-section title (which names only the state).
    pub topic: Vec<String>,
    /// 0 = state section, 1 = chapter, 2 = titled part.
    pub level: u8,
    /// The state it belongs to, if any.
    pub state: Option<StateCode>,
    /// Byte range in the canonical text, from its heading to the next section.
    pub span: Range<usize>,
}

impl Section {
    /// The path joined for display: `Bayern › Hightech Agenda`.
    pub fn label(&self) -> String {
        self.path.join(" › ")
    }
}

/// A document's paragraphs and sections.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    /// All paragraphs in text order.
    pub paragraphs: Vec<Paragraph>,
    /// All sections in text order; index 0 is the preamble before the first heading.
    pub sections: Vec<Section>,
}

/// Finds the paragraphs and sections of canonical `text`.
/// `default_state` is the catalog's state for a document that belongs to one state.
pub fn structure(text: &str, default_state: Option<StateCode>) -> Structure {
    let mut out = Structure {
        paragraphs: Vec::new(),
        sections: vec![Section {
            path: Vec::new(),
            topic: Vec::new(),
            level: 0,
            state: default_state,
            span: 0..text.len(),
        }],
    };
    // Titles of the open sections at levels 0, 1, 2.
    let mut open: [Option<String>; 3] = [None, None, None];
    let mut state = default_state;
    let spans = paragraph_spans(text);
    // Upper-case headings are chapters unless the document numbers its chapters
    // (`STRATEGIEZIEL 3`); then they are titled parts inside those.
    let numbered_chapters = spans.iter().any(|r| is_numbered_part(&text[r.clone()]));
    for span in spans {
        let p = &text[span.clone()];
        let kind = classify(p);
        if let Some((level, title, new_state)) = heading_level(p, kind, numbered_chapters) {
            if level == 0 {
                state = new_state.or(default_state);
            }
            open[level as usize] = Some(title);
            for deeper in open.iter_mut().skip(level as usize + 1) {
                *deeper = None;
            }
            if let Some(last) = out.sections.last_mut() {
                last.span.end = span.start;
            }
            out.sections.push(Section {
                path: open.iter().flatten().cloned().collect(),
                topic: open.iter().skip(1).flatten().cloned().collect(),
                level,
                state,
                span: span.start..text.len(),
            });
        }
        out.paragraphs.push(Paragraph {
            span,
            kind,
            section: out.sections.len() - 1,
            state,
        });
    }
    out
}

fn paragraph_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(PARAGRAPH_BREAK) {
        if i > start {
            spans.push(start..i);
        }
        start = i + PARAGRAPH_BREAK.len();
    }
    if start < text.len() {
        spans.push(start..text.len());
    }
    spans
        .into_iter()
        .filter_map(|r| {
            let p = &text[r.clone()];
            let lead = p.len() - p.trim_start().len();
            let trail = p.len() - p.trim_end().len();
            (lead + trail < p.len()).then(|| r.start + lead..r.end - trail)
        })
        .collect()
}

fn classify(p: &str) -> ParagraphKind {
    let mut chars = p.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    let words: Vec<&str> = p.split_whitespace().collect();
    if words.len() >= 2
        && words[0].len() <= 2
        && words[0].chars().all(|c| c.is_ascii_digit())
        && (words[1].starts_with("http") || words[1].starts_with("www."))
    {
        return ParagraphKind::Footnote;
    }
    if second == ' '
        && matches!(
            first,
            '•' | '●' | '▪' | '■' | '◦' | '‣' | '⁃' | '-' | '–' | '*' | '+' | 'o'
        )
    {
        return ParagraphKind::ListItem;
    }
    let digits = p.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits) && p[digits..].starts_with(". ") {
        return ParagraphKind::ListItem;
    }
    if is_heading_text(p) {
        return ParagraphKind::Heading;
    }
    ParagraphKind::Body
}

fn is_upper_case_text(p: &str) -> bool {
    let letters: Vec<char> = p.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 4 && letters.iter().all(|c| !c.is_lowercase())
}

fn is_heading_text(p: &str) -> bool {
    let chars = p.chars().count();
    let words = p.split_whitespace().count();
    let first = p.chars().next().unwrap_or(' ');
    if chars > 120 || !(first.is_uppercase() || first.is_ascii_digit() || first == '„') {
        return false;
    }
    if is_upper_case_text(p) {
        return true;
    }
    if state_marker(p).is_some() {
        return true;
    }
    let last_word = p.rsplit(' ').next().unwrap_or("").to_lowercase();
    chars <= 80
        && words <= 10
        && p.chars().filter(|c| c.is_alphabetic()).count() >= 4
        && !ends_sentence(p)
        && !p.ends_with([',', '-', '–'])
        && !FUNCTION_WORDS.contains(&last_word.as_str())
}

/// The state a paragraph opens a section for, if it is a state marker.
fn state_marker(p: &str) -> Option<StateCode> {
    if p.chars().count() > 100 {
        return None;
    }
    let trimmed = p.trim_end_matches(':').trim();
    if let Some(state) = StateCode::from_name_or_code(trimmed) {
        return (StateCode::parse(trimmed).is_none()).then_some(state);
    }
    if !p.to_lowercase().contains("bericht") {
        return None;
    }
    let mut found: Vec<StateCode> = Vec::new();
    let words: Vec<&str> = p
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let hit = if w.len() == 2 && w.chars().all(|c| c.is_ascii_uppercase()) {
            StateCode::parse(w)
        } else {
            StateCode::from_name_or_code(w).or_else(|| {
                words
                    .get(i + 1)
                    .and_then(|next| StateCode::from_name_or_code(&format!("{w} {next}")))
            })
        };
        if let Some(s) = hit
            && !found.contains(&s)
        {
            found.push(s);
        }
    }
    (found.len() == 1).then(|| found[0])
}

/// `Kapitel 2 …`, `STRATEGIEZIEL 3`, `Teil B`: a numbered chapter heading.
fn is_numbered_part(p: &str) -> bool {
    let mut words = p.split_whitespace();
    let first = words.next().unwrap_or("").to_lowercase();
    let second = words.next().unwrap_or("");
    p.chars().count() <= 120
        && matches!(
            first.as_str(),
            "kapitel"
                | "teil"
                | "abschnitt"
                | "strategieziel"
                | "ziel"
                | "handlungsfeld"
                | "chapter"
                | "part"
                | "section"
        )
        && second
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c.is_uppercase())
}

/// Level, title and (for level 0) state of a heading paragraph.
fn heading_level(
    p: &str,
    kind: ParagraphKind,
    numbered_chapters: bool,
) -> Option<(u8, String, Option<StateCode>)> {
    if kind != ParagraphKind::Heading {
        return None;
    }
    let title = p.trim_end_matches(':').trim().to_string();
    if let Some(state) = state_marker(p) {
        return Some((0, title, Some(state)));
    }
    let chapter = if numbered_chapters {
        is_numbered_part(p)
    } else {
        is_upper_case_text(p) && !p.ends_with(':')
    };
    Some((if chapter { 1 } else { 2 }, title, None))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn titles(s: &Structure) -> Vec<String> {
        s.sections.iter().skip(1).map(Section::label).collect()
    }

    #[test]
    fn state_markers_open_state_sections() {
        let text = "Berichte der Länder\n\nBW gibt folgenden Bericht zu Protokoll:\n\nDas Land fördert KI.\n\n\
                    BY gibt folgenden Bericht zu Protokoll:\n\nHightech Agenda Bayern\n\nBayern investiert.";
        let s = structure(text, None);
        assert_eq!(
            titles(&s),
            vec![
                "Berichte der Länder",
                "BW gibt folgenden Bericht zu Protokoll",
                "BY gibt folgenden Bericht zu Protokoll",
                "BY gibt folgenden Bericht zu Protokoll › Hightech Agenda Bayern",
            ]
        );
        let body = |needle: &str| {
            s.paragraphs
                .iter()
                .find(|p| text[p.span.clone()].contains(needle))
                .expect("paragraph")
                .state
                .map(StateCode::code)
        };
        assert_eq!(body("Das Land fördert"), Some("BW"));
        assert_eq!(body("Bayern investiert"), Some("BY"));
    }

    #[test]
    fn upper_case_headings_nest_labels_and_titles() {
        let text = "STRATEGIEZIEL 1\n\nWAS WIR ERREICHEN WOLLEN:\n\nWir wollen viel.\n\nInnovationen ermöglichen\n\nText.";
        let s = structure(text, StateCode::parse("SN"));
        assert_eq!(
            titles(&s),
            vec![
                "STRATEGIEZIEL 1",
                "STRATEGIEZIEL 1 › WAS WIR ERREICHEN WOLLEN",
                "STRATEGIEZIEL 1 › Innovationen ermöglichen",
            ]
        );
        assert!(
            s.paragraphs
                .iter()
                .all(|p| p.state.map(StateCode::code) == Some("SN"))
        );
    }

    #[test]
    fn numbered_links_are_footnotes_also_with_www_or_a_space_in_the_url() {
        let text = "Ein Satz im Text.\n\n34 www.medizininformatikinitiative.de/index.php/de/konsortien\n\n\
                    22 https://www.mittelstanddigital.de/MD/Publikationen/ zentrumkommunikation.html";
        let kinds: Vec<ParagraphKind> = structure(text, None)
            .paragraphs
            .iter()
            .map(|p| p.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                ParagraphKind::Body,
                ParagraphKind::Footnote,
                ParagraphKind::Footnote
            ]
        );
    }

    #[test]
    fn bullets_and_footnotes_are_recognised() {
        let text = "Es gibt:\n\n• Punkt eins\n\n2 https://www.scads.de";
        let kinds: Vec<ParagraphKind> = structure(text, None)
            .paragraphs
            .iter()
            .map(|p| p.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                ParagraphKind::Body,
                ParagraphKind::ListItem,
                ParagraphKind::Footnote
            ]
        );
    }

    /// Checks the module invariant on any text: paragraph spans are non-empty slices on
    /// char boundaries without a paragraph break, in order and disjoint; each paragraph
    /// points at an existing section and carries that section's state; section spans are
    /// in bounds and in order.
    pub(crate) fn check_invariants(text: &str, s: &Structure) -> Result<(), String> {
        let mut prev_end = 0;
        for (i, p) in s.paragraphs.iter().enumerate() {
            let r = &p.span;
            if r.start >= r.end || r.end > text.len() {
                return Err(format!("paragraph {i} {r:?} is empty or out of bounds"));
            }
            if !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
                return Err(format!("paragraph {i} {r:?} is not on char boundaries"));
            }
            if r.start < prev_end {
                return Err(format!(
                    "paragraph {i} {r:?} overlaps or precedes {prev_end}"
                ));
            }
            if text[r.clone()].contains(PARAGRAPH_BREAK) {
                return Err(format!("paragraph {i} {r:?} holds a paragraph break"));
            }
            let Some(section) = s.sections.get(p.section) else {
                return Err(format!("paragraph {i} names section {}", p.section));
            };
            if section.state != p.state {
                return Err(format!("paragraph {i} has another state than its section"));
            }
            if r.start < section.span.start || r.end > section.span.end {
                return Err(format!("paragraph {i} {r:?} lies outside its section"));
            }
            prev_end = r.end;
        }
        let mut prev_start = 0;
        for (i, sec) in s.sections.iter().enumerate() {
            let r = &sec.span;
            if r.start > r.end || r.end > text.len() || r.start < prev_start {
                return Err(format!("section {i} {r:?} is out of order or bounds"));
            }
            prev_start = r.start;
        }
        Ok(())
    }

    /// Arbitrary text in the shapes extracted PDFs take and some they should not: any
    /// UTF-8, one huge line, no newlines at all, only bullets, headings and state markers.
    pub(crate) fn any_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("• ".to_string()),
            Just("- ".to_string()),
            Just("1. ".to_string()),
            Just("BY gibt folgenden Bericht zu Protokoll:".to_string()),
            Just("Freistaat Sachsen".to_string()),
            Just("STRATEGIEZIEL 3".to_string()),
            Just("Kapitel 2".to_string()),
            Just("2 https://example.org".to_string()),
            Just("Ein Satz. Noch ein Satz! ".to_string()),
            "[a-zäöüßA-Z ]{1,30}",
            "\\PC{1,10}",
        ];
        prop_oneof![
            "(?s).{0,300}",
            proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat()),
            ("[A-Za-zäöü ]{1,20}", 1usize..2000).prop_map(|(w, n)| w.repeat(n)),
            proptest::collection::vec("[•\\-*o] ?[a-z]{0,3}\n{0,2}", 0..80)
                .prop_map(|v| v.concat()),
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_text_structures_without_panic_and_keeps_the_invariants(
            raw in any_text(),
            sn in proptest::bool::ANY,
        ) {
            let default_state = if sn { StateCode::parse("SN") } else { None };
            let s = structure(&raw, default_state);
            if let Err(e) = check_invariants(&raw, &s) {
                return Err(proptest::test_runner::TestCaseError::fail(format!("raw: {e}")));
            }
            let text = crate::corpus::normalize::normalize(&raw);
            let s = structure(&text, default_state);
            if let Err(e) = check_invariants(&text, &s) {
                return Err(proptest::test_runner::TestCaseError::fail(format!("normalized: {e}")));
            }
        }
    }
}
