//! The chunk store: documents (canonical text, metadata, sections) and chunks by id.
//!
//! **Invariant:** a chunk's text is `docs[chunk.doc].text[chunk.start..chunk.end]`
//! (byte offsets); `start_char..end_char` are the same span in characters.

use serde::{Deserialize, Serialize};

/// A document as stored in the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredDoc {
    /// Catalog id.
    pub id: String,
    /// File name in the seeds folder.
    pub file: String,
    /// Full title.
    pub title: String,
    /// Short title.
    pub short_title: String,
    /// Publisher.
    pub publisher: String,
    /// Publication date, if known.
    pub date: Option<String>,
    /// Kind of document.
    pub kind: String,
    /// The state of the whole document, if any.
    pub state: Option<String>,
    /// Canonical text.
    pub text: String,
    /// Sections with character offsets.
    pub sections: Vec<StoredSection>,
}

/// A section of a stored document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredSection {
    /// Path of titles joined with ` › `.
    pub title: String,
    /// 0 = state section, 1 = chapter, 2 = titled part.
    pub level: u8,
    /// State code, if any.
    pub state: Option<String>,
    /// Start, in characters.
    pub start: usize,
    /// End, in characters.
    pub end: usize,
}

/// A chunk as stored in the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Stable id: `<doc id>:<start char>-<end char>`.
    pub id: String,
    /// Position of its document in [`Store::docs`].
    pub doc: usize,
    /// State code, if any.
    pub state: Option<String>,
    /// Section label.
    pub section: String,
    /// Context header embedded and indexed with the text.
    pub header: String,
    /// Byte range in the document text.
    pub start: usize,
    /// Byte range end.
    pub end: usize,
    /// Character range start.
    pub start_char: usize,
    /// Character range end.
    pub end_char: usize,
}

/// Documents and chunks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Store {
    /// Documents in catalog order.
    pub docs: Vec<StoredDoc>,
    /// Chunks in document order.
    pub chunks: Vec<ChunkRecord>,
}

impl Store {
    /// Each document's title, short title and publisher, in the store's order: what a
    /// question may name it by ([`crate::retrieve::query::documents_named`]).
    pub fn catalog_names(&self) -> impl Iterator<Item = [&str; 3]> {
        self.docs.iter().map(|d| {
            [
                d.title.as_str(),
                d.short_title.as_str(),
                d.publisher.as_str(),
            ]
        })
    }

    /// The passage text of chunk `i`.
    pub fn chunk_text(&self, i: usize) -> &str {
        let c = &self.chunks[i];
        &self.docs[c.doc].text[c.start..c.end]
    }

    /// What is embedded and indexed for chunk `i`: header, newline, text.
    pub fn indexed_text(&self, i: usize) -> String {
        format!("{}\n{}", self.chunks[i].header, self.chunk_text(i))
    }

    /// Checks the store's invariants; used when loading.
    pub fn validate(&self) -> Result<(), String> {
        for (i, c) in self.chunks.iter().enumerate() {
            let doc = self
                .docs
                .get(c.doc)
                .ok_or_else(|| format!("chunk {i}: no document {}", c.doc))?;
            if c.start >= c.end
                || c.end > doc.text.len()
                || !doc.text.is_char_boundary(c.start)
                || !doc.text.is_char_boundary(c.end)
            {
                return Err(format!("chunk {} lies outside its document", c.id));
            }
        }
        Ok(())
    }
}

/// Character offset of byte offset `byte` in `text`.
pub fn char_offset(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}
