//! Paragraphs → chunks: the passages that are embedded, indexed and cited.
//!
//! A chunk is a contiguous slice of one section's running text (body paragraphs and
//! list items; headings and footnotes are left out), packed paragraph by paragraph
//! up to a token budget and split between sentences where a paragraph is too long.
//! Its header (state, document, section) is embedded and indexed with it but is not
//! part of the citation text.
//!
//! **Invariant:** a chunk's text is `doc_text[span]`; no chunk crosses a section or
//! state boundary; no chunk holds more than `max_tokens` tokens unless a single word
//! does; no chunk has fewer than [`MIN_WORDS`] words with letters.

use std::ops::Range;

use super::sentence;
use super::structure::{ParagraphKind, Structure};

/// Chunking parameters; recorded in the index manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChunkParams {
    /// Most tokens of passage text per chunk (the header comes on top).
    pub max_tokens: usize,
}

impl Default for ChunkParams {
    fn default() -> Self {
        ChunkParams { max_tokens: 160 }
    }
}

/// A passage of one section, as a byte range of the canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSpan {
    /// Byte range in the document's canonical text.
    pub span: Range<usize>,
    /// Index of the section in the document's [`Structure`].
    pub section: usize,
    /// Index of the first paragraph in the chunk.
    pub first_paragraph: usize,
}

/// Splits a structured document into chunks. `count_tokens` measures text with
/// the embedding model's tokenizer.
pub fn chunk(
    text: &str,
    structure: &Structure,
    params: ChunkParams,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<ChunkSpan> {
    let mut out = Vec::new();
    // Pieces (sentence groups or paragraphs) of the current section waiting to be packed.
    let mut pending: Vec<(Range<usize>, usize, usize)> = Vec::new(); // (span, tokens, paragraph)
    let mut section = usize::MAX;
    let mut state = None;
    for (pi, p) in structure.paragraphs.iter().enumerate() {
        if !matches!(p.kind, ParagraphKind::Body | ParagraphKind::ListItem) {
            // A chunk is one contiguous slice: a heading or footnote between two
            // paragraphs ends it.
            flush(text, &mut pending, section, params, &mut out);
            continue;
        }
        if p.section != section || p.state != state {
            flush(text, &mut pending, section, params, &mut out);
            section = p.section;
            state = p.state;
        }
        let tokens = count_tokens(&text[p.span.clone()]);
        if tokens <= params.max_tokens {
            pending.push((p.span.clone(), tokens, pi));
        } else {
            for s in split_long(text, p.span.clone(), params.max_tokens, count_tokens) {
                let t = count_tokens(&text[s.clone()]);
                pending.push((s, t, pi));
            }
        }
    }
    flush(text, &mut pending, section, params, &mut out);
    out
}

/// Packs pending pieces greedily into chunks of at most `max_tokens`.
fn flush(
    text: &str,
    pending: &mut Vec<(Range<usize>, usize, usize)>,
    section: usize,
    params: ChunkParams,
    out: &mut Vec<ChunkSpan>,
) {
    let mut current: Option<(Range<usize>, usize, usize)> = None;
    for (span, tokens, paragraph) in pending.drain(..) {
        current = match current {
            None => Some((span, tokens, paragraph)),
            Some((cur, cur_tokens, first)) => {
                // Separator tokens are not counted: a paragraph break adds none.
                if cur_tokens + tokens <= params.max_tokens {
                    Some((cur.start..span.end, cur_tokens + tokens, first))
                } else {
                    out.push(ChunkSpan {
                        span: cur,
                        section,
                        first_paragraph: first,
                    });
                    Some((span, tokens, paragraph))
                }
            }
        };
    }
    if let Some((span, _, first)) = current {
        out.push(ChunkSpan {
            span,
            section,
            first_paragraph: first,
        });
    }
    // Fragments (figure labels, a lone "Anlage 6:") are no evidence for anything.
    out.retain(|c| words_with_letters(&text[c.span.clone()]) >= MIN_WORDS);
}

/// Fewest words (with at least one letter) a chunk must have.
pub const MIN_WORDS: usize = 4;

fn words_with_letters(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
}

/// Splits one long paragraph into sentence groups of at most `max_tokens`;
/// a sentence longer than that is split between words.
fn split_long(
    text: &str,
    span: Range<usize>,
    max_tokens: usize,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<Range<usize>> {
    let base = span.start;
    let mut pieces = Vec::new();
    for s in sentence::split(&text[span]) {
        let s = base + s.start..base + s.end;
        if count_tokens(&text[s.clone()]) <= max_tokens {
            pieces.push(s);
        } else {
            pieces.extend(split_words(text, s, max_tokens, count_tokens));
        }
    }
    // Group consecutive sentences up to the budget.
    let mut groups: Vec<Range<usize>> = Vec::new();
    for s in pieces {
        if let Some(last) = groups.last_mut()
            && count_tokens(&text[last.start..s.end]) <= max_tokens
        {
            last.end = s.end;
            continue;
        }
        groups.push(s);
    }
    groups
}

fn split_words(
    text: &str,
    span: Range<usize>,
    max_tokens: usize,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut word_start = span.start;
    let piece = &text[span.clone()];
    let mut words: Vec<Range<usize>> = Vec::new();
    for (i, c) in piece.char_indices() {
        if c == ' ' {
            if span.start + i > word_start {
                words.push(word_start..span.start + i);
            }
            word_start = span.start + i + 1;
        }
    }
    if word_start < span.end {
        words.push(word_start..span.end);
    }
    for w in words {
        if let Some(last) = out.last_mut()
            && count_tokens(&text[last.start..w.end]) <= max_tokens
        {
            last.end = w.end;
            continue;
        }
        out.push(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::structure::structure;

    fn words(s: &str) -> usize {
        s.split_whitespace().count()
    }

    #[test]
    fn packs_paragraphs_and_never_crosses_sections() {
        let text = "BW gibt folgenden Bericht zu Protokoll:\n\nEins zwei drei.\n\nVier fünf.\n\n\
                    BY gibt folgenden Bericht zu Protokoll:\n\nSechs sieben acht neun.";
        let s = structure(text, None);
        let params = ChunkParams { max_tokens: 10 };
        let chunks = chunk(text, &s, params, &words);
        let texts: Vec<&str> = chunks.iter().map(|c| &text[c.span.clone()]).collect();
        assert_eq!(
            texts,
            vec!["Eins zwei drei.\n\nVier fünf.", "Sechs sieben acht neun."]
        );
    }

    #[test]
    fn a_footnote_between_paragraphs_ends_the_chunk() {
        let text = "Erster Absatz mit einigen Wörtern.\n\n2 https://example.org/quelle\n\nZweiter Absatz mit Wörtern.";
        let s = structure(text, None);
        let chunks = chunk(text, &s, ChunkParams { max_tokens: 50 }, &words);
        let texts: Vec<&str> = chunks.iter().map(|c| &text[c.span.clone()]).collect();
        assert_eq!(
            texts,
            vec![
                "Erster Absatz mit einigen Wörtern.",
                "Zweiter Absatz mit Wörtern."
            ]
        );
    }

    #[test]
    fn splits_long_paragraphs_between_sentences() {
        let text = "Erster Satz hat fünf Wörter. Zweiter Satz hat auch fünf. Dritter Satz ist ebenso lang.";
        let s = structure(text, None);
        let chunks = chunk(text, &s, ChunkParams { max_tokens: 10 }, &words);
        let texts: Vec<&str> = chunks.iter().map(|c| &text[c.span.clone()]).collect();
        assert_eq!(
            texts,
            vec![
                "Erster Satz hat fünf Wörter. Zweiter Satz hat auch fünf.",
                "Dritter Satz ist ebenso lang."
            ]
        );
        assert!(texts.iter().all(|t| words(t) <= 10));
    }

    #[test]
    fn splits_a_giant_sentence_between_words() {
        let text = "wort ".repeat(50);
        let text = text.trim_end();
        let s = structure(text, None);
        let chunks = chunk(text, &s, ChunkParams { max_tokens: 7 }, &words);
        assert!(chunks.len() >= 7);
        assert!(chunks.iter().all(|c| words(&text[c.span.clone()]) <= 7));
    }

    /// Checks the module invariant: every chunk is a non-empty slice on char boundaries,
    /// inside its section, touching paragraphs of one state only, within the budget unless
    /// a single word exceeds it, with at least [`MIN_WORDS`] words; chunks are in order and
    /// disjoint.
    fn check_chunks(
        text: &str,
        s: &Structure,
        chunks: &[ChunkSpan],
        max_tokens: usize,
    ) -> Result<(), String> {
        let mut prev_end = 0;
        for (i, c) in chunks.iter().enumerate() {
            let r = &c.span;
            if r.start >= r.end || r.end > text.len() {
                return Err(format!("chunk {i} {r:?} is empty or out of bounds"));
            }
            if !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
                return Err(format!("chunk {i} {r:?} is not on char boundaries"));
            }
            if r.start < prev_end {
                return Err(format!("chunk {i} {r:?} overlaps or precedes {prev_end}"));
            }
            prev_end = r.end;
            let Some(section) = s.sections.get(c.section) else {
                return Err(format!("chunk {i} names section {}", c.section));
            };
            if r.start < section.span.start || r.end > section.span.end {
                return Err(format!(
                    "chunk {i} {r:?} crosses its section {:?}",
                    section.span
                ));
            }
            let touched: Vec<_> = s
                .paragraphs
                .iter()
                .filter(|p| p.span.start < r.end && r.start < p.span.end)
                .collect();
            if touched.is_empty() {
                return Err(format!("chunk {i} {r:?} touches no paragraph"));
            }
            if touched.iter().any(|p| p.state != touched[0].state) {
                return Err(format!("chunk {i} {r:?} crosses a state boundary"));
            }
            if touched.iter().any(|p| p.section != c.section) {
                return Err(format!("chunk {i} {r:?} touches another section"));
            }
            let Some(first) = s.paragraphs.get(c.first_paragraph) else {
                return Err(format!("chunk {i} names paragraph {}", c.first_paragraph));
            };
            if !(first.span.start <= r.start && r.start < first.span.end) {
                return Err(format!(
                    "chunk {i} {r:?} does not start in its first paragraph"
                ));
            }
            let t = &text[r.clone()];
            // `split_words` splits between spaces only; other white space (a tab in raw
            // text) is part of a word there.
            if words(t) > max_tokens && t.split(' ').filter(|w| !w.is_empty()).count() > 1 {
                return Err(format!("chunk {i} has {} words > {max_tokens}", words(t)));
            }
            if words_with_letters(t) < MIN_WORDS {
                return Err(format!("chunk {i} {t:?} is a fragment"));
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn any_text_chunks_without_panic_and_keeps_the_invariants(
            raw in crate::corpus::structure::tests::any_text(),
            max_tokens in 1usize..200,
            sn in proptest::bool::ANY,
        ) {
            let default_state = if sn { crate::corpus::StateCode::parse("SN") } else { None };
            let params = ChunkParams { max_tokens };
            for text in [raw.clone(), crate::corpus::normalize::normalize(&raw)] {
                let s = structure(&text, default_state);
                let chunks = chunk(&text, &s, params, &words);
                if let Err(e) = check_chunks(&text, &s, &chunks, max_tokens) {
                    return Err(proptest::test_runner::TestCaseError::fail(e));
                }
            }
        }
    }
}
