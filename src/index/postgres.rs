//! The index in PostgreSQL + pgvector, for deployments with several replicas.
//!
//! Layout: one schema per generation (`belegt_g<millis>_<pid>`) with `manifest`,
//! `documents`, `chunks` (metadata, `vector(dim)` with an HNSW cosine index, lexical
//! length), `terms` (belegt's own analysed terms per chunk with their frequency — the
//! same analysis as the embedded tantivy index, so hyphen, compound and abbreviation
//! variants behave the same) and `term_stats` (document frequencies). The table
//! `public.belegt_live` names the live generation; a build fills a new schema while the
//! old one serves, then switches `belegt_live` and sends `NOTIFY belegt_live` in one
//! transaction, then drops all generations but the live one and the one before it
//! (replicas may still read it for a moment).
//!
//! **Invariants:** readers only follow `belegt_live`, which only ever names a complete
//! generation; one build at a time (a session advisory lock); the URL's password never
//! appears in errors or logs ([`redact`]).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pgvector::Vector;
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;

use super::backend::SearchBackend;
use super::lexical::{LexicalFilter, analyze, bm25_idf};
use super::manifest::{Expected, Manifest};
use super::store::{ChunkRecord, Store, StoredDoc};
use super::{BuildReport, IndexError, Prepared, Stage, Timings, prepare_corpus};
use crate::corpus::chunk::ChunkParams;
use crate::embed::Embedder;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Prefix of generation schemas.
const SCHEMA_PREFIX: &str = "belegt_g";
/// Advisory lock key held by a build (any constant; "belegt" in ASCII, shifted).
const BUILD_LOCK: i64 = 0x0062_656c_6567_7400;
/// How long a build waits for the build lock before it reports another build running.
/// A build that was killed holds the lock until its server process notices the closed
/// connection: at once when it was waiting for the client, within
/// `client_connection_check_interval` (set by each build) when a statement was running.
const LOCK_GRACE: Duration = Duration::from_secs(15);
/// BM25 parameters, as tantivy's.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Where the database is.
#[derive(Clone)]
pub struct PgSettings {
    /// The primary: `index` writes here; also read when there is no `read_url`.
    pub url: String,
    /// A streaming replica for queries, when there is one.
    pub read_url: Option<String>,
    /// Connections per pool.
    pub pool_size: u32,
    /// Longest wait for a connection, and per statement.
    pub timeout: Duration,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &redact(&self.url))
            .field("read_url", &self.read_url.as_deref().map(redact))
            .field("pool_size", &self.pool_size)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl PgSettings {
    /// Settings for one URL with default pool size (8) and timeout (5 s).
    pub fn new(url: impl Into<String>) -> PgSettings {
        PgSettings {
            url: url.into(),
            read_url: None,
            pool_size: 8,
            timeout: Duration::from_secs(5),
        }
    }

    /// The URL queries go to.
    pub fn query_url(&self) -> &str {
        self.read_url.as_deref().unwrap_or(&self.url)
    }
}

/// `url` with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

fn db_error(settings_url: &str, e: impl std::fmt::Display) -> IndexError {
    // Driver errors do not contain the password, but may contain the URL's parts.
    let text = e.to_string();
    IndexError::Database {
        target: redact(settings_url),
        message: text.replace(settings_url, &redact(settings_url)),
    }
}

fn connect(url: &str, timeout: Duration) -> Result<postgres::Client, IndexError> {
    let mut config: postgres::Config = url.parse().map_err(|e| db_error(url, e))?;
    config.connect_timeout(timeout);
    config.connect(NoTls).map_err(|e| db_error(url, e))
}

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// The live generation's schema, if any.
fn live_generation(client: &mut postgres::Client) -> Result<Option<String>, postgres::Error> {
    let exists: bool = client
        .query_one("SELECT to_regclass('public.belegt_live') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(None);
    }
    Ok(client
        .query_opt(
            "SELECT generation FROM public.belegt_live WHERE id = 1",
            &[],
        )?
        .map(|row| row.get(0)))
}

/// Blocks until no build holds the build lock in the database.
pub fn wait_for_build(settings: &PgSettings) -> Result<(), IndexError> {
    let url = settings.url.as_str();
    let mut client = connect(url, settings.timeout)?;
    client
        .batch_execute(&format!(
            "SELECT pg_advisory_lock({BUILD_LOCK}); SELECT pg_advisory_unlock({BUILD_LOCK});"
        ))
        .map_err(|e| db_error(url, e))
}

/// Builds a new generation of the index of `seeds_dir` in the database and makes it live.
pub fn build(
    seeds_dir: &Path,
    settings: &PgSettings,
    embedder: &Embedder,
    params: ChunkParams,
    mut progress: impl FnMut(Stage),
) -> Result<BuildReport, IndexError> {
    let started = Instant::now();
    let url = settings.url.as_str();
    let err = |e: postgres::Error| db_error(url, e);
    let mut client = connect(url, settings.timeout)?;
    // If this build is killed, its server process stops a running statement (and frees
    // the lock) within a second rather than at the statement's end. PostgreSQL 14 and
    // later know the setting; an older server builds as before.
    let _ = client.batch_execute("SET client_connection_check_interval = '1s'");
    let waited = Instant::now();
    loop {
        let locked: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&BUILD_LOCK])
            .map_err(err)?
            .get(0);
        if locked {
            break;
        }
        if waited.elapsed() >= LOCK_GRACE {
            return Err(IndexError::Busy {
                dir: redact(url).into(),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    client
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS vector;
             CREATE TABLE IF NOT EXISTS public.belegt_live (
                 id int PRIMARY KEY CHECK (id = 1),
                 generation text NOT NULL,
                 switched_at timestamptz NOT NULL DEFAULT now());",
        )
        .map_err(err)?;
    // Leftovers of builds that died: any generation schema that is neither live nor the
    // one before it (we hold the build lock, so no other build is writing one).
    drop_old_generations(&mut client, None).map_err(err)?;

    let Prepared {
        store,
        texts,
        vectors,
        corpus_hash,
        prepare,
        embed,
    } = prepare_corpus(seeds_dir, embedder, params, &mut progress)?;
    progress(Stage::Write);

    let dim = embedder.info().dim;
    let schema = format!("{SCHEMA_PREFIX}{}_{}", now_millis(), std::process::id());
    let t = Instant::now();
    write_generation(&mut client, &schema, &store, &texts, &vectors, dim)
        .map_err(|e| db_error(url, e))?;
    let lexical = t.elapsed().as_secs_f64();

    let t = Instant::now();
    client
        .batch_execute(&format!(
            "SET maintenance_work_mem = '256MB';
             CREATE INDEX chunks_embedding ON {schema}.chunks
                 USING hnsw (embedding vector_cosine_ops);
             ANALYZE {schema}.chunks; ANALYZE {schema}.terms;"
        ))
        .map_err(err)?;
    let hnsw = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let manifest = Manifest::for_build(embedder, corpus_hash, params, &store, Default::default());
    let manifest_json = serde_json::to_value(&manifest).map_err(|e| db_error(url, e))?;
    let mut tx = client.transaction().map_err(err)?;
    tx.execute(
        &format!("INSERT INTO {schema}.manifest (id, body) VALUES (1, $1)"),
        &[&manifest_json],
    )
    .map_err(err)?;
    tx.execute(
        "INSERT INTO public.belegt_live (id, generation) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET generation = EXCLUDED.generation, switched_at = now()",
        &[&schema],
    )
    .map_err(err)?;
    tx.execute("SELECT pg_notify('belegt_live', $1)", &[&schema])
        .map_err(err)?;
    tx.commit().map_err(err)?;
    drop_old_generations(&mut client, Some(&schema)).map_err(err)?;
    let write = t.elapsed().as_secs_f64();
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&BUILD_LOCK]);

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
        generation: format!("{}#{schema}", redact(url)).into(),
    })
}

/// Creates `schema` with its tables and fills them (no HNSW index, no manifest yet).
fn write_generation(
    client: &mut postgres::Client,
    schema: &str,
    store: &Store,
    texts: &[String],
    vectors: &[Vec<f32>],
    dim: usize,
) -> Result<(), BoxError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA {schema};
         CREATE TABLE {schema}.manifest (id int PRIMARY KEY CHECK (id = 1), body jsonb NOT NULL);
         CREATE TABLE {schema}.documents (ord int PRIMARY KEY, id text NOT NULL UNIQUE, body jsonb NOT NULL);
         CREATE TABLE {schema}.chunks (
             ord int PRIMARY KEY, doc_id text NOT NULL, state text, body jsonb NOT NULL,
             lex_len int NOT NULL, lex_norm int NOT NULL, embedding vector({dim}) NOT NULL);
         CREATE TABLE {schema}.terms (term text NOT NULL, ord int NOT NULL, tf int NOT NULL);
         CREATE TABLE {schema}.term_stats (term text PRIMARY KEY, df int NOT NULL);"
    ))?;
    let insert_doc = tx.prepare(&format!(
        "INSERT INTO {schema}.documents (ord, id, body) VALUES ($1, $2, $3)"
    ))?;
    for (i, d) in store.docs.iter().enumerate() {
        let body = serde_json::to_value(d).unwrap_or_default();
        tx.execute(&insert_doc, &[&(i as i32), &d.id, &body])?;
    }
    let insert_chunk = tx.prepare(&format!(
        "INSERT INTO {schema}.chunks (ord, doc_id, state, body, lex_len, lex_norm, embedding)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))?;
    let mut df: HashMap<&str, i32> = HashMap::new();
    let mut term_rows = String::new();
    let mut analysed: Vec<Vec<String>> = Vec::with_capacity(texts.len());
    for text in texts {
        analysed.push(analyze(text));
    }
    for (i, (c, terms)) in store.chunks.iter().zip(&analysed).enumerate() {
        let body = serde_json::to_value(c).unwrap_or_default();
        let embedding = Vector::from(vectors[i].clone());
        tx.execute(
            &insert_chunk,
            &[
                &(i as i32),
                &store.docs[c.doc].id,
                &c.state,
                &body,
                &(terms.len() as i32),
                &(quantized_length(terms.len()) as i32),
                &embedding,
            ],
        )?;
        let mut tf: HashMap<&str, i32> = HashMap::new();
        for t in terms {
            *tf.entry(t.as_str()).or_default() += 1;
        }
        for (term, n) in tf {
            *df.entry(term).or_default() += 1;
            term_rows.push_str(&copy_escape(term));
            term_rows.push_str(&format!("\t{i}\t{n}\n"));
        }
    }
    let mut writer = tx.copy_in(&format!(
        "COPY {schema}.terms (term, ord, tf) FROM STDIN (FORMAT text)"
    ))?;
    std::io::Write::write_all(&mut writer, term_rows.as_bytes())?;
    writer.finish()?;
    let mut stats = String::new();
    for (term, n) in &df {
        stats.push_str(&copy_escape(term));
        stats.push_str(&format!("\t{n}\n"));
    }
    let mut writer = tx.copy_in(&format!(
        "COPY {schema}.term_stats (term, df) FROM STDIN (FORMAT text)"
    ))?;
    std::io::Write::write_all(&mut writer, stats.as_bytes())?;
    writer.finish()?;
    tx.batch_execute(&format!(
        "CREATE INDEX terms_term ON {schema}.terms (term) INCLUDE (ord, tf);"
    ))?;
    Ok(tx.commit()?)
}

/// A chunk's length as tantivy's BM25 sees it: stored in one byte, so lengths above 40
/// are rounded down to one of 256 steps. Scoring with the same lengths gives the same
/// ranking as the embedded index.
fn quantized_length(tokens: usize) -> u32 {
    use tantivy::fieldnorm::FieldNormReader;
    let tokens = u32::try_from(tokens).unwrap_or(u32::MAX);
    FieldNormReader::id_to_fieldnorm(FieldNormReader::fieldnorm_to_id(tokens))
}

/// Escapes a value for COPY's text format.
fn copy_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Drops generation schemas other than the live one and, after a switch to `keep_new`,
/// the generation that was live before it.
fn drop_old_generations(
    client: &mut postgres::Client,
    just_switched: Option<&str>,
) -> Result<(), postgres::Error> {
    let live = live_generation(client)?;
    let mut schemas: Vec<String> = client
        .query(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'belegt\\_g%' ORDER BY nspname",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Names sort by build time: keep the live one and, right after a switch, the newest
    // older one (it served until a moment ago).
    schemas.retain(|s| Some(s) != live.as_ref());
    if just_switched.is_some() {
        schemas.pop();
    } else if let Some(live) = &live {
        // Before a build: keep the generation just before the live one as well.
        if let Some(pos) = schemas.iter().rposition(|s| s < live) {
            schemas.remove(pos);
        }
    }
    for s in schemas {
        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"))?;
    }
    Ok(())
}

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// A live generation opened for queries: the store and term statistics in memory, the
/// vectors and postings in the database.
pub struct PgSearch {
    pool: Pool,
    url: String,
    schema: String,
    doc_freq: HashMap<String, u64>,
    chunks: u64,
    average_len: f32,
}

impl std::fmt::Debug for PgSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgSearch({}#{})", redact(&self.url), self.schema)
    }
}

/// Connects to `settings.query_url()` and loads the live generation's manifest, store
/// and term statistics; checks the manifest like the embedded index does.
pub fn open(
    settings: &PgSettings,
    expected: &Expected,
) -> Result<(Manifest, Store, PgSearch), IndexError> {
    let (manifest, store, search) = open_unchecked(settings)?;
    if let Some(reason) = manifest.mismatch(expected) {
        return Err(IndexError::Stale {
            dir: redact(settings.query_url()).into(),
            reason,
        });
    }
    Ok((manifest, store, search))
}

/// [`open`] without the check against the model (the caller checks).
pub fn open_unchecked(settings: &PgSettings) -> Result<(Manifest, Store, PgSearch), IndexError> {
    let url = settings.query_url();
    let err = |e: postgres::Error| db_error(url, e);
    let config: postgres::Config = url.parse().map_err(|e| db_error(url, e))?;
    let mut config = config;
    config.connect_timeout(settings.timeout);
    let options = format!("-c statement_timeout={}", settings.timeout.as_millis());
    config.options(&options);
    let pool = r2d2::Pool::builder()
        .max_size(settings.pool_size.max(1))
        .min_idle(Some(1))
        .connection_timeout(settings.timeout)
        .build(PostgresConnectionManager::new(config, NoTls))
        .map_err(|e| db_error(url, e))?;
    let mut client = pool.get().map_err(|e| db_error(url, e))?;
    let missing = || IndexError::Missing {
        dir: redact(url).into(),
    };
    let schema = live_generation(&mut client)
        .map_err(err)?
        .ok_or_else(missing)?;
    let body: serde_json::Value = client
        .query_one(
            &format!("SELECT body FROM {schema}.manifest WHERE id = 1"),
            &[],
        )
        .map_err(err)?
        .get(0);
    let corrupt = |message: String| IndexError::Corrupt {
        dir: format!("{}#{schema}", redact(url)).into(),
        message,
    };
    let manifest: Manifest =
        serde_json::from_value(body).map_err(|e| corrupt(format!("manifest: {e}")))?;
    let mut store = Store::default();
    for row in client
        .query(
            &format!("SELECT body FROM {schema}.documents ORDER BY ord"),
            &[],
        )
        .map_err(err)?
    {
        let doc: StoredDoc =
            serde_json::from_value(row.get(0)).map_err(|e| corrupt(format!("documents: {e}")))?;
        store.docs.push(doc);
    }
    let mut total_len = 0u64;
    for row in client
        .query(
            &format!("SELECT body, lex_len FROM {schema}.chunks ORDER BY ord"),
            &[],
        )
        .map_err(err)?
    {
        let chunk: ChunkRecord =
            serde_json::from_value(row.get(0)).map_err(|e| corrupt(format!("chunks: {e}")))?;
        store.chunks.push(chunk);
        total_len += row.get::<_, i32>(1).max(0) as u64;
    }
    store.validate().map_err(corrupt)?;
    if store.chunks.len() != manifest.chunks || store.docs.len() != manifest.documents {
        return Err(corrupt(
            "the manifest and the tables disagree in size".into(),
        ));
    }
    let doc_freq = client
        .query(&format!("SELECT term, df FROM {schema}.term_stats"), &[])
        .map_err(err)?
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i32>(1).max(0) as u64))
        .collect();
    let chunks = store.chunks.len() as u64;
    drop(client);
    let search = PgSearch {
        pool,
        url: url.to_string(),
        schema,
        doc_freq,
        chunks,
        average_len: total_len as f32 / chunks.max(1) as f32,
    };
    Ok((manifest, store, search))
}

impl PgSearch {
    fn client(
        &self,
    ) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, IndexError> {
        self.pool.get().map_err(|e| db_error(&self.url, e))
    }
}

impl SearchBackend for PgSearch {
    fn generation(&self) -> Option<String> {
        Some(self.schema.clone())
    }

    /// Differs from [`SearchBackend::generation`] after a new build.
    fn live_generation(&self) -> Result<Option<String>, IndexError> {
        let mut client = self.client()?;
        live_generation(&mut client).map_err(|e| db_error(&self.url, e))
    }

    fn doc_freq(&self, term: &str) -> u64 {
        self.doc_freq.get(term).copied().unwrap_or(0)
    }

    /// As the embedded index computes it.
    fn idf(&self, term: &str) -> f32 {
        bm25_idf(self.chunks, self.doc_freq(term))
    }

    fn healthy(&self) -> Result<(), IndexError> {
        let mut client = self.client()?;
        client
            .query_one(
                &format!("SELECT count(*) FROM {}.manifest", self.schema),
                &[],
            )
            .map_err(|e| db_error(&self.url, e))?;
        Ok(())
    }

    fn location(&self) -> String {
        format!("{}#{}", redact(&self.url), self.schema)
    }

    /// HNSW over all chunks, or an exact scan of `allowed` (as the embedded index does
    /// for filtered searches).
    fn dense(
        &self,
        query: &[f32],
        k: usize,
        allowed: Option<&[usize]>,
    ) -> Result<Vec<(usize, f32)>, IndexError> {
        let err = |e: postgres::Error| db_error(&self.url, e);
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(err)?;
        let v = Vector::from(query.to_vec());
        let k = k as i64;
        let rows = match allowed {
            None => {
                tx.batch_execute(&format!("SET LOCAL hnsw.ef_search = {}", k.clamp(40, 1000)))
                    .map_err(err)?;
                tx.query(
                    &format!(
                        "SELECT ord, 1 - (embedding <=> $1) FROM {}.chunks ORDER BY embedding <=> $1 LIMIT $2",
                        self.schema
                    ),
                    &[&v, &k],
                )
                .map_err(err)?
            }
            Some(allowed) => {
                let ords: Vec<i32> = allowed.iter().map(|&i| i as i32).collect();
                tx.batch_execute("SET LOCAL enable_indexscan = off")
                    .map_err(err)?;
                tx.query(
                    &format!(
                        "SELECT ord, 1 - (embedding <=> $1) FROM {}.chunks WHERE ord = ANY($3)
                         ORDER BY embedding <=> $1 LIMIT $2",
                        self.schema
                    ),
                    &[&v, &k, &ords],
                )
                .map_err(err)?
            }
        };
        tx.commit().map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i32>(0) as usize, r.get::<_, f64>(1) as f32))
            .collect())
    }

    /// BM25 over belegt's analysed terms (tantivy's formula with exact lengths).
    fn lexical(
        &self,
        query: &str,
        k: usize,
        filter: &LexicalFilter,
    ) -> Result<Vec<(usize, f32)>, IndexError> {
        let mut terms = analyze(query);
        terms.sort();
        terms.dedup();
        terms.retain(|t| self.doc_freq(t) > 0);
        if terms.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let weights: Vec<f32> = terms.iter().map(|t| self.idf(t) * (1.0 + K1)).collect();
        let err = |e: postgres::Error| db_error(&self.url, e);
        let mut client = self.client()?;
        let rows = client
            .query(
                &format!(
                    "SELECT t.ord, sum(q.w * t.tf / (t.tf + $3::real * (1 - $4::real + $4::real * c.lex_norm / $5::real)))::real AS score
                     FROM unnest($1::text[], $2::real[]) AS q(term, w)
                     JOIN {s}.terms t ON t.term = q.term
                     JOIN {s}.chunks c ON c.ord = t.ord
                     WHERE (cardinality($6::text[]) = 0 OR c.state = ANY($6))
                       AND (cardinality($7::text[]) = 0 OR c.doc_id = ANY($7))
                     GROUP BY t.ord ORDER BY score DESC, t.ord LIMIT $8",
                    s = self.schema
                ),
                &[
                    &terms,
                    &weights,
                    &K1,
                    &B,
                    &self.average_len,
                    &filter.states,
                    &filter.docs,
                    &(k as i64),
                ],
            )
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i32>(0) as usize, r.get::<_, f32>(1)))
            .collect())
    }
}
