//! The index in `embeddings/`: chunk store, vectors (hnsw_rs), lexical index (tantivy)
//! and manifest, written as one generation and switched atomically.
//!
//! Layout: `embeddings/CURRENT` names the live generation directory
//! (`embeddings/gen-<time>-<pid>/` with `manifest.json`, `store.json`, `vectors.bin`,
//! `lexical/`). A build writes a new generation under a temporary name, syncs it, renames
//! it, then replaces `CURRENT` by rename, then deletes older generations. A build that
//! dies at any point leaves the previous generation live.
//!
//! **Invariant:** a reader only ever follows `CURRENT`, which only ever names a complete
//! generation; an index is only used when its manifest matches (see [`manifest`]).

pub mod backend;
pub mod lexical;
pub mod manifest;
pub mod postgres;
pub mod store;
pub mod vector;

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::corpus::chunk::{self, ChunkParams};
use crate::corpus::{CorpusError, Document, catalog};
use crate::embed::{EmbedError, Embedder};
use lexical::{LexicalEntry, LexicalIndex};
use manifest::{Expected, Manifest};
use store::{ChunkRecord, Store, StoredDoc, StoredSection, char_offset};
use vector::VectorIndex;

const CURRENT: &str = "CURRENT";
const LOCK: &str = ".lock";

/// Errors while building or opening an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The corpus could not be read.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// The model failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// No index has been built yet.
    #[error("no index in {}: run `belegt index` first", dir.display())]
    Missing {
        /// The index directory.
        dir: PathBuf,
    },
    /// The index does not fit the seeds or model.
    #[error("the index in {} is out of date: {reason}. Run `belegt index` to rebuild it", dir.display())]
    Stale {
        /// The index directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// The index files are damaged.
    #[error("the index in {} is damaged ({message}). Run `belegt index` to rebuild it", dir.display())]
    Corrupt {
        /// The index directory.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The database failed or cannot be reached (the URL is shown without password).
    #[error("database {target}: {message}")]
    Database {
        /// The database URL, password redacted.
        target: String,
        /// What failed.
        message: String,
    },
    /// Another build holds the lock.
    #[error("another `belegt index` is running on {}", dir.display())]
    Busy {
        /// The index directory.
        dir: PathBuf,
    },
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The lexical index failed.
    #[error("lexical index: {0}")]
    Lexical(#[from] tantivy::TantivyError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An opened index.
pub struct Index {
    /// What it was built from.
    pub manifest: Manifest,
    /// Documents and chunks.
    pub store: Store,
    /// Where the vectors and postings are searched (embedded files or PostgreSQL).
    pub backend: Box<dyn backend::SearchBackend>,
}

/// Stages of a build, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Normalizing, structuring and chunking documents.
    Prepare,
    /// Embedding chunks; `done` of `total`.
    Embed {
        /// Chunks embedded so far.
        done: usize,
        /// All chunks.
        total: usize,
    },
    /// Building the vector and lexical indexes and writing files.
    Write,
}

/// Figures of a finished build.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BuildReport {
    /// Documents indexed.
    pub documents: usize,
    /// Chunks indexed.
    pub chunks: usize,
    /// Seconds per stage: prepare (normalize, structure, chunk), embed, hnsw, lexical, write.
    pub seconds: Timings,
    /// The generation directory written.
    pub generation: PathBuf,
}

/// Seconds per build stage.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    /// Normalize, structure, chunk.
    pub prepare: f64,
    /// Embedding.
    pub embed: f64,
    /// HNSW graph.
    pub hnsw: f64,
    /// Lexical index.
    pub lexical: f64,
    /// Store, vectors, manifest, switch.
    pub write: f64,
    /// Everything.
    pub total: f64,
}

/// Where an index lives: files in a folder (the default) or a PostgreSQL database.
#[derive(Debug, Clone)]
pub enum Location {
    /// An index folder (`embeddings/`).
    Files(PathBuf),
    /// A database with pgvector.
    Postgres(postgres::PgSettings),
}

/// Opens the live generation at `location`, checked against `expected`.
pub fn open_at(location: &Location, expected: &Expected) -> Result<Index, IndexError> {
    match location {
        Location::Files(dir) => open(dir, expected),
        Location::Postgres(settings) => {
            let (manifest, store, search) = postgres::open(settings, expected)?;
            Ok(Index {
                manifest,
                store,
                backend: Box::new(search),
            })
        }
    }
}

/// Builds a new generation of the seeds at `location` and makes it live.
pub fn build_at(
    seeds_dir: &Path,
    location: &Location,
    embedder: &Embedder,
    params: ChunkParams,
    progress: impl FnMut(Stage),
) -> Result<BuildReport, IndexError> {
    match location {
        Location::Files(dir) => build(seeds_dir, dir, embedder, params, progress),
        Location::Postgres(settings) => {
            postgres::build(seeds_dir, settings, embedder, params, progress)
        }
    }
}

/// Blocks until no build runs at `location`.
pub fn wait_for_build_at(location: &Location) -> Result<(), IndexError> {
    match location {
        Location::Files(dir) => wait_for_build(dir),
        Location::Postgres(settings) => postgres::wait_for_build(settings),
    }
}

/// Blocks until no build holds the lock on `index_dir` (returns at once when none does).
/// A server starting while another process builds the same index waits for it and then
/// opens the result instead of failing or building a second time.
pub fn wait_for_build(index_dir: &Path) -> Result<(), IndexError> {
    let lock_path = index_dir.join(LOCK);
    let lock = match std::fs::File::open(&lock_path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(&lock_path)(e)),
    };
    lock.lock_shared().map_err(io(&lock_path))?;
    Ok(())
}

/// Builds a fresh index of the seeds in `seeds_dir` into `index_dir` and makes it live.
pub fn build(
    seeds_dir: &Path,
    index_dir: &Path,
    embedder: &Embedder,
    params: ChunkParams,
    mut progress: impl FnMut(Stage),
) -> Result<BuildReport, IndexError> {
    let started = Instant::now();
    std::fs::create_dir_all(index_dir).map_err(io(index_dir))?;
    let lock_path = index_dir.join(LOCK);
    let lock = std::fs::File::create(&lock_path).map_err(io(&lock_path))?;
    if lock.try_lock().is_err() {
        return Err(IndexError::Busy {
            dir: index_dir.to_path_buf(),
        });
    }

    let Prepared {
        store,
        texts,
        vectors,
        corpus_hash,
        prepare,
        embed,
    } = prepare_corpus(seeds_dir, embedder, params, &mut progress)?;

    progress(Stage::Write);
    let t = Instant::now();
    let dim = embedder.info().dim;
    let vector_index =
        VectorIndex::build(dim, &vectors).map_err(|message| IndexError::Corrupt {
            dir: index_dir.to_path_buf(),
            message,
        })?;
    let hnsw = t.elapsed().as_secs_f64();

    let name = format!(
        "gen-{}-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
        std::process::id()
    );
    let tmp = index_dir.join(format!(".tmp-{name}"));
    std::fs::create_dir_all(tmp.join("lexical")).map_err(io(&tmp))?;

    let t = Instant::now();
    let entries: Vec<LexicalEntry<'_>> = texts
        .iter()
        .zip(&store.chunks)
        .map(|(text, c)| LexicalEntry {
            text,
            state: c.state.as_deref(),
            doc: &store.docs[c.doc].id,
        })
        .collect();
    LexicalIndex::build(&tmp.join("lexical"), &entries)?;
    let lexical = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let store_path = tmp.join("store.json");
    write_synced(
        &store_path,
        &serde_json::to_vec(&store).expect("store serializes"),
    )?;
    let vectors_path = tmp.join("vectors.bin");
    vector_index
        .write(&vectors_path)
        .map_err(io(&vectors_path))?;
    let mut files = std::collections::BTreeMap::new();
    for (name, path) in [("store.json", &store_path), ("vectors.bin", &vectors_path)] {
        files.insert(
            name.to_string(),
            manifest::file_sha256(path).map_err(io(path))?,
        );
    }
    // The lexical files too: tantivy opens a truncated postings file without complaint
    // and then ranks wrongly. Its dot files (locks, the managed-file list) are left out.
    let lexical_dir = tmp.join("lexical");
    for entry in std::fs::read_dir(&lexical_dir).map_err(io(&lexical_dir))? {
        let path = entry.map_err(io(&lexical_dir))?.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !file_name.starts_with('.') {
            files.insert(
                format!("lexical/{file_name}"),
                manifest::file_sha256(&path).map_err(io(&path))?,
            );
        }
    }
    let manifest = Manifest::for_build(embedder, corpus_hash, params, &store, files);
    let manifest_path = tmp.join("manifest.json");
    write_synced(
        &manifest_path,
        &serde_json::to_vec_pretty(&manifest).expect("manifest serializes"),
    )?;
    sync_dir(&tmp)?;
    let generation = index_dir.join(&name);
    std::fs::rename(&tmp, &generation).map_err(io(&generation))?;
    let current_tmp = index_dir.join(format!(".{CURRENT}.tmp"));
    write_synced(&current_tmp, name.as_bytes())?;
    std::fs::rename(&current_tmp, index_dir.join(CURRENT)).map_err(io(index_dir))?;
    sync_dir(index_dir)?;
    remove_old_generations(index_dir, &name);
    let write = t.elapsed().as_secs_f64();
    drop(lock);

    Ok(BuildReport {
        documents: store.docs.len(),
        chunks: store.chunks.len(),
        seconds: Timings {
            prepare,
            embed,
            hnsw,
            lexical,
            write,
            total: started.elapsed().as_secs_f64(),
        },
        generation,
    })
}

/// The corpus read, chunked and embedded: what every storage backend writes.
pub struct Prepared {
    /// Documents and chunks.
    pub store: Store,
    /// Each chunk's indexed text (header + text), as embedded and lexically indexed.
    pub texts: Vec<String>,
    /// Each chunk's passage vector.
    pub vectors: Vec<Vec<f32>>,
    /// Fingerprint of the seeds.
    pub corpus_hash: String,
    /// Seconds spent reading, normalizing and chunking.
    pub prepare: f64,
    /// Seconds spent embedding.
    pub embed: f64,
}

impl Manifest {
    /// The manifest of a generation built now by this program.
    pub fn for_build(
        embedder: &Embedder,
        corpus_hash: String,
        chunking: ChunkParams,
        store: &Store,
        files: std::collections::BTreeMap<String, String>,
    ) -> Manifest {
        Manifest {
            format_version: manifest::FORMAT_VERSION,
            pipeline_version: manifest::PIPELINE_VERSION,
            model_id: embedder.info().id.clone(),
            dim: embedder.info().dim,
            corpus_hash,
            chunking,
            documents: store.docs.len(),
            chunks: store.chunks.len(),
            files,
            built_at_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

/// Reads, chunks and embeds the seeds in `seeds_dir`.
pub fn prepare_corpus(
    seeds_dir: &Path,
    embedder: &Embedder,
    params: ChunkParams,
    progress: &mut impl FnMut(Stage),
) -> Result<Prepared, IndexError> {
    progress(Stage::Prepare);
    let t = Instant::now();
    let corpus_hash = manifest::corpus_fingerprint(seeds_dir)?;
    let docs: Vec<Document> = catalog::load(seeds_dir)?
        .into_iter()
        .map(Document::prepare)
        .collect();
    let store = make_store(&docs, params, &|t: &str| embedder.count_tokens(t));
    let prepare = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let texts: Vec<String> = (0..store.chunks.len())
        .map(|i| store.indexed_text(i))
        .collect();
    let total = texts.len();
    progress(Stage::Embed { done: 0, total });
    let vectors = embedder.embed_passages(&texts, |done| progress(Stage::Embed { done, total }))?;
    Ok(Prepared {
        store,
        texts,
        vectors,
        corpus_hash,
        prepare,
        embed: t.elapsed().as_secs_f64(),
    })
}

/// Turns prepared documents into the store: chunks with headers and offsets.
pub fn make_store(
    docs: &[Document],
    params: ChunkParams,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Store {
    let mut store = Store::default();
    for (di, d) in docs.iter().enumerate() {
        let sections = &d.structure.sections;
        for c in chunk::chunk(&d.text, &d.structure, params, count_tokens) {
            let section = &sections[c.section];
            let state = d.structure.paragraphs[c.first_paragraph].state;
            let mut header: Vec<String> = Vec::new();
            if let Some(s) = state {
                header.push(s.name().to_string());
            }
            header.push(d.meta.short_title.clone());
            // Chapter titles only: titled parts (level 2) are often misplaced by multi-column
            // layouts, and a wrong title in the header misleads the embedding.
            header.extend(section.topic.iter().take(1).cloned());
            let (start_char, end_char) = (
                char_offset(&d.text, c.span.start),
                char_offset(&d.text, c.span.end),
            );
            store.chunks.push(ChunkRecord {
                id: format!("{}:{start_char}-{end_char}", d.meta.id),
                doc: di,
                state: state.map(|s| s.code().to_string()),
                section: section.label(),
                header: header.join(" · "),
                start: c.span.start,
                end: c.span.end,
                start_char,
                end_char,
            });
        }
        store.docs.push(StoredDoc {
            id: d.meta.id.clone(),
            file: d.meta.file.clone(),
            title: d.meta.title.clone(),
            short_title: d.meta.short_title.clone(),
            publisher: d.meta.publisher.clone(),
            date: d.meta.date.clone(),
            kind: d.meta.kind.clone(),
            state: d.meta.state.map(|s| s.code().to_string()),
            sections: sections
                .iter()
                .skip(1)
                .map(|s| StoredSection {
                    title: s.label(),
                    level: s.level,
                    state: s.state.map(|st| st.code().to_string()),
                    start: char_offset(&d.text, s.span.start),
                    end: char_offset(&d.text, s.span.end),
                })
                .collect(),
            text: d.text.clone(),
        });
    }
    store
}

/// Reads the manifest of the live generation, if there is one.
pub fn current_manifest(index_dir: &Path) -> Result<Manifest, IndexError> {
    let generation = current_generation(index_dir)?;
    read_manifest(index_dir, &generation)
}

fn current_generation(index_dir: &Path) -> Result<PathBuf, IndexError> {
    let current = index_dir.join(CURRENT);
    let name = match std::fs::read_to_string(&current) {
        Ok(n) => n.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(IndexError::Missing {
                dir: index_dir.to_path_buf(),
            });
        }
        Err(e) => return Err(io(&current)(e)),
    };
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(IndexError::Corrupt {
            dir: index_dir.to_path_buf(),
            message: format!("{CURRENT} names no generation"),
        });
    }
    Ok(index_dir.join(name))
}

fn read_manifest(index_dir: &Path, generation: &Path) -> Result<Manifest, IndexError> {
    let corrupt = |message: String| IndexError::Corrupt {
        dir: index_dir.to_path_buf(),
        message,
    };
    let path = generation.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(|e| corrupt(format!("{}: {e}", path.display())))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("manifest.json: {e}")))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(manifest::FORMAT_VERSION)) {
        return Err(IndexError::Stale {
            dir: index_dir.to_path_buf(),
            reason: format!(
                "its format version is {}, this belegt reads {}",
                version.map_or("unknown".to_string(), |v| v.to_string()),
                manifest::FORMAT_VERSION
            ),
        });
    }
    serde_json::from_value(value).map_err(|e| corrupt(format!("manifest.json: {e}")))
}

/// Opens the live index and checks it against `expected`.
pub fn open(index_dir: &Path, expected: &Expected) -> Result<Index, IndexError> {
    let generation = current_generation(index_dir)?;
    let manifest = read_manifest(index_dir, &generation)?;
    if let Some(reason) = manifest.mismatch(expected) {
        return Err(IndexError::Stale {
            dir: index_dir.to_path_buf(),
            reason,
        });
    }
    let index = load_generation(index_dir, generation, manifest)?;
    index.backend.start_background_work();
    Ok(index)
}

/// Opens the current generation without knowing the model yet (so that it can load
/// while the model does); the caller must check it with [`Index::check`] before use,
/// and start its background work (`backend.start_background_work()`, the HNSW graph)
/// once the model is loaded (until then, dense searches scan all vectors exactly).
pub fn open_unchecked(index_dir: &Path) -> Result<Index, IndexError> {
    let generation = current_generation(index_dir)?;
    let manifest = read_manifest(index_dir, &generation)?;
    load_generation(index_dir, generation, manifest)
}

/// [`open_unchecked`] for any location.
pub fn open_unchecked_at(location: &Location) -> Result<Index, IndexError> {
    match location {
        Location::Files(dir) => open_unchecked(dir),
        Location::Postgres(settings) => {
            let (manifest, store, search) = postgres::open_unchecked(settings)?;
            Ok(Index {
                manifest,
                store,
                backend: Box::new(search),
            })
        }
    }
}

impl Location {
    /// The folder, or the database URL without its password.
    pub fn label(&self) -> PathBuf {
        match self {
            Location::Files(dir) => dir.clone(),
            Location::Postgres(settings) => postgres::redact(&settings.url).into(),
        }
    }
}

impl Index {
    /// `Err(Stale)` when the index was not built for `expected` (model, seeds, chunking).
    pub fn check(self, location: &Location, expected: &Expected) -> Result<Index, IndexError> {
        match self.manifest.mismatch(expected) {
            Some(reason) => Err(IndexError::Stale {
                dir: location.label(),
                reason,
            }),
            None => Ok(self),
        }
    }
}

/// Reads a generation's files after checking them against the manifest's checksums;
/// logs how long each part took.
fn load_generation(
    index_dir: &Path,
    generation: PathBuf,
    manifest: Manifest,
) -> Result<Index, IndexError> {
    let started = Instant::now();
    let corrupt = |message: String| IndexError::Corrupt {
        dir: index_dir.to_path_buf(),
        message,
    };
    for (name, sha) in &manifest.files {
        let path = generation.join(name);
        let actual = manifest::file_sha256(&path).map_err(|e| corrupt(format!("{name}: {e}")))?;
        if &actual != sha {
            return Err(corrupt(format!("{name} does not match its checksum")));
        }
    }
    let store: Store = serde_json::from_slice(
        &std::fs::read(generation.join("store.json"))
            .map_err(|e| corrupt(format!("store.json: {e}")))?,
    )
    .map_err(|e| corrupt(format!("store.json: {e}")))?;
    store.validate().map_err(corrupt)?;
    let checked_and_store = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let vectors = VectorIndex::read(&generation.join("vectors.bin")).map_err(corrupt)?;
    let vectors_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let lexical = LexicalIndex::open(&generation.join("lexical"))
        .map_err(|e| corrupt(format!("lexical: {e}")))?;
    tracing::info!(
        checksums_and_store_s = checked_and_store,
        vectors_and_hnsw_s = vectors_s,
        lexical_s = t.elapsed().as_secs_f64(),
        "index opened"
    );
    if vectors.len() != store.chunks.len()
        || lexical.len() != store.chunks.len() as u64
        || vectors.dim() != manifest.dim
    {
        return Err(corrupt(
            "the store, vectors and lexical index disagree in size".into(),
        ));
    }
    Ok(Index {
        manifest,
        store,
        backend: Box::new(backend::Embedded {
            vectors,
            lexical,
            dir: generation,
        }),
    })
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, renamed
/// over it (what is kept beside an index generation: the vocabulary's vectors, the
/// documents' English words).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), IndexError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(dir))
}

/// Deletes generations other than `keep` and leftovers of interrupted builds.
fn remove_old_generations(index_dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(index_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name != keep && (name.starts_with("gen-") || name.starts_with(".tmp-gen-")) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Index {
    /// The expectations an index built now with `embedder` would meet.
    pub fn expected(
        seeds_dir: &Path,
        embedder: &Embedder,
        chunking: ChunkParams,
    ) -> Result<Expected, IndexError> {
        Ok(Expected {
            model_id: embedder.info().id.clone(),
            dim: embedder.info().dim,
            corpus_hash: Some(manifest::corpus_fingerprint(seeds_dir)?),
            chunking,
        })
    }

    /// What an index at `location` must match: for files, the seeds as they are now; for
    /// a database, only model and format (replicas need no seeds; `belegt index --store`
    /// is what brings the database up to date).
    pub fn expected_at(
        location: &Location,
        seeds_dir: &Path,
        embedder: &Embedder,
        chunking: ChunkParams,
    ) -> Result<Expected, IndexError> {
        match location {
            Location::Files(_) => Index::expected(seeds_dir, embedder, chunking),
            Location::Postgres(_) => Ok(Expected {
                model_id: embedder.info().id.clone(),
                dim: embedder.info().dim,
                corpus_hash: None,
                chunking,
            }),
        }
    }
}
