//! Reciprocal rank fusion of the dense and lexical rankings.
//!
//! score(chunk) = Σ weight / (K + rank), rank starting at 1, over the rankings the chunk
//! appears in. Ties break by the better dense rank, then by chunk order.

/// The RRF constant (Cormack et al. use 60).
pub const RRF_K: f32 = 60.0;

/// A fused result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Chunk position in the store.
    pub chunk: usize,
    /// Fused score.
    pub score: f32,
    /// 1-based rank among dense results, if it was among them.
    pub dense_rank: Option<usize>,
    /// 1-based rank among lexical results, if it was among them.
    pub lexical_rank: Option<usize>,
    /// Cosine similarity to the question, if it was among dense results.
    pub dense_score: Option<f32>,
}

/// Fuses two rankings (best first) with weights; returns the best `k`.
pub fn rrf(
    dense: &[(usize, f32)],
    lexical: &[(usize, f32)],
    dense_weight: f32,
    lexical_weight: f32,
    k: usize,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut slot = std::collections::HashMap::new();
    for (rank, &(chunk, sim)) in dense.iter().enumerate() {
        slot.insert(chunk, hits.len());
        hits.push(Hit {
            chunk,
            score: dense_weight / (RRF_K + rank as f32 + 1.0),
            dense_rank: Some(rank + 1),
            lexical_rank: None,
            dense_score: Some(sim),
        });
    }
    for (rank, &(chunk, _)) in lexical.iter().enumerate() {
        let add = lexical_weight / (RRF_K + rank as f32 + 1.0);
        match slot.get(&chunk) {
            Some(&i) => {
                hits[i].score += add;
                hits[i].lexical_rank = Some(rank + 1);
            }
            None => {
                slot.insert(chunk, hits.len());
                hits.push(Hit {
                    chunk,
                    score: add,
                    dense_rank: None,
                    lexical_rank: Some(rank + 1),
                    dense_score: None,
                });
            }
        }
    }
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(
                a.dense_rank
                    .unwrap_or(usize::MAX)
                    .cmp(&b.dense_rank.unwrap_or(usize::MAX)),
            )
            .then(a.chunk.cmp(&b.chunk))
    });
    hits.truncate(k);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_beats_a_single_first_place() {
        let dense = [(1, 0.9), (2, 0.8), (3, 0.7)];
        let lexical = [(4, 9.0), (2, 5.0)];
        let hits = rrf(&dense, &lexical, 1.0, 1.0, 10);
        assert_eq!(hits[0].chunk, 2);
        assert_eq!(
            (hits[0].dense_rank, hits[0].lexical_rank),
            (Some(2), Some(2))
        );
        assert_eq!(hits.len(), 4);
        let hits = rrf(&dense, &lexical, 1.0, 0.0, 2);
        assert_eq!(hits.iter().map(|h| h.chunk).collect::<Vec<_>>(), vec![1, 2]);
    }
}
