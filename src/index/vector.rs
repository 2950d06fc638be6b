//! The vector index: passage vectors in a flat, versioned file, searched through an
//! `hnsw_rs` graph that is built on a background thread when the index is opened.
//!
//! Unfiltered searches go through HNSW once the graph is there, and scan all vectors
//! exactly until then (so opening never waits for the graph: at 10× the seeds the
//! graph takes seconds to build); filtered searches (a few states or documents) scan
//! the allowed vectors exactly, which is both exact and fast for such subsets.
//!
//! **Invariant:** vector `i` belongs to chunk `i` of the store; all vectors have `dim`
//! components and unit length.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use hnsw_rs::prelude::{DistCosine, Hnsw};

const MAGIC: &[u8; 4] = b"BLGV";
const VERSION: u32 = 1;
/// Neighbours per node in the HNSW graph.
const MAX_CONNECTIONS: usize = 16;
/// Candidate list size while building the graph.
const EF_CONSTRUCTION: usize = 200;
/// Smallest candidate list size while searching.
const EF_SEARCH: usize = 64;

/// The HNSW graph over the vectors.
type Graph = Hnsw<'static, f32, DistCosine>;

/// Vectors plus their HNSW graph.
pub struct VectorIndex {
    dim: usize,
    data: Arc<Vec<f32>>,
    /// Empty until the background build is done.
    hnsw: Arc<OnceLock<Graph>>,
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
        let index = Self::without_graph(dim, data);
        let _ = index.hnsw.set(graph(dim, &index.data));
        Ok(index)
    }

    fn without_graph(dim: usize, data: Vec<f32>) -> VectorIndex {
        VectorIndex {
            dim,
            data: Arc::new(data),
            hnsw: Arc::new(OnceLock::new()),
        }
    }

    /// Starts building the graph on a background thread (or builds it here if no
    /// thread can be started). Call it once, after whatever else is loading at start-up
    /// has finished: the build takes both cores for seconds on large corpora.
    pub fn build_graph_in_background(&self) {
        if self.has_graph() {
            return;
        }
        let (dim, data, hnsw) = (self.dim, Arc::clone(&self.data), Arc::clone(&self.hnsw));
        let spawned = std::thread::Builder::new()
            .name("belegt-hnsw".into())
            .spawn(move || {
                let t = std::time::Instant::now();
                let _ = hnsw.set(graph(dim, &data));
                tracing::info!(seconds = t.elapsed().as_secs_f64(), "HNSW graph built");
            });
        if spawned.is_err() {
            let _ = self.hnsw.set(graph(self.dim, &self.data));
        }
    }

    /// True once the HNSW graph is built (searches until then scan exactly).
    pub fn has_graph(&self) -> bool {
        self.hnsw.get().is_some()
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
        for x in self.data.iter() {
            w.write_all(&x.to_le_bytes())?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    }

    /// Reads vectors written by [`VectorIndex::write`], without the graph: searches scan
    /// exactly until [`VectorIndex::build_graph_in_background`] has built it.
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
        Ok(Self::without_graph(dim, data))
    }

    /// The `k` nearest vectors to `query` as (index, cosine similarity), best first.
    /// With `allowed`, only those indices are considered (exact scan); without, the
    /// graph answers, or an exact scan of all vectors while the graph is being built.
    pub fn search(&self, query: &[f32], k: usize, allowed: Option<&[usize]>) -> Vec<(usize, f32)> {
        if query.len() != self.dim || k == 0 || self.is_empty() {
            return Vec::new();
        }
        match (allowed, self.hnsw.get()) {
            (Some(ids), _) => self.scan(query, k, ids.iter().copied()),
            (None, Some(hnsw)) => hnsw
                .search(query, k, EF_SEARCH.max(2 * k))
                .into_iter()
                .map(|n| (n.d_id, 1.0 - n.distance))
                .collect(),
            (None, None) => self.scan(query, k, 0..self.len()),
        }
    }

    /// Exact: the `k` best of `ids`.
    fn scan(&self, query: &[f32], k: usize, ids: impl Iterator<Item = usize>) -> Vec<(usize, f32)> {
        let mut scored: Vec<(usize, f32)> = ids
            .filter(|&i| i < self.len())
            .map(|i| (i, dot(query, &self.data[i * self.dim..(i + 1) * self.dim])))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(k);
        scored
    }
}

/// The HNSW graph over `data` (vectors of `dim` components, in order).
fn graph(dim: usize, data: &[f32]) -> Graph {
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
    hnsw
}

/// Dot product (the cosine of two unit vectors).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
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
        assert_eq!(
            back.search(&vectors[17], 1, None)[0].0,
            17,
            "exact before the graph"
        );
        back.build_graph_in_background();
        for _ in 0..500 {
            if back.has_graph() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(back.has_graph(), "the graph is built in the background");
        let hits = back.search(&vectors[17], 3, None);
        assert_eq!(hits[0].0, 17);
        assert!((hits[0].1 - 1.0).abs() < 1e-5);
        let filtered = back.search(&vectors[17], 2, Some(&[3, 4, 5]));
        assert!(filtered.iter().all(|(i, _)| [3, 4, 5].contains(i)));
        assert_eq!(filtered.len(), 2);
    }

    #[test]
    fn searches_exactly_until_the_graph_is_built() {
        let vectors: Vec<Vec<f32>> = (0..200)
            .map(|i| {
                unit(&[
                    1.0,
                    (i % 13) as f32 / 5.0,
                    (i % 7) as f32 / 3.0,
                    i as f32 / 50.0,
                ])
            })
            .collect();
        let built = VectorIndex::build(4, &vectors).expect("build");
        assert!(
            built.has_graph(),
            "an index built for writing has its graph"
        );
        let flat: Vec<f32> = vectors.concat();
        let scanning = VectorIndex::without_graph(4, flat);
        for q in [0, 57, 133, 199] {
            let exact = scanning.search(&vectors[q], 5, None);
            assert_eq!(exact[0].0, q);
            assert_eq!(exact.len(), 5);
            let all: Vec<usize> = (0..200).collect();
            assert_eq!(exact, scanning.search(&vectors[q], 5, Some(&all)));
            assert_eq!(built.search(&vectors[q], 1, None)[0].0, q);
        }
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
