//! Shared fixtures: the real offline model, loaded once per test binary, and an index of
//! the real seeds, built once per test binary into a temporary directory.
//!
//! Everything lives in temporary directories; nothing touches the project's own
//! `embeddings/` folder.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use belegt::config::{Config, Overrides};
use belegt::embed::Embedder;
use belegt::engine::Engine;
use belegt::index::BuildReport;
use tempfile::TempDir;

/// The configuration `belegt` resolves with no flags and no overrides: the installed model.
pub fn default_config() -> Config {
    Config::resolve(Overrides::default())
}

/// The project's `seeds/` folder.
pub fn project_seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// Loads a fresh model (about 2 s); prefer [`model`].
pub fn load_model() -> Embedder {
    let config = default_config();
    Embedder::load(&config.model).expect("the offline model is installed (scripts/setup.sh)")
}

/// Locks a mutex even when another test panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The model shared by all tests of this binary.
pub fn model() -> MutexGuard<'static, Embedder> {
    static MODEL: OnceLock<Mutex<Embedder>> = OnceLock::new();
    lock(MODEL.get_or_init(|| Mutex::new(load_model())))
}

/// A new temporary directory.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("belegt-it-")
        .tempdir()
        .expect("a temporary directory")
}

/// Copies every file of `from` into `to` (flat, as the seeds folder is).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the target directory");
    for entry in std::fs::read_dir(from).expect("read the source directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// A temporary copy of the real seeds; the seeds folder is `dir.path().join("seeds")`.
pub fn seeds_copy() -> (TempDir, PathBuf) {
    let dir = temp_dir();
    let seeds = dir.path().join("seeds");
    copy_dir(&project_seeds(), &seeds);
    (dir, seeds)
}

/// The shared index of the real seeds: where it lives and what its build reported.
pub struct Shared {
    /// A private copy of the real seeds, never changed.
    pub seeds_dir: PathBuf,
    /// The index folder (holds `CURRENT` and one generation), never changed.
    pub index_dir: PathBuf,
    /// What the build reported.
    pub report: BuildReport,
    /// The engine over that index.
    pub engine: Mutex<Engine>,
    _dir: TempDir,
}

/// The index of the real seeds, built once per test binary.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (dir, seeds_dir) = seeds_copy();
        let index_dir = dir.path().join("index");
        let config = config_for(&seeds_dir, &index_dir);
        let (engine, report) = Engine::build(config, load_model(), |_| {})
            .expect("the real seeds index with the real model");
        Shared {
            seeds_dir,
            index_dir,
            report,
            engine: Mutex::new(engine),
            _dir: dir,
        }
    })
}

/// The engine over the shared index of the real seeds.
pub fn engine() -> MutexGuard<'static, Engine> {
    lock(&shared().engine)
}

/// A configuration for `seeds_dir` and `index_dir` with the installed model.
pub fn config_for(seeds_dir: &Path, index_dir: &Path) -> Config {
    let mut config = default_config();
    config.seeds_dir = seeds_dir.to_path_buf();
    config.index_dir = index_dir.to_path_buf();
    config
}

/// The embedded backend's parts of an index opened from files.
pub fn embedded(index: &belegt::index::Index) -> &belegt::index::backend::Embedded {
    index
        .backend
        .as_embedded()
        .expect("an index opened from files has the embedded backend")
}
