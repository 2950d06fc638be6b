//! Texts → vectors with fastembed: model loading (local directory or built-in name),
//! ONNX Runtime discovery, E5 prefixes, batching, token counting.
//!
//! **Invariant:** a model is only used with the prefixes it was trained with; every
//! vector is L2-normalised and has the model's dimension.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

/// A loaded embedding model.
pub struct Embedder {
    model: TextEmbedding,
    counter: tokenizers::Tokenizer,
    info: ModelInfo,
}

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
    /// Loads the ONNX Runtime library and the model.
    pub fn load(spec: &ModelSpec) -> Result<Embedder, EmbedError> {
        init_runtime(&spec.ort_library)?;
        let (model, id, prefixes) = match &spec.source {
            ModelSource::Dir(dir) => load_dir(dir, spec.threads)?,
            ModelSource::BuiltIn { name, cache_dir } => {
                load_builtin(name, cache_dir, spec.threads)?
            }
        };
        let mut counter = model.tokenizer.clone();
        counter.with_padding(None);
        counter
            .with_truncation(None)
            .map_err(|e| EmbedError::Model {
                model: id.clone(),
                message: e.to_string(),
            })?;
        let mut embedder = Embedder {
            model,
            counter,
            info: ModelInfo {
                id,
                dim: 0,
                query_prefix: prefixes.0,
                passage_prefix: prefixes.1,
            },
        };
        let probe = embedder.embed_raw(&["probe".to_string()], 1)?;
        embedder.info.dim = probe.first().map_or(0, Vec::len);
        if embedder.info.dim == 0 {
            return Err(EmbedError::Model {
                model: embedder.info.id.clone(),
                message: "the model returns empty vectors".into(),
            });
        }
        Ok(embedder)
    }

    /// The model's identity, dimension and prefixes.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Number of model tokens in `text` (without special tokens or prefix).
    pub fn count_tokens(&self, text: &str) -> usize {
        self.counter
            .encode(text, false)
            .map(|e| e.len())
            .unwrap_or_else(|_| text.split_whitespace().count() * 2)
    }

    /// Embeds one question (with the query prefix).
    pub fn embed_query(&mut self, question: &str) -> Result<Vec<f32>, EmbedError> {
        let text = format!("{}{}", self.info.query_prefix, question);
        let mut v = self.embed_raw(&[text], 1)?;
        v.pop()
            .ok_or_else(|| EmbedError::Inference("no vector returned".into()))
    }

    /// Embeds passages (with the passage prefix) in batches of [`PASSAGE_BATCH`];
    /// `progress` is called with the number of passages done after each batch.
    pub fn embed_passages(
        &mut self,
        passages: &[String],
        progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_passages_in_batches(passages, PASSAGE_BATCH, progress)
    }

    /// [`Embedder::embed_passages`] with a chosen batch size (for benchmarks).
    pub fn embed_passages_in_batches(
        &mut self,
        passages: &[String],
        batch_size: usize,
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let batch_size = batch_size.max(1);
        let mut out = Vec::with_capacity(passages.len());
        for batch in passages.chunks(batch_size) {
            let texts: Vec<String> = batch
                .iter()
                .map(|p| format!("{}{}", self.info.passage_prefix, p))
                .collect();
            out.extend(self.embed_raw(&texts, batch_size)?);
            progress(out.len());
        }
        Ok(out)
    }

    fn embed_raw(&mut self, texts: &[String], batch: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.model.embed(texts, Some(batch))));
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(EmbedError::Inference(e.to_string())),
            Err(_) => Err(EmbedError::Inference("ONNX Runtime panicked".into())),
        }
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

fn e5_prefixes(name: &str) -> (String, String) {
    if name.to_lowercase().contains("e5") {
        ("query: ".into(), "passage: ".into())
    } else {
        (String::new(), String::new())
    }
}

fn load_dir(dir: &Path, threads: Option<usize>) -> Result<Loaded, EmbedError> {
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
    let files = TokenizerFiles {
        tokenizer_file: read("tokenizer.json")?,
        config_file: read("config.json")?,
        special_tokens_map_file: read("special_tokens_map.json")?,
        tokenizer_config_file: read("tokenizer_config.json")?,
    };
    let model =
        UserDefinedEmbeddingModel::new(read("model.onnx")?, files).with_pooling(Pooling::Mean);
    let mut options = InitOptionsUserDefined::new().with_max_length(max_length);
    if let Some(n) = threads {
        options = options.with_intra_threads(n);
    }
    let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| {
        TextEmbedding::try_new_from_user_defined(model, options)
    }));
    match loaded {
        Ok(Ok(m)) => Ok((m, id, prefixes)),
        Ok(Err(e)) => Err(model_err(e.to_string())),
        Err(_) => Err(model_err(
            "ONNX Runtime panicked while loading the model".into(),
        )),
    }
}

#[cfg(feature = "download")]
fn load_builtin(
    name: &str,
    cache_dir: &Path,
    threads: Option<usize>,
) -> Result<Loaded, EmbedError> {
    let wanted = name.to_lowercase();
    let info = TextEmbedding::list_supported_models()
        .into_iter()
        .find(|m| m.model_code.to_lowercase() == wanted || format!("{:?}", m.model).to_lowercase() == wanted)
        .ok_or_else(|| EmbedError::Model {
            model: name.to_string(),
            message: "neither a directory nor a fastembed model name (see fastembed's list of text models)".into(),
        })?;
    let mut options = fastembed::TextInitOptions::new(info.model.clone())
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
