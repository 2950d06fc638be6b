//! Configuration: where the seeds, the index, the model and ONNX Runtime are.
//!
//! Precedence: command-line flag > environment variable > default. The only module that
//! reads the environment (besides clap's flag parsing in `cli`).
//!
//! Defaults: the project folder is the current directory when it has `seeds/catalog.toml`,
//! else the folder belegt was built from. Model and runtime live in `$BELEGT_HOME`
//! (default `~/.local/share/belegt`), where `scripts/setup.sh` puts them.

use std::path::{Path, PathBuf};

use crate::answer::AbstainPolicy;
use crate::answer::llm::LlmSettings;
use crate::corpus::catalog::CATALOG_FILE;
use crate::corpus::chunk::ChunkParams;
use crate::embed::{ModelSource, ModelSpec};
use crate::index::Location;
use crate::index::postgres::PgSettings;

/// Name of the default offline model's directory under `$BELEGT_HOME/models/`.
pub const DEFAULT_MODEL_DIR: &str = "multilingual-e5-small-q4";

/// The environment variable holding the LLM endpoint's API key (never a flag, so it
/// does not show in process lists; never printed).
pub const LLM_API_KEY_ENV: &str = "BELEGT_LLM_API_KEY";

/// The environment variable with the server's API keys (comma-separated).
pub const API_KEYS_ENV: &str = "BELEGT_API_KEYS";

/// `$BELEGT_API_KEYS`, when set.
pub fn api_keys_from_env() -> Option<String> {
    std::env::var(API_KEYS_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty())
}

/// What the user chose (flags and environment), before defaults.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Seeds folder.
    pub seeds: Option<PathBuf>,
    /// Index folder.
    pub index_dir: Option<PathBuf>,
    /// Model directory or fastembed model name.
    pub model: Option<String>,
    /// ONNX Runtime library.
    pub ort_library: Option<PathBuf>,
    /// Inference threads.
    pub threads: Option<usize>,
    /// English–German dictionary file, or `off`.
    pub dictionary: Option<PathBuf>,
    /// German thesaurus file, or `off`.
    pub thesaurus: Option<PathBuf>,
    /// OpenAI-compatible endpoint (base URL up to `/v1`); `None` = no LLM.
    pub llm_url: Option<String>,
    /// LLM model name.
    pub llm_model: Option<String>,
    /// Longest time an LLM draft may take, in seconds.
    pub llm_timeout_secs: Option<u64>,
    /// Longest LLM draft, in tokens.
    pub llm_max_tokens: Option<u32>,
    /// LLM sampling temperature.
    pub llm_temperature: Option<f32>,
    /// PostgreSQL URL of a shared index; `None` = the index folder.
    pub store: Option<String>,
    /// PostgreSQL URL of a streaming replica to read from.
    pub store_read_url: Option<String>,
}

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder with `catalog.toml` and the documents.
    pub seeds_dir: PathBuf,
    /// Folder holding the index generations.
    pub index_dir: PathBuf,
    /// The embedding model.
    pub model: ModelSpec,
    /// Chunking parameters.
    pub chunking: ChunkParams,
    /// When to abstain.
    pub abstain: AbstainPolicy,
    /// When a state's evidence counts as a finding in a comparison.
    pub compare: crate::answer::compare::ComparePolicy,
    /// The English–German dictionary (Ding format) for English comparisons; `None` =
    /// the model's nearest words only.
    pub dictionary: Option<PathBuf>,
    /// The German thesaurus (OpenThesaurus text format) for comparisons; `None` = the
    /// topic's own words only.
    pub thesaurus: Option<PathBuf>,
    /// The LLM endpoint for drafted answers; `None` = extractive answers only.
    pub llm: Option<LlmSettings>,
    /// A PostgreSQL database holding the index instead of `index_dir`.
    pub postgres: Option<PgSettings>,
}

impl Config {
    /// Where the index lives.
    pub fn location(&self) -> Location {
        match &self.postgres {
            Some(settings) => Location::Postgres(settings.clone()),
            None => Location::Files(self.index_dir.clone()),
        }
    }
}

/// Where `scripts/setup.sh` puts the dictionary, under `$BELEGT_HOME`.
pub const DICTIONARY_FILE: &str = "dictionary/de-en";
/// Where Debian's `trans-de-en` puts it.
pub const SYSTEM_DICTIONARY: &str = "/usr/share/trans/de-en";
/// Where `scripts/setup.sh` puts the thesaurus, under `$BELEGT_HOME`.
pub const THESAURUS_FILE: &str = "dictionary/openthesaurus.txt";
/// Where Debian's `openthesaurus-de-text` puts it.
pub const SYSTEM_THESAURUS: &str = "/usr/share/openthesaurus-de/openthesaurus.txt";

/// The word list the user chose (`off` for none), else the first of `installed` (under
/// `$BELEGT_HOME`) and `system` that exists.
fn word_list_path(
    chosen: Option<PathBuf>,
    home: &Path,
    installed: &str,
    system: &str,
) -> Option<PathBuf> {
    match chosen {
        Some(p) if p.as_os_str() == "off" => None,
        Some(p) if !p.as_os_str().is_empty() => Some(p),
        _ => [home.join(installed), PathBuf::from(system)]
            .into_iter()
            .find(|p| p.is_file()),
    }
}

/// `$BELEGT_HOME`, else `$HOME/.local/share/belegt`.
pub fn belegt_home() -> PathBuf {
    match std::env::var_os("BELEGT_HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".local/share/belegt"),
    }
}

fn project_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if cwd.join("seeds").join(CATALOG_FILE).is_file() {
        return cwd;
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"));
    if built_from.join("seeds").join(CATALOG_FILE).is_file() {
        return built_from.to_path_buf();
    }
    cwd
}

/// Name of the optional settings file in the project folder (or `$BELEGT_CONFIG`).
pub const CONFIG_FILE: &str = "belegt.toml";

/// The `[llm]` table of `belegt.toml`. The API key is never read from a file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLlm {
    url: Option<String>,
    model: Option<String>,
    timeout_secs: Option<u64>,
    max_tokens: Option<u32>,
    temperature: Option<f32>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    llm: FileLlm,
}

impl Overrides {
    /// Fills what flags and environment left open from the settings file:
    /// `$BELEGT_CONFIG` if set (it must exist), else `belegt.toml` in the project folder
    /// if there is one. Today the file holds the `[llm]` table (`url`, `model`,
    /// `timeout_secs`, `max_tokens`, `temperature`).
    pub fn with_file(self) -> Result<Overrides, String> {
        let (path, required) = match std::env::var_os("BELEGT_CONFIG").filter(|p| !p.is_empty()) {
            Some(p) => (PathBuf::from(p), true),
            None => (project_root().join(CONFIG_FILE), false),
        };
        if !required && !path.is_file() {
            return Ok(self);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        self.with_file_text(&text)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// [`Overrides::with_file`] for the file's text.
    pub fn with_file_text(mut self, text: &str) -> Result<Overrides, String> {
        let file: FileConfig = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let l = file.llm;
        self.llm_url = self.llm_url.or(l.url);
        self.llm_model = self.llm_model.or(l.model);
        self.llm_timeout_secs = self.llm_timeout_secs.or(l.timeout_secs);
        self.llm_max_tokens = self.llm_max_tokens.or(l.max_tokens);
        self.llm_temperature = self.llm_temperature.or(l.temperature);
        Ok(self)
    }
}

impl Config {
    /// Applies defaults to the user's choices.
    pub fn resolve(o: Overrides) -> Config {
        let home = belegt_home();
        let root = project_root();
        let seeds_dir = o.seeds.unwrap_or_else(|| root.join("seeds"));
        let index_dir = o.index_dir.unwrap_or_else(|| root.join("embeddings"));
        let ort_library = o
            .ort_library
            .or_else(|| {
                std::env::var_os("ORT_DYLIB_PATH")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| home.join("onnxruntime").join("libonnxruntime.so"));
        let source = match o.model {
            None => ModelSource::Dir(home.join("models").join(DEFAULT_MODEL_DIR)),
            Some(m) => {
                let path = PathBuf::from(&m);
                if path.is_dir() || m.starts_with(['/', '.', '~']) {
                    ModelSource::Dir(path)
                } else {
                    ModelSource::BuiltIn {
                        name: m,
                        cache_dir: home.join("fastembed-cache"),
                    }
                }
            }
        };
        Config {
            seeds_dir,
            index_dir,
            model: ModelSpec {
                source,
                ort_library,
                threads: o.threads,
                workload: crate::embed::Workload::Serving,
            },
            chunking: ChunkParams::default(),
            abstain: AbstainPolicy::default(),
            compare: crate::answer::compare::ComparePolicy::default(),
            dictionary: word_list_path(o.dictionary, &home, DICTIONARY_FILE, SYSTEM_DICTIONARY),
            thesaurus: word_list_path(o.thesaurus, &home, THESAURUS_FILE, SYSTEM_THESAURUS),
            llm: o
                .llm_url
                .filter(|u| !u.trim().is_empty())
                .map(|base_url| LlmSettings {
                    base_url: base_url.trim().to_string(),
                    model: o.llm_model.unwrap_or_else(|| "default".to_string()),
                    api_key: std::env::var(LLM_API_KEY_ENV)
                        .ok()
                        .filter(|k| !k.is_empty()),
                    timeout: std::time::Duration::from_secs(o.llm_timeout_secs.unwrap_or(20)),
                    max_tokens: o.llm_max_tokens.unwrap_or(600),
                    temperature: o.llm_temperature.unwrap_or(0.1),
                }),
            postgres: o
                .store
                .filter(|u| !u.trim().is_empty())
                .map(|url| PgSettings {
                    read_url: o.store_read_url.filter(|u| !u.trim().is_empty()),
                    ..PgSettings::new(url.trim())
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_fills_only_what_flags_and_environment_left_open() {
        let o = Overrides {
            llm_model: Some("from-flag".into()),
            ..Overrides::default()
        }
        .with_file_text(
            "[llm]\nurl = \"http://127.0.0.1:11434/v1\"\nmodel = \"from-file\"\ntimeout_secs = 7\n",
        )
        .expect("a valid file");
        assert_eq!(o.llm_url.as_deref(), Some("http://127.0.0.1:11434/v1"));
        assert_eq!(o.llm_model.as_deref(), Some("from-flag"));
        assert_eq!(o.llm_timeout_secs, Some(7));
    }

    #[test]
    fn a_word_list_is_the_chosen_one_or_the_installed_one() {
        for (installed, system) in [
            (DICTIONARY_FILE, SYSTEM_DICTIONARY),
            (THESAURUS_FILE, SYSTEM_THESAURUS),
        ] {
            let home = tempfile::tempdir().expect("temp dir");
            let path = |chosen: Option<&str>| {
                word_list_path(chosen.map(PathBuf::from), home.path(), installed, system)
            };
            assert_eq!(path(Some("off")), None);
            assert_eq!(path(Some("/some/list")), Some(PathBuf::from("/some/list")));
            let fallback = Path::new(system).is_file().then(|| PathBuf::from(system));
            assert_eq!(path(None), fallback);
            assert_eq!(path(Some("")), fallback);
            let file = home.path().join(installed);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(&file, "Haus {n} :: house\n").expect("write");
            assert_eq!(path(None), Some(file));
        }
    }

    #[test]
    fn an_api_key_or_unknown_key_in_the_file_is_an_error() {
        let err = Overrides::default()
            .with_file_text("[llm]\napi_key = \"sk-1\"\n")
            .expect_err("keys are not read from files");
        assert!(err.contains("api_key"), "{err}");
    }
}
