//! The index manifest: what an index was built from, so that a stale index is never used.
//!
//! **Invariant:** an index is loaded only if its manifest has this build's format and
//! pipeline versions, the loaded model's id and dimension, the corpus fingerprint and
//! chunking parameters of the seeds, and every file's checksum matches.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::corpus::CorpusError;
use crate::corpus::catalog;
use crate::corpus::chunk::ChunkParams;

/// Version of the files' layout. Bump when a file's format changes.
pub const FORMAT_VERSION: u32 = 1;
/// Version of the text pipeline (normalization, structure, chunking, headers, analysis).
/// Bump when any of them changes what ends up in the index.
pub const PIPELINE_VERSION: u32 = 4;

/// The manifest written as `manifest.json` in each index generation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] at build time.
    pub format_version: u32,
    /// [`PIPELINE_VERSION`] at build time.
    pub pipeline_version: u32,
    /// Model identifier.
    pub model_id: String,
    /// Vector dimension.
    pub dim: usize,
    /// Fingerprint of the catalog and document files.
    pub corpus_hash: String,
    /// Chunking parameters.
    pub chunking: ChunkParams,
    /// Number of documents.
    pub documents: usize,
    /// Number of chunks.
    pub chunks: usize,
    /// File name → sha256 of its content.
    pub files: BTreeMap<String, String>,
    /// Build time, seconds since the Unix epoch.
    pub built_at_unix: u64,
}

/// What the running program expects of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Model identifier.
    pub model_id: String,
    /// Vector dimension.
    pub dim: usize,
    /// Fingerprint of the seeds; `None` = whatever documents the index holds (a
    /// database is the source of truth for the replicas that serve from it).
    pub corpus_hash: Option<String>,
    /// Chunking parameters.
    pub chunking: ChunkParams,
}

impl Manifest {
    /// Why this index does not fit `expected`, or `None` when it does.
    pub fn mismatch(&self, expected: &Expected) -> Option<String> {
        if self.format_version != FORMAT_VERSION || self.pipeline_version != PIPELINE_VERSION {
            return Some(format!(
                "it was built by another belegt version (format {}/pipeline {}, this one reads {FORMAT_VERSION}/{PIPELINE_VERSION})",
                self.format_version, self.pipeline_version
            ));
        }
        if self.model_id != expected.model_id || self.dim != expected.dim {
            return Some(format!(
                "it was built with model {} ({} dimensions), the configured model is {} ({} dimensions)",
                self.model_id, self.dim, expected.model_id, expected.dim
            ));
        }
        if expected
            .corpus_hash
            .as_ref()
            .is_some_and(|h| h != &self.corpus_hash)
        {
            return Some("the documents in the seeds folder changed since it was built".into());
        }
        if self.chunking != expected.chunking {
            return Some("the chunking parameters changed since it was built".into());
        }
        None
    }
}

/// Fingerprint of the seeds: the catalog and every listed file, in catalog order.
pub fn corpus_fingerprint(seeds_dir: &Path) -> Result<String, CorpusError> {
    let docs = catalog::load(seeds_dir)?;
    let catalog_path = seeds_dir.join(catalog::CATALOG_FILE);
    let catalog_bytes = std::fs::read(&catalog_path).map_err(|source| CorpusError::Io {
        path: catalog_path,
        source,
    })?;
    let mut h = Sha256::new();
    h.update(&catalog_bytes);
    for d in docs {
        h.update(d.meta.id.as_bytes());
        h.update([0]);
        h.update(d.raw.as_bytes());
        h.update([0]);
    }
    Ok(hex(&h.finalize()))
}

/// sha256 of a file's bytes, hex-encoded.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    Ok(hex(&Sha256::digest(std::fs::read(path)?)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
