//! The documents: catalog, normalization, structure, sentences and chunks.
//!
//! Everything here is pure text processing except [`catalog::load`], which reads the
//! seeds folder. Nothing here knows about embeddings, indexes or HTTP.

pub mod catalog;
pub mod chunk;
pub mod normalize;
pub mod sentence;
mod state;
pub mod structure;

use std::path::PathBuf;

pub use catalog::{DocMeta, SourceDoc};
pub use state::StateCode;
pub use structure::Structure;

/// Errors while reading the corpus.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The catalog is malformed.
    #[error("{}: {message}", path.display())]
    Catalog {
        /// The catalog file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A document listed in the catalog is unusable.
    #[error("document {id:?} ({}): {message}", path.display())]
    Document {
        /// Catalog id.
        id: String,
        /// Its file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A document ready for chunking: canonical text and its structure.
#[derive(Debug, Clone)]
pub struct Document {
    /// Catalog entry.
    pub meta: DocMeta,
    /// Canonical (normalized) text; all offsets refer to it.
    pub text: String,
    /// Paragraphs and sections.
    pub structure: Structure,
}

impl Document {
    /// Normalizes and structures a source document.
    pub fn prepare(source: SourceDoc) -> Document {
        let text = normalize::normalize(&source.raw);
        let structure = structure::structure(&text, source.meta.state);
        Document {
            meta: source.meta,
            text,
            structure,
        }
    }
}
