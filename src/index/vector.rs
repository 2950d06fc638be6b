//! The vector index: passage vectors in a flat, versioned file, searched through an
//! `hnsw_rs` graph built when the index is opened.
//!
//! Unfiltered searches go through HNSW; filtered searches (a few states or documents)
//! scan the allowed vectors exactly, which is both exact and fast for such subsets.
//!
//! **Invariant:** vector `i` belongs to chunk `i` of the store; all vectors have `dim`
//! components and unit length.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use hnsw_rs::prelude::{DistCosine, Hnsw};

const MAGIC: &[u8; 4] = b"BLGV";
const VERSION: u32 = 1;
/// Neighbours per node in the HNSW graph.
const MAX_CONNECTIONS: usize = 16;
/// Candidate list size while building the graph.
const EF_CONSTRUCTION: usize = 200;
/// Smallest candidate list size while searching.
const EF_SEARCH: usize = 64;

/// Vectors plus their HNSW graph.
pub struct VectorIndex {
    dim: usize,
    data: Vec<f32>,
    hnsw: Hnsw<'static, f32, DistCosine>,
}

impl std::fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorIndex")
            .field("dim", &self.dim)
            .field("len", &self.len())
            .finish()
    }
}

impl VectorIndex {
    /// Builds the index from vectors of equal dimension `dim`.
    pub fn build(dim: usize, vectors: &[Vec<f32>]) -> Result<VectorIndex, String> {
        let mut data = Vec::with_capacity(dim * vectors.len());
        for (i, v) in vectors.iter().enumerate() {
            if v.len() != dim {
                return Err(format!(
                    "vector {i} has {} components, expected {dim}",
                    v.len()
                ));
            }
            data.extend_from_slice(v);
        }
        Ok(Self::from_flat(dim, data))
    }

    fn from_flat(dim: usize, data: Vec<f32>) -> VectorIndex {
        let count = data.len().checked_div(dim).unwrap_or(0);
        let layers = 16;
        let hnsw = Hnsw::new(
            MAX_CONNECTIONS,
            count.max(1),
            layers,
            EF_CONSTRUCTION,
            DistCosine,
        );
        let items: Vec<(&[f32], usize)> = (0..count)
            .map(|i| (&data[i * dim..(i + 1) * dim], i))
            .collect();
        hnsw.parallel_insert_slice(&items);
        VectorIndex { dim, data, hnsw }
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// True when there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the vectors (not the graph) to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut w = BufWriter::new(std::fs::File::create(path)?);
        w.write_all(MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&(self.dim as u32).to_le_bytes())?;
        w.write_all(&(self.len() as u64).to_le_bytes())?;
        for x in &self.data {
            w.write_all(&x.to_le_bytes())?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    }

    /// Reads vectors written by [`VectorIndex::write`] and rebuilds the graph.
    pub fn read(path: &Path) -> Result<VectorIndex, String> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let header = 4 + 4 + 4 + 8;
        if bytes.len() < header || &bytes[..4] != MAGIC {
            return Err(format!("{}: not a belegt vector file", path.display()));
        }
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let version = word(4);
        if version != VERSION {
            return Err(format!(
                "{}: vector file format {version}, this belegt reads {VERSION}",
                path.display()
            ));
        }
        let dim = word(8) as usize;
        let mut count_bytes = [0u8; 8];
        count_bytes.copy_from_slice(&bytes[12..20]);
        let count = u64::from_le_bytes(count_bytes) as usize;
        let expected = count
            .checked_mul(dim)
            .and_then(|n| n.checked_mul(4))
            .and_then(|n| n.checked_add(header));
        if dim == 0 || expected != Some(bytes.len()) {
            return Err(format!(
                "{}: truncated or corrupt vector file",
                path.display()
            ));
        }
        let data: Vec<f32> = bytes[header..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if data.iter().any(|x| !x.is_finite()) {
            return Err(format!(
                "{}: corrupt vector file (non-finite values)",
                path.display()
            ));
        }
        Ok(Self::from_flat(dim, data))
    }

    /// The `k` nearest vectors to `query` as (index, cosine similarity), best first.
    /// With `allowed`, only those indices are considered (exact scan).
    pub fn search(&self, query: &[f32], k: usize, allowed: Option<&[usize]>) -> Vec<(usize, f32)> {
        if query.len() != self.dim || k == 0 || self.is_empty() {
            return Vec::new();
        }
        match allowed {
            Some(ids) => {
                let mut scored: Vec<(usize, f32)> = ids
                    .iter()
                    .filter(|&&i| i < self.len())
                    .map(|&i| (i, dot(query, &self.data[i * self.dim..(i + 1) * self.dim])))
                    .collect();
                scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                scored.truncate(k);
                scored
            }
            None => self
                .hnsw
                .search(query, k, EF_SEARCH.max(2 * k))
                .into_iter()
                .map(|n| (n.d_id, 1.0 - n.distance))
                .collect(),
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn round_trips_and_finds_nearest() {
        let vectors: Vec<Vec<f32>> = (0..50)
            .map(|i| unit(&[1.0, i as f32 / 10.0, (i % 7) as f32 / 3.0]))
            .collect();
        let index = VectorIndex::build(3, &vectors).expect("build");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.bin");
        index.write(&path).expect("write");
        let back = VectorIndex::read(&path).expect("read");
        assert_eq!(back.len(), 50);
        let hits = back.search(&vectors[17], 3, None);
        assert_eq!(hits[0].0, 17);
        assert!((hits[0].1 - 1.0).abs() < 1e-5);
        let filtered = back.search(&vectors[17], 2, Some(&[3, 4, 5]));
        assert!(filtered.iter().all(|(i, _)| [3, 4, 5].contains(i)));
        assert_eq!(filtered.len(), 2);
    }

    #[test]
    fn rejects_truncated_and_foreign_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.bin");
        let index = VectorIndex::build(2, &[vec![1.0, 0.0], vec![0.0, 1.0]]).expect("build");
        index.write(&path).expect("write");
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 3]).expect("truncate");
        assert!(
            VectorIndex::read(&path)
                .expect_err("must fail")
                .contains("truncated")
        );
        std::fs::write(&path, b"hello world, not vectors").expect("write");
        assert!(
            VectorIndex::read(&path)
                .expect_err("must fail")
                .contains("not a belegt vector file")
        );
    }
}
