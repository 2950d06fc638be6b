//! Fuzzes the text pipeline: raw bytes → normalize → structure → chunk, checking that no
//! stage panics and that the spans each stage returns are slices of the canonical text.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run text_pipeline` in the project root (see
//! `fuzz/README.md`).

#![no_main]

use belegt::corpus::StateCode;
use belegt::corpus::chunk::{self, ChunkParams};
use belegt::corpus::normalize::normalize;
use belegt::corpus::structure::structure;
use libfuzzer_sys::fuzz_target;

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the budget and the document state; the rest is the document.
    let Some((&knobs, rest)) = data.split_first() else {
        return;
    };
    let raw = String::from_utf8_lossy(rest);
    let text = normalize(&raw);
    assert_eq!(normalize(&text), text, "normalize is idempotent");
    let state = (knobs & 0x80 != 0).then(|| StateCode::parse("BY")).flatten();
    let s = structure(&text, state);
    let mut end = 0;
    for p in &s.paragraphs {
        assert!(end <= p.span.start && p.span.start < p.span.end && p.span.end <= text.len());
        assert!(text.is_char_boundary(p.span.start) && text.is_char_boundary(p.span.end));
        assert!(p.section < s.sections.len());
        end = p.span.end;
    }
    let max_tokens = usize::from(knobs & 0x7f).max(1);
    let chunks = chunk::chunk(&text, &s, ChunkParams { max_tokens }, &words);
    let mut end = 0;
    for c in &chunks {
        assert!(end <= c.span.start && c.span.start < c.span.end && c.span.end <= text.len());
        assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
        let section = &s.sections[c.section];
        assert!(section.span.start <= c.span.start && c.span.end <= section.span.end);
        end = c.span.end;
    }
});
