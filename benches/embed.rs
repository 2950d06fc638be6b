//! Embedding throughput of belegt's pipeline (fastembed + ONNX Runtime) on a passages
//! file, at several batch sizes. Run by `benches/embed.sh`, which runs the Python
//! `fastembed` package on the same model files beside it and prints the ratio.
//!
//! `cargo bench --bench embed -- PASSAGES.json BATCH [BATCH …]` prints one JSON line per
//! batch size: `{"impl": "belegt", "batch", "texts", "tokens", "seconds"}`. The model is
//! loaded as `belegt index` loads it (threads spinning); `BENCH_WORKLOAD=serving` loads
//! it as the server does.

use std::time::Instant;

use belegt::config::{Config, Overrides};
use belegt::embed::{Embedder, Workload};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some((file, batches)) = args.split_first() else {
        eprintln!("usage: cargo bench --bench embed -- PASSAGES.json BATCH [BATCH …]");
        std::process::exit(2);
    };
    let passages: Vec<String> =
        match std::fs::read_to_string(file).map(|t| serde_json::from_str(&t)) {
            Ok(Ok(p)) => p,
            _ => {
                eprintln!("embed bench: {file} is not a JSON list of strings");
                std::process::exit(2);
            }
        };
    let mut config = Config::resolve(Overrides::default());
    // As `belegt index` loads it; BENCH_WORKLOAD=serving measures the server's setting.
    config.model.workload = match std::env::var("BENCH_WORKLOAD").as_deref() {
        Ok("serving") => Workload::Serving,
        _ => Workload::Indexing,
    };
    let embedder = match Embedder::load(&config.model) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("embed bench: {e}");
            std::process::exit(2);
        }
    };
    let prefix = embedder.info().passage_prefix.clone();
    let tokens: usize = passages
        .iter()
        .map(|p| embedder.count_tokens(&format!("{prefix}{p}")) + 2)
        .sum();
    for batch in batches {
        let Ok(batch) = batch.parse::<usize>() else {
            eprintln!("embed bench: batch size {batch:?} is not a number");
            std::process::exit(2);
        };
        // Warm-up, as the Python side does.
        let _ = embedder.embed_passages_in_batches(&passages[..2.min(passages.len())], 1, |_| {});
        let t = Instant::now();
        let vectors = embedder
            .embed_passages_in_batches(&passages, batch, |_| {})
            .expect("embedding succeeds");
        let seconds = t.elapsed().as_secs_f64();
        assert_eq!(vectors.len(), passages.len());
        println!(
            "{}",
            serde_json::json!({"impl": "belegt", "batch": batch, "texts": passages.len(), "tokens": tokens, "seconds": seconds})
        );
    }
}
