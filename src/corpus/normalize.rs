//! Raw PDF-extracted text → canonical text: paragraphs separated by one blank line.
//!
//! What it repairs, generically (no rule knows a particular file):
//! - odd spaces (NBSP, tabs, thin spaces) become one space; soft hyphens, zero-width
//!   and control characters are dropped; private-use bullet glyphs (U+F0B7 …) become `•`;
//! - page furniture is dropped: lines that are only a page number (`12`, `S. 10`, `- 3 -`)
//!   or a running title between page numbers (`16 + Strategie für Sachsen + 17`);
//! - lines broken mid-sentence are joined into paragraphs. A blank line is a paragraph
//!   break only where the document uses blank lines sparingly; where nearly every line is
//!   followed by one (blank-line noise), breaks come from the text itself: a bullet, a
//!   sentence that ends on a short line, a one-line heading;
//! - a word hyphenated at a line end is joined (`Datenplatt-` + `form` → `Datenplattform`),
//!   but `Wirtschafts-` + `und` keeps its hyphen (`Wirtschafts- und`).
//!
//! What it never does: change a letter or digit of the text, or reorder anything.
//! Artefacts inside words (`KIStrategie`, glued footnote numbers) stay; retrieval copes.
//!
//! **Invariant:** `normalize(normalize(x)) == normalize(x)`; the output is canonical
//! ([`is_canonical`]); the letters and digits of the output are those of the input in
//! order, less dropped page-furniture lines.

/// Paragraph separator of the canonical form.
pub const PARAGRAPH_BREAK: &str = "\n\n";

/// Turns raw extracted text into canonical paragraphs. Pure; never fails.
pub fn normalize(raw: &str) -> String {
    if is_canonical(raw) {
        return raw.to_string();
    }
    let lines = clean_lines(raw);
    let paragraphs = join_paragraphs(&lines);
    paragraphs
        .into_iter()
        .filter(|p| !is_page_furniture(p))
        .collect::<Vec<_>>()
        .join(PARAGRAPH_BREAK)
}

/// True when `text` is already in canonical form: paragraphs without line breaks,
/// separated by exactly one blank line, single spaces, no characters that
/// [`normalize`] would map, no page furniture.
pub fn is_canonical(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    text.split(PARAGRAPH_BREAK).all(|p| {
        !p.is_empty()
            && !p.contains('\n')
            && !p.starts_with(' ')
            && !p.ends_with(' ')
            && !p.contains("  ")
            && p.chars()
                .all(|c| c == ' ' || map_char(c) == Mapped::Keep(c))
            && !is_page_furniture(p)
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Mapped {
    Keep(char),
    Space,
    Drop,
}

fn map_char(c: char) -> Mapped {
    match c {
        '\n' => Mapped::Keep(c),
        '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => Mapped::Drop,
        '\u{e000}'..='\u{f8ff}' => Mapped::Keep('•'),
        c if c.is_whitespace() => Mapped::Space,
        c if c.is_control() => Mapped::Drop,
        c => Mapped::Keep(c),
    }
}

/// One non-blank line after character clean-up.
#[derive(Debug)]
struct Line {
    text: String,
    blank_before: bool,
}

fn clean_lines(raw: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut blank_before = false;
    for raw_line in raw.split('\n') {
        let mut text = String::with_capacity(raw_line.len());
        let mut pending_space = false;
        for c in raw_line.chars() {
            match map_char(c) {
                Mapped::Drop => {}
                Mapped::Space => pending_space = true,
                Mapped::Keep(k) => {
                    if pending_space && !text.is_empty() {
                        text.push(' ');
                    }
                    pending_space = false;
                    text.push(k);
                }
            }
        }
        if text.is_empty() {
            blank_before = true;
            continue;
        }
        if is_page_furniture(&text) {
            continue;
        }
        lines.push(Line { text, blank_before });
        blank_before = false;
    }
    lines
}

/// A page number on its own (`12`, `S. 10`, `S.10`, `Seite 3`, `- 3 -`), or a running
/// title joined to page numbers by `+` or `|` (`16 + Strategie für Sachsen + 17`).
fn is_page_furniture(line: &str) -> bool {
    let t = line.trim();
    if t.chars().count() <= 100 {
        let number = |w: Option<&str>| {
            w.is_some_and(|w| (1..=3).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit()))
        };
        let separator = |w: Option<&str>| matches!(w, Some("+" | "|"));
        let mut words = t.split_whitespace();
        let (first, second) = (words.next(), words.next());
        let mut rev = t.split_whitespace().rev();
        let (last, before_last) = (rev.next(), rev.next());
        if (number(first) && separator(second)) || (number(last) && separator(before_last)) {
            return true;
        }
    }
    let t = t
        .strip_prefix("Seite")
        .or_else(|| t.strip_prefix("S."))
        .unwrap_or(t)
        .trim();
    let t = t
        .strip_prefix('-')
        .and_then(|s| s.strip_suffix('-'))
        .map(str::trim)
        .unwrap_or(t);
    !t.is_empty() && t.len() <= 3 && t.chars().all(|c| c.is_ascii_digit())
}

/// Statistics of a document's lines that the break rules need.
struct Layout {
    /// Typical full line width in characters (90th percentile of line lengths).
    wrap_width: usize,
    /// True when most lines are followed by a blank line, so blank lines carry no meaning.
    blank_noise: bool,
}

impl Layout {
    fn of(lines: &[Line]) -> Layout {
        let mut lengths: Vec<usize> = lines.iter().map(|l| l.text.chars().count()).collect();
        lengths.sort_unstable();
        let wrap_width = lengths
            .get(lengths.len().saturating_sub(1) * 9 / 10)
            .copied()
            .unwrap_or(0);
        let followed_by_blank = lines.iter().skip(1).filter(|l| l.blank_before).count();
        let blank_noise = lines.len() > 4 && followed_by_blank * 2 >= lines.len();
        Layout {
            wrap_width,
            blank_noise,
        }
    }

    fn is_short(&self, line: &str) -> bool {
        line.chars().count() * 4 < self.wrap_width * 3
    }
}

fn join_paragraphs(lines: &[Line]) -> Vec<String> {
    let layout = Layout::of(lines);
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut current_lines = 0;
    let mut prev: Option<&str> = None;
    for line in lines {
        if let Some(a) = prev {
            let current_is_item = starts_bullet(&current);
            if breaks_between(a, line, current_lines == 1, current_is_item, &layout) {
                paragraphs.push(std::mem::take(&mut current));
                current_lines = 0;
            } else {
                append_line(&mut current, &line.text);
                current_lines += 1;
                prev = Some(&line.text);
                continue;
            }
        }
        current.push_str(&line.text);
        current_lines += 1;
        prev = Some(&line.text);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs
}

/// Words after which a line cannot end a heading: articles, prepositions, conjunctions.
pub(crate) const FUNCTION_WORDS: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen",
    "und", "oder", "sowie", "mit", "von", "vom", "zu", "zur", "zum", "für", "in", "im", "auf",
    "bei", "an", "am", "aus", "über", "unter", "nach", "durch", "als", "wie", "dass", "ist",
    "sind", "wird", "werden", "hat", "haben", "sich", "auch", "nicht", "the", "of", "and",
];

/// Decides whether line `b` starts a new paragraph after line `a`.
fn breaks_between(a: &str, b: &Line, a_alone: bool, in_item: bool, layout: &Layout) -> bool {
    let b_text = b.text.as_str();
    if starts_list_item(b_text, a, layout) {
        return true;
    }
    let a_terminal = ends_sentence(a);
    let b_first = b_text.chars().next().unwrap_or(' ');
    // A sentence that visibly goes on is never broken.
    if !a_terminal && (b_first.is_lowercase() || a.ends_with(',') || a.ends_with('-')) {
        return false;
    }
    if b.blank_before && !layout.blank_noise {
        return true;
    }
    if is_all_caps(a) && is_all_caps(b_text) && !a.ends_with(':') {
        return false;
    }
    if a_terminal && (layout.is_short(a) || (layout.is_short(b_text) && ends_sentence(b_text))) {
        return true;
    }
    // A one-line list item that stops short is finished.
    if in_item && a_alone && layout.is_short(a) && !b_first.is_lowercase() {
        return true;
    }
    // Where blank lines are meaningful they already mark headings; elsewhere a short,
    // title-like first line is one.
    layout.blank_noise && a_alone && looks_like_heading(a, layout) && !b_first.is_lowercase()
}

fn looks_like_heading(line: &str, layout: &Layout) -> bool {
    let words: Vec<&str> = line.split(' ').collect();
    let first = line.chars().next().unwrap_or(' ');
    let last_word = words.last().map(|w| w.to_lowercase()).unwrap_or_default();
    layout.is_short(line)
        && words.len() <= 12
        && (first.is_uppercase() || first.is_ascii_digit())
        && !line.ends_with(',')
        && !FUNCTION_WORDS.contains(&last_word.as_str())
}

/// A sentence ends here: `.`, `!`, `?`, `:` or `;`, perhaps followed by closing
/// quotes or brackets and a glued footnote number.
pub(crate) fn ends_sentence(line: &str) -> bool {
    let t = line.trim_end_matches(|c: char| c.is_ascii_digit());
    let t = t.trim_end_matches(['"', '“', '”', '\'', '»', '«', ')', ']', '’']);
    t.ends_with(['.', '!', '?', ':', ';'])
}

fn is_all_caps(line: &str) -> bool {
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 3 && letters.iter().all(|c| !c.is_lowercase())
}

/// The bullet character a line starts with (followed by a space), if any.
fn bullet(line: &str) -> Option<char> {
    let mut chars = line.chars();
    let first = chars.next()?;
    (chars.next() == Some(' ')
        && matches!(
            first,
            '•' | '●' | '▪' | '■' | '◦' | '‣' | '⁃' | '-' | '–' | '*' | '+' | 'o'
        ))
    .then_some(first)
}

fn starts_bullet(line: &str) -> bool {
    bullet(line).is_some()
}

/// Bullets (`•`, `o`, `+`, `*` followed by a space) always start a new paragraph; a dash
/// only after a finished sentence or another dash item (else it is a dash inside a
/// sentence); numbered items (`1.`, `a)`) only after a finished or short line, so that a
/// date wrapped to a line start (`19. April`) is not taken for one.
fn starts_list_item(b: &str, a: &str, layout: &Layout) -> bool {
    match bullet(b) {
        Some(d @ ('-' | '–')) => return ends_sentence(a) || bullet(a) == Some(d),
        Some(_) => return true,
        None => {}
    }
    let first = b.chars().next().unwrap_or(' ');
    let digits = b.chars().take_while(|c| c.is_ascii_digit()).count();
    let numbered = (1..=2).contains(&digits) && b[digits..].starts_with(". ")
        || b.len() > 2 && first.is_ascii_lowercase() && b[1..].starts_with(") ");
    numbered && (ends_sentence(a) || layout.is_short(a))
}

/// Connectives after which a line-end hyphen is a real one: `Wirtschafts- und`.
const HYPHEN_CONNECTIVES: &[&str] = &["und", "oder", "bzw", "sowie", "als", "bis", "wie", "noch"];

fn append_line(current: &mut String, next: &str) {
    let first_word: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
    let hyphen_wrap = current.ends_with('-')
        && current
            .chars()
            .rev()
            .nth(1)
            .is_some_and(|c| c.is_alphabetic())
        && next.chars().next().is_some_and(char::is_lowercase)
        && !HYPHEN_CONNECTIVES.contains(&first_word.as_str());
    if hyphen_wrap {
        current.pop();
    } else {
        current.push(' ');
    }
    current.push_str(next);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn alnum(s: &str) -> Vec<char> {
        s.chars().filter(|c| c.is_alphanumeric()).collect()
    }

    fn is_subsequence(needle: &[char], hay: &[char]) -> bool {
        let mut it = hay.iter();
        needle.iter().all(|c| it.any(|h| h == c))
    }

    #[test]
    fn joins_blank_line_noise_into_paragraphs() {
        let raw = "BW gibt folgenden Bericht zu Protokoll:  \n\nBereits 2016 hat das Land zusammen mit der Wirtschaft und der \n\n\
                   Wissenschaft den Innovationscampus Cyber Valley gestartet – mit der Vision, einen \n\n\
                   internationalen Leuchtturm zu schaffen. Heilbronn wurde nach einem wettbewerblichen Verfahren \n\n\
                   als Standort ausgewählt. \n\nAuch im polizeilichen Bereich ist KI die Schlüsseltechnologie der \n\n\
                   Zukunft. \n\n";
        let out = normalize(raw);
        let paras: Vec<&str> = out.split(PARAGRAPH_BREAK).collect();
        assert_eq!(paras.len(), 3, "{out}");
        assert_eq!(paras[0], "BW gibt folgenden Bericht zu Protokoll:");
        assert!(
            paras[1].starts_with("Bereits 2016") && paras[1].ends_with("als Standort ausgewählt.")
        );
        assert_eq!(
            paras[2],
            "Auch im polizeilichen Bereich ist KI die Schlüsseltechnologie der Zukunft."
        );
    }

    #[test]
    fn keeps_blank_lines_as_breaks_when_they_are_sparse() {
        let raw = "Die KIStrategie soll helfen, dieses Ziel zu erreichen. Sie fasst Maßnahmen\n\
                   und Handlungsfelder zusammen.\n\nInnovationen ermöglichen\n\n\
                   Forschungsschwerpunkte sind vor allem die Methodenentwicklung im Bereich\n\
                   Software und das Daten\nmanagement.\n";
        let out = normalize(raw);
        let paras: Vec<&str> = out.split(PARAGRAPH_BREAK).collect();
        assert_eq!(paras.len(), 3, "{out}");
        assert_eq!(paras[1], "Innovationen ermöglichen");
        assert!(
            paras[2].ends_with("Software und das Daten management."),
            "words are never rewritten"
        );
    }

    #[test]
    fn maps_spaces_bullets_and_drops_page_numbers() {
        let raw = "Ein\u{a0}Satz\tmit  Lücken.\n\n S.10\n\n12\n\n16  +  Strategie für Sachsen +  17\n\n\u{f0b7} Punkt eins\n\u{f0b7} Punkt zwei\n";
        let out = normalize(raw);
        assert_eq!(out, "Ein Satz mit Lücken.\n\n• Punkt eins\n\n• Punkt zwei");
    }

    #[test]
    fn joins_hyphenated_words_but_keeps_conjunction_hyphens() {
        let raw = "Das Portal stellt als Datenplatt-\nform die Daten bereit, für das branchen-\nund forschungsübergreifende Thema.";
        assert_eq!(
            normalize(raw),
            "Das Portal stellt als Datenplattform die Daten bereit, für das branchen- und forschungsübergreifende Thema."
        );
    }

    #[test]
    fn a_wrapped_date_is_not_a_list_item() {
        let raw = "Die Konferenz fand in Berlin statt und das Protokoll wurde am Ende beschlossen am\n19. April 2024 veröffentlicht.";
        assert!(!normalize(raw).contains(PARAGRAPH_BREAK));
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(raw in "(?s).{0,400}") {
            let once = normalize(&raw);
            prop_assert!(is_canonical(&once), "not canonical: {:?}", once);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn idempotent_on_line_structured_text(
            lines in proptest::collection::vec(
                "( ?[A-ZÄÖÜa-zäöü\u{f0b7}o+•-]{1,12}[ .,:\u{a0}-]{0,2}){1,14}\\d{0,2}", 0..30),
            blanks in proptest::collection::vec(0usize..3, 30),
        ) {
            let mut raw = String::new();
            for (i, l) in lines.iter().enumerate() {
                raw.push_str(l);
                raw.push_str(&"\n".repeat(1 + blanks[i]));
            }
            let once = normalize(&raw);
            prop_assert!(is_canonical(&once), "not canonical: {:?}", once);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(is_subsequence(&alnum(&once), &alnum(&raw)));
        }

        #[test]
        fn rewrites_no_letter_or_digit(raw in "(?s)[a-zA-Z0-9äöüß \n\u{a0}\u{f0b7}.,:-]{0,300}") {
            let out = normalize(&raw);
            prop_assert!(is_subsequence(&alnum(&out), &alnum(&raw)));
            // Only page-number lines may be dropped, and those are digits only.
            let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).collect::<String>();
            let kept = letters(&out);
            let dropped_furniture_letters = raw.split('\n').filter(|l| is_page_furniture(l)).map(letters).collect::<String>();
            prop_assert_eq!(kept.len() + dropped_furniture_letters.len(), letters(&raw).len());
        }
    }

    #[test]
    fn seeds_normalize_to_fixed_points() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for doc in crate::corpus::catalog::load(&dir).expect("catalog") {
            let once = normalize(&doc.raw);
            assert!(is_canonical(&once), "{}", doc.meta.id);
            assert_eq!(normalize(&once), once, "{}", doc.meta.id);
            assert!(!once.contains('\u{f0b7}') && !once.contains('\u{a0}'));
        }
    }
}
