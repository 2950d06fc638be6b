//! The storage interface: where a loaded index's vectors and postings live and how they
//! are searched. Two implementations: [`Embedded`] (hnsw_rs + tantivy files in
//! `embeddings/`, the default) and [`super::postgres::PgSearch`] (PostgreSQL + pgvector).
//! Retrieval, answering, comparison and the API see only this trait and the in-memory
//! [`super::store::Store`], never which backend serves them.

use super::IndexError;
use super::lexical::{LexicalFilter, LexicalIndex};
use super::vector::VectorIndex;

/// Searches over one generation of the index. Entries are chunk numbers (positions in
/// the store); scores are cosine similarity (dense) and BM25 (lexical).
pub trait SearchBackend: Send + Sync + std::fmt::Debug {
    /// Up to `k` nearest chunks to `query`, best first; only `allowed` ones when given.
    fn dense(
        &self,
        query: &[f32],
        k: usize,
        allowed: Option<&[usize]>,
    ) -> Result<Vec<(usize, f32)>, IndexError>;

    /// Up to `k` chunks by BM25 over the analysed terms of `query`, best first.
    fn lexical(
        &self,
        query: &str,
        k: usize,
        filter: &LexicalFilter,
    ) -> Result<Vec<(usize, f32)>, IndexError>;

    /// Number of chunks that contain the analysed term.
    fn doc_freq(&self, term: &str) -> u64;

    /// BM25 inverse document frequency of an analysed term.
    fn idf(&self, term: &str) -> f32;

    /// Whether the backing store answers now (for readiness probes).
    fn healthy(&self) -> Result<(), IndexError> {
        Ok(())
    }

    /// What a person should see as the index's location (no passwords).
    fn location(&self) -> String;

    /// The embedded backend, for tests and tools that look at its parts.
    fn as_embedded(&self) -> Option<&Embedded> {
        None
    }

    /// The generation this was opened on, when the backend can change under a running
    /// server (a database); `None` for the embedded files.
    fn generation(&self) -> Option<String> {
        None
    }

    /// The generation that is live at the source now, when it can change.
    fn live_generation(&self) -> Result<Option<String>, IndexError> {
        Ok(None)
    }

    /// Starts work that may finish after the index is in use (the embedded backend's
    /// HNSW graph; searches are exact until it is there).
    fn start_background_work(&self) {}
}

/// The default backend: vectors and HNSW graph in memory, tantivy on disk.
pub struct Embedded {
    /// Passage vectors and their HNSW graph.
    pub vectors: VectorIndex,
    /// The BM25 index.
    pub lexical: LexicalIndex,
    /// The generation directory.
    pub dir: std::path::PathBuf,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Embedded({}, {} vectors)",
            self.dir.display(),
            self.vectors.len()
        )
    }
}

impl SearchBackend for Embedded {
    fn dense(
        &self,
        query: &[f32],
        k: usize,
        allowed: Option<&[usize]>,
    ) -> Result<Vec<(usize, f32)>, IndexError> {
        Ok(self.vectors.search(query, k, allowed))
    }

    fn lexical(
        &self,
        query: &str,
        k: usize,
        filter: &LexicalFilter,
    ) -> Result<Vec<(usize, f32)>, IndexError> {
        self.lexical
            .search(query, k, filter)
            .map_err(|e| IndexError::Corrupt {
                dir: self.dir.clone(),
                message: format!("lexical search: {e}"),
            })
    }

    fn doc_freq(&self, term: &str) -> u64 {
        self.lexical.doc_freq(term)
    }

    fn idf(&self, term: &str) -> f32 {
        self.lexical.idf(term)
    }

    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn as_embedded(&self) -> Option<&Embedded> {
        Some(self)
    }

    fn start_background_work(&self) {
        self.vectors.build_graph_in_background();
    }
}
