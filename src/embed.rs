//! Texts → vectors with fastembed: model loading (local directory or built-in name),
//! ONNX Runtime discovery, E5 prefixes, batching, token counting.
//!
//! The model lives on one worker thread of its own; an [`Embedder`] is a handle to it
//! that any number of threads share. Questions that arrive while the model is busy are
//! embedded together in one model call (micro-batching), which is what lets a 2-core
//! server answer many concurrent requests.
//!
//! **Invariant:** a model is only used with the prefixes it was trained with; every
//! vector is L2-normalised and has the model's dimension.
//! **Invariant:** each caller gets the vector of its own text, the same (within
//! rounding) as an unbatched call; no lock is held while the model runs.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};
use serde::Deserialize;

/// Where the embedding model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// A directory with `model.onnx`, `tokenizer.json`, `config.json`,
    /// `special_tokens_map.json`, `tokenizer_config.json` and optionally `belegt-model.json`.
    Dir(PathBuf),
    /// A fastembed built-in model name (e.g. `intfloat/multilingual-e5-small`),
    /// downloaded on first use into `cache_dir`.
    BuiltIn {
        /// Model code or enum name as fastembed lists it.
        name: String,
        /// Download cache.
        cache_dir: PathBuf,
    },
}

/// Everything needed to load a model.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// The model.
    pub source: ModelSource,
    /// The ONNX Runtime shared library (`libonnxruntime.so`, version ≥ 1.24).
    pub ort_library: PathBuf,
    /// Intra-op threads; `None` = all cores.
    pub threads: Option<usize>,
    /// What the model is loaded for, which decides how its threads wait.
    pub workload: Workload,
}

/// What a model is loaded for. ONNX Runtime's intra-op threads either spin between the
/// parallel sections of one model call or sleep on a condition variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Workload {
    /// A server: the threads sleep, because the HTTP runtime, the index search and
    /// other processes need the same cores (see [`NO_SPINNING`]).
    #[default]
    Serving,
    /// An index build: nothing else runs while a batch is embedded, so the threads spin
    /// (ONNX Runtime's default, and what Python's fastembed does): measured 6 % more
    /// passages per second at batch 1 and 3 % at batch 4 on 2 cores (BENCHMARKS.md §8).
    Indexing,
}

/// Facts about a loaded model that an index must match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelInfo {
    /// Identifier recorded in the index manifest.
    pub id: String,
    /// Vector dimension.
    pub dim: usize,
    /// Prefix for questions (`"query: "` for E5).
    pub query_prefix: String,
    /// Prefix for passages (`"passage: "` for E5).
    pub passage_prefix: String,
}

/// Errors while loading or running the model.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The ONNX Runtime library is missing or unusable.
    #[error(
        "ONNX Runtime library not usable at {}: {message}. Run scripts/setup.sh, or set BELEGT_ORT_LIB to libonnxruntime.so (version 1.24 or newer)",
        path.display()
    )]
    Runtime {
        /// Where we looked.
        path: PathBuf,
        /// Why it failed.
        message: String,
    },
    /// The model files are missing or unusable.
    #[error("embedding model {model}: {message}")]
    Model {
        /// Which model.
        model: String,
        /// What is wrong.
        message: String,
    },
    /// Inference failed.
    #[error("embedding failed: {0}")]
    Inference(String),
}

/// Description file the setup script writes next to a local model.
#[derive(Deserialize)]
struct LocalModelFile {
    id: String,
    #[serde(default)]
    query_prefix: Option<String>,
    #[serde(default)]
    passage_prefix: Option<String>,
    #[serde(default)]
    max_length: Option<usize>,
}

/// A loaded embedding model: a handle to the worker thread that owns it. `Send` and
/// `Sync`: share it by reference; every method takes `&self`.
pub struct Embedder {
    /// `None` only while dropping (closing the queue stops the worker).
    jobs: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
    stats: Arc<BatchStats>,
    info: ModelInfo,
}

/// How the model's thread has batched questions so far.
#[derive(Debug, Default)]
pub struct BatchStats {
    questions: AtomicU64,
    calls: AtomicU64,
}

impl BatchStats {
    fn record(&self, questions: usize) {
        self.questions
            .fetch_add(questions as u64, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Questions embedded, and the model calls that embedded them.
    pub fn get(&self) -> (u64, u64) {
        (
            self.questions.load(Ordering::Relaxed),
            self.calls.load(Ordering::Relaxed),
        )
    }
}

/// The answer a caller waits for.
type Reply<T> = mpsc::SyncSender<Result<T, EmbedError>>;

/// Work for the model's thread.
enum Job {
    /// One question (prefix included); batched with the other questions queued.
    Query {
        text: String,
        reply: Reply<Vec<f32>>,
    },
    /// Passages (prefix included), embedded in model calls of `batch` texts.
    Passages {
        texts: Vec<String>,
        batch: usize,
        reply: Reply<Vec<Vec<f32>>>,
    },
    /// Token count of a text, without special tokens or truncation.
    Count { text: String, reply: Reply<usize> },
}

/// Most questions embedded in one model call. Questions are short (10–40 tokens), so
/// padding to the longest costs little; larger batches only add latency for the first.
pub const QUERY_BATCH_CAP: usize = 16;

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("info", &self.info)
            .finish()
    }
}

/// Passages per model call while indexing: small batches pad less (MODEL.md §7).
pub const PASSAGE_BATCH: usize = 4;

impl Embedder {
    /// Loads the ONNX Runtime library and the model, and starts the model's thread.
    pub fn load(spec: &ModelSpec) -> Result<Embedder, EmbedError> {
        init_runtime(&spec.ort_library)?;
        let (mut model, id, prefixes) = match &spec.source {
            ModelSource::Dir(dir) => load_dir(dir, spec.threads, spec.workload)?,
            ModelSource::BuiltIn { name, cache_dir } => {
                load_builtin(name, cache_dir, spec.threads, spec.workload)?
            }
        };
        let probe = embed_raw(&mut model, &["probe"], 1)?;
        let dim = probe.first().map_or(0, Vec::len);
        if dim == 0 {
            return Err(EmbedError::Model {
                model: id,
                message: "the model returns empty vectors".into(),
            });
        }
        let (jobs, queue) = mpsc::channel();
        let stats = Arc::new(BatchStats::default());
        let worker = std::thread::Builder::new()
            .name("belegt-embed".into())
            .spawn({
                let stats = Arc::clone(&stats);
                move || work(model, &queue, &stats)
            })
            .map_err(|e| EmbedError::Model {
                model: id.clone(),
                message: format!("cannot start the embedding thread: {e}"),
            })?;
        Ok(Embedder {
            jobs: Some(jobs),
            worker: Some(worker),
            stats,
            info: ModelInfo {
                id,
                dim,
                query_prefix: prefixes.0,
                passage_prefix: prefixes.1,
            },
        })
    }

    /// The model's identity, dimension and prefixes.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Questions embedded so far and the model calls they took (fewer calls than
    /// questions means batching happened).
    pub fn batch_stats(&self) -> &BatchStats {
        &self.stats
    }

    /// Sends a job to the model's thread and waits for its answer.
    fn call<T>(&self, job: impl FnOnce(Reply<T>) -> Job) -> Result<T, EmbedError> {
        let stopped = || EmbedError::Inference("the embedding thread has stopped".into());
        let (reply, answer) = mpsc::sync_channel(1);
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job(reply))
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }

    /// Number of model tokens in `text` (without special tokens or prefix).
    pub fn count_tokens(&self, text: &str) -> usize {
        self.call(|reply| Job::Count {
            text: text.to_string(),
            reply,
        })
        .unwrap_or_else(|_| text.split_whitespace().count() * 2)
    }

    /// Embeds one question (with the query prefix). Safe to call from many threads at
    /// once: questions queued while the model is busy share its next call.
    pub fn embed_query(&self, question: &str) -> Result<Vec<f32>, EmbedError> {
        let text = format!("{}{}", self.info.query_prefix, question);
        self.call(|reply| Job::Query { text, reply })
    }

    /// Embeds passages (with the passage prefix) in batches of [`PASSAGE_BATCH`]
    /// passages of similar length; the vectors come back in the order of `passages`.
    /// `progress` is called with the number of passages done after each batch.
    pub fn embed_passages(
        &self,
        passages: &[String],
        progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_passages_in_batches(passages, PASSAGE_BATCH, progress)
    }

    /// [`Embedder::embed_passages`] with a chosen batch size (for benchmarks).
    pub fn embed_passages_in_batches(
        &self,
        passages: &[String],
        batch_size: usize,
        progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prefix = self.info.passage_prefix.clone();
        self.embed_many(passages, &prefix, batch_size, progress)
    }

    /// Embeds many short questions or words (with the query prefix) in batches of
    /// `batch_size`, in one go rather than through the questions' queue; the vectors
    /// come back in the order of `texts`.
    pub fn embed_queries(
        &self,
        texts: &[String],
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prefix = self.info.query_prefix.clone();
        self.embed_many(texts, &prefix, batch_size, |_| {})
    }

    fn embed_many(
        &self,
        passages: &[String],
        prefix: &str,
        batch_size: usize,
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let batch_size = batch_size.max(1);
        // A batch is padded to its longest text: batching passages of similar length
        // (by characters, a good proxy for tokens) wastes less arithmetic on padding.
        let mut order: Vec<usize> = (0..passages.len()).collect();
        order.sort_by_key(|&i| passages[i].len());
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); passages.len()];
        let mut done = 0;
        for batch in order.chunks(batch_size) {
            let texts: Vec<String> = batch
                .iter()
                .map(|&i| format!("{prefix}{}", passages[i]))
                .collect();
            let vectors = self.call(|reply| Job::Passages {
                texts,
                batch: batch_size,
                reply,
            })?;
            if vectors.len() != batch.len() {
                return Err(EmbedError::Inference(format!(
                    "the model returned {} vectors for {} passages",
                    vectors.len(),
                    batch.len()
                )));
            }
            for (&i, v) in batch.iter().zip(vectors) {
                out[i] = v;
            }
            done += batch.len();
            progress(done);
        }
        Ok(out)
    }
}

impl Drop for Embedder {
    /// Closes the queue and waits for the model's thread to finish its current call.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The model's thread: takes the next job; a question takes every question queued
/// behind it too (up to [`QUERY_BATCH_CAP`]) into one model call, and each caller gets
/// its own vector back. Ends when every [`Embedder`] handle is gone. A caller that
/// stopped waiting is skipped silently.
fn work(mut model: TextEmbedding, queue: &mpsc::Receiver<Job>, stats: &BatchStats) {
    let mut next: Option<Job> = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        match job {
            Job::Query { text, reply } => {
                let mut texts = vec![text];
                let mut replies = vec![reply];
                while texts.len() < QUERY_BATCH_CAP {
                    match queue.try_recv() {
                        Ok(Job::Query { text, reply }) => {
                            texts.push(text);
                            replies.push(reply);
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let result = embed_raw(&mut model, &texts, texts.len());
                stats.record(texts.len());
                answer_batch(result, replies);
            }
            Job::Passages {
                texts,
                batch,
                reply,
            } => {
                let _ = reply.send(embed_raw(&mut model, &texts, batch));
            }
            Job::Count { text, reply } => {
                let _ = reply.send(count(&mut model.tokenizer, &text));
            }
        }
    }
}

/// Sends each caller of a batch its own vector, in queue order; when the model call
/// failed (or returned the wrong number of vectors), every caller gets the error. A
/// caller that stopped waiting is skipped.
fn answer_batch(result: Result<Vec<Vec<f32>>, EmbedError>, replies: Vec<Reply<Vec<f32>>>) {
    let message = match result {
        Ok(vectors) if vectors.len() == replies.len() => {
            for (reply, v) in replies.into_iter().zip(vectors) {
                let _ = reply.send(Ok(v));
            }
            return;
        }
        Ok(vectors) => format!(
            "the model returned {} vectors for {} texts",
            vectors.len(),
            replies.len()
        ),
        Err(e) => e.to_string(),
    };
    for reply in replies {
        let _ = reply.send(Err(EmbedError::Inference(message.clone())));
    }
}

/// Token count with the model's own tokenizer, truncation switched off for the count.
fn count(tokenizer: &mut tokenizers::Tokenizer, text: &str) -> Result<usize, EmbedError> {
    let truncation = tokenizer.get_truncation().cloned();
    let _ = tokenizer.with_truncation(None);
    let counted = tokenizer.encode(text, false).map(|e| e.len());
    let _ = tokenizer.with_truncation(truncation);
    counted.map_err(|e| EmbedError::Inference(e.to_string()))
}

/// One `embed` call; a panic inside ONNX Runtime becomes an error.
fn embed_raw<S: AsRef<str> + Send + Sync>(
    model: &mut TextEmbedding,
    texts: &[S],
    batch: usize,
) -> Result<Vec<Vec<f32>>, EmbedError> {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| model.embed(texts, Some(batch))));
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(EmbedError::Inference(e.to_string())),
        Err(_) => Err(EmbedError::Inference("ONNX Runtime panicked".into())),
    }
}

/// Loads the ONNX Runtime library once per process.
fn init_runtime(path: &Path) -> Result<(), EmbedError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = INIT.get_or_init(|| {
        if !path.is_file() {
            return Err("file not found".to_string());
        }
        let loaded = std::panic::catch_unwind(|| ort::init_from(path).map(drop));
        match loaded {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("loading it panicked".to_string()),
        }
    });
    result.clone().map_err(|message| EmbedError::Runtime {
        path: path.to_path_buf(),
        message,
    })
}

type Loaded = (TextEmbedding, String, (String, String));

/// ONNX Runtime's intra-op threads wait on a condition variable instead of spinning
/// between parallel sections. On 2 cores shared with the HTTP server (and often with
/// other processes), spinning threads take the core the other thread needs: measured
/// side by side under load, /api/search served 2.6× the requests at 32 clients and
/// half the p50 at 1 client; on a quiet machine passage embedding stays within 3%.
const NO_SPINNING: (&str, &str) = ("session.intra_op.allow_spinning", "0");

/// The session setting for `workload`'s threads.
fn spinning(workload: Workload) -> (&'static str, &'static str) {
    match workload {
        Workload::Serving => NO_SPINNING,
        Workload::Indexing => (NO_SPINNING.0, "1"),
    }
}

fn e5_prefixes(name: &str) -> (String, String) {
    if name.to_lowercase().contains("e5") {
        ("query: ".into(), "passage: ".into())
    } else {
        (String::new(), String::new())
    }
}

fn load_dir(dir: &Path, threads: Option<usize>, workload: Workload) -> Result<Loaded, EmbedError> {
    let model_err = |message: String| EmbedError::Model {
        model: dir.display().to_string(),
        message,
    };
    if !dir.is_dir() {
        return Err(model_err(
            "directory not found. Run scripts/setup.sh, or set BELEGT_MODEL to a model directory or a fastembed model name".into(),
        ));
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| model_err(format!("cannot read {name}: {e}")))
    };
    let described: Option<LocalModelFile> = match std::fs::read(dir.join("belegt-model.json")) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .map_err(|e| model_err(format!("belegt-model.json: {e}")))?,
        ),
        Err(_) => None,
    };
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let id = described
        .as_ref()
        .map_or(dir_name.clone(), |d| d.id.clone());
    let (q, p) = e5_prefixes(&id);
    let prefixes = match &described {
        Some(d) => (
            d.query_prefix.clone().unwrap_or(q),
            d.passage_prefix.clone().unwrap_or(p),
        ),
        None => (q, p),
    };
    let max_length = described.as_ref().and_then(|d| d.max_length).unwrap_or(512);
    let configs = TokenizerFiles {
        tokenizer_file: PLACEHOLDER_TOKENIZER.as_bytes().to_vec(),
        config_file: read("config.json")?,
        special_tokens_map_file: read("special_tokens_map.json")?,
        tokenizer_config_file: read("tokenizer_config.json")?,
    };
    let (spin_key, spin_value) = spinning(workload);
    let mut options = InitOptionsUserDefined::new()
        .with_max_length(max_length)
        .with_session_config(spin_key, spin_value);
    if let Some(n) = threads {
        options = options.with_intra_threads(n);
    }
    // The session and the tokenizer (a 250,000-piece vocabulary) take about as long to
    // build each: build them on two threads. fastembed builds the session with a tiny
    // placeholder tokenizer; the real one, configured as fastembed would, replaces it.
    let started = Instant::now();
    let (session, tokenizer) = std::thread::scope(|s| {
        let tokenizer = s.spawn(|| {
            let t = Instant::now();
            let tokenizer = read("tokenizer.json").and_then(|bytes| {
                tokenizer_like_fastembed(&bytes, &configs, max_length).map_err(model_err)
            });
            (tokenizer, t.elapsed())
        });
        let t = Instant::now();
        let session = read("model.onnx").and_then(|bytes| {
            let model =
                UserDefinedEmbeddingModel::new(bytes, configs.clone()).with_pooling(Pooling::Mean);
            let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| {
                TextEmbedding::try_new_from_user_defined(model, options)
            }));
            match loaded {
                Ok(Ok(m)) => Ok(m),
                Ok(Err(e)) => Err(model_err(e.to_string())),
                Err(_) => Err(model_err(
                    "ONNX Runtime panicked while loading the model".into(),
                )),
            }
        });
        let session = (session, t.elapsed());
        let tokenizer = tokenizer.join().unwrap_or_else(|_| {
            (
                Err(model_err("loading the tokenizer panicked".into())),
                Duration::ZERO,
            )
        });
        (session, tokenizer)
    });
    tracing::info!(
        session_s = session.1.as_secs_f64(),
        tokenizer_s = tokenizer.1.as_secs_f64(),
        total_s = started.elapsed().as_secs_f64(),
        "embedding model loaded (session and tokenizer in parallel)"
    );
    let mut model = session.0?;
    model.tokenizer = tokenizer.0?;
    Ok((model, id, prefixes))
}

/// A minimal tokenizer for building the session; never used to encode.
const PLACEHOLDER_TOKENIZER: &str = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null,"model":{"type":"WordLevel","vocab":{"<pad>":0,"<unk>":1},"unk_token":"<unk>"}}"#;

/// The tokenizer in `bytes`, set up exactly as fastembed 7.5's `load_tokenizer` sets it
/// up from the same files: pad to the longest text of a batch with the configured pad
/// token, truncate at `max_length` (at most `model_max_length`), the special tokens of
/// `special_tokens_map.json` added as special. (The test suite compares the two.)
pub fn tokenizer_like_fastembed(
    bytes: &[u8],
    files: &TokenizerFiles,
    max_length: usize,
) -> Result<tokenizers::Tokenizer, String> {
    use tokenizers::{AddedToken, PaddingParams, PaddingStrategy, TruncationParams};
    let json = |name: &str, b: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(b).map_err(|e| format!("{name}: {e}"))
    };
    let config = json("config.json", &files.config_file)?;
    let special = json("special_tokens_map.json", &files.special_tokens_map_file)?;
    let tokenizer_config = json("tokenizer_config.json", &files.tokenizer_config_file)?;
    let mut tokenizer =
        tokenizers::Tokenizer::from_bytes(bytes).map_err(|e| format!("tokenizer.json: {e}"))?;
    let model_max_length = tokenizer_config["model_max_length"]
        .as_f64()
        .ok_or("tokenizer_config.json is missing a numeric `model_max_length` field")?
        as f32;
    let max_length = max_length.min(model_max_length as usize);
    let pad = &tokenizer_config["pad_token"];
    let pad_token: String = pad
        .as_str()
        .or_else(|| pad["content"].as_str())
        .ok_or("tokenizer_config.json is missing a string `pad_token` field")?
        .into();
    let pad_id = config["pad_token_id"]
        .as_u64()
        .map(|id| id as u32)
        .or_else(|| tokenizer.token_to_id(&pad_token))
        .unwrap_or(0);
    tokenizer.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        pad_token,
        pad_id,
        ..Default::default()
    }));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length,
            ..Default::default()
        }))
        .map_err(|e| e.to_string())?;
    if let serde_json::Value::Object(tokens) = special {
        for value in tokens.values() {
            let token = if let Some(content) = value.as_str() {
                Some(AddedToken {
                    content: content.into(),
                    special: true,
                    ..Default::default()
                })
            } else if let (
                Some(content),
                Some(single_word),
                Some(lstrip),
                Some(rstrip),
                Some(normalized),
            ) = (
                value["content"].as_str(),
                value["single_word"].as_bool(),
                value["lstrip"].as_bool(),
                value["rstrip"].as_bool(),
                value["normalized"].as_bool(),
            ) {
                Some(AddedToken {
                    content: content.into(),
                    special: true,
                    single_word,
                    lstrip,
                    rstrip,
                    normalized,
                })
            } else {
                None
            };
            if let Some(token) = token {
                tokenizer
                    .add_special_tokens([token])
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(tokenizer)
}

#[cfg(feature = "download")]
fn load_builtin(
    name: &str,
    cache_dir: &Path,
    threads: Option<usize>,
    workload: Workload,
) -> Result<Loaded, EmbedError> {
    let wanted = name.to_lowercase();
    let info = TextEmbedding::list_supported_models()
        .into_iter()
        .find(|m| m.model_code.to_lowercase() == wanted || format!("{:?}", m.model).to_lowercase() == wanted)
        .ok_or_else(|| EmbedError::Model {
            model: name.to_string(),
            message: "neither a directory nor a fastembed model name (see fastembed's list of text models)".into(),
        })?;
    let (spin_key, spin_value) = spinning(workload);
    let mut options = fastembed::TextInitOptions::new(info.model.clone())
        .with_session_config(spin_key, spin_value)
        .with_cache_dir(cache_dir.to_path_buf())
        .with_show_download_progress(true);
    if let Some(n) = threads {
        options = options.with_intra_threads(n);
    }
    let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| TextEmbedding::try_new(options)));
    let model = match loaded {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            return Err(EmbedError::Model {
                model: name.to_string(),
                message: format!("download or load failed: {e}"),
            });
        }
        Err(_) => {
            return Err(EmbedError::Model {
                model: name.to_string(),
                message: "ONNX Runtime panicked while loading the model".into(),
            });
        }
    };
    Ok((
        model,
        info.model_code.clone(),
        e5_prefixes(&info.model_code),
    ))
}

#[cfg(not(feature = "download"))]
fn load_builtin(
    name: &str,
    _cache_dir: &Path,
    _threads: Option<usize>,
) -> Result<Loaded, EmbedError> {
    Err(EmbedError::Model {
        model: name.to_string(),
        message: "not a model directory, and this build has no downloads (feature `download`)"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Answer = mpsc::Receiver<Result<Vec<f32>, EmbedError>>;

    fn replies(n: usize) -> (Vec<Reply<Vec<f32>>>, Vec<Answer>) {
        (0..n).map(|_| mpsc::sync_channel(1)).unzip()
    }

    #[test]
    fn each_caller_of_a_batch_gets_its_own_vector() {
        let (tx, rx) = replies(3);
        answer_batch(Ok(vec![vec![1.0], vec![2.0], vec![3.0]]), tx);
        for (i, r) in rx.iter().enumerate() {
            let v = r.recv().expect("an answer").expect("a vector");
            assert_eq!(v, vec![(i + 1) as f32]);
        }
    }

    #[test]
    fn a_failed_batch_fails_every_caller() {
        let (tx, rx) = replies(3);
        answer_batch(Err(EmbedError::Inference("boom".into())), tx);
        for r in &rx {
            let e = r.recv().expect("an answer").expect_err("an error");
            assert!(e.to_string().contains("boom"), "{e}");
        }
        let (tx, rx) = replies(2);
        answer_batch(Ok(vec![vec![1.0]]), tx);
        for r in &rx {
            assert!(
                r.recv().expect("an answer").is_err(),
                "wrong count is an error"
            );
        }
    }

    #[test]
    fn a_caller_that_stopped_waiting_does_not_stop_the_others() {
        let (tx, mut rx) = replies(3);
        drop(rx.remove(1));
        answer_batch(Ok(vec![vec![1.0], vec![2.0], vec![3.0]]), tx);
        assert_eq!(
            rx[0].recv().expect("an answer").expect("a vector"),
            vec![1.0]
        );
        assert_eq!(
            rx[1].recv().expect("an answer").expect("a vector"),
            vec![3.0]
        );
    }
}
