//! The assembled pipeline: a loaded model and an opened index, answering requests.
//! Shared by the CLI, the tests and (later) the HTTP API.

use std::sync::Arc;
use std::time::Instant;

use crate::answer;
use crate::config::Config;
use crate::embed::{EmbedError, Embedder};
use crate::index::{self, BuildReport, Index, IndexError, Stage};
use crate::retrieve::{self, SearchRequest};
use crate::wire::{AskResponse, SearchResponse};

/// Model plus index.
pub struct Engine {
    /// The configuration it was opened with.
    pub config: Config,
    /// The embedding model.
    pub embedder: Embedder,
    /// The index (shared read-only with request handlers).
    pub index: Arc<Index>,
}

impl Engine {
    /// Loads the model and opens the index; fails if the index is missing or stale.
    pub fn open(config: Config) -> Result<Engine, IndexError> {
        let embedder = Embedder::load(&config.model)?;
        Self::open_with(config, embedder)
    }

    /// Opens the index for an already loaded model.
    pub fn open_with(config: Config, embedder: Embedder) -> Result<Engine, IndexError> {
        let expected = Index::expected(&config.seeds_dir, &embedder, config.chunking)?;
        let index = index::open(&config.index_dir, &expected)?;
        Ok(Engine {
            config,
            embedder,
            index: Arc::new(index),
        })
    }

    /// Opens the index, or builds it first when it is missing or out of date; returns
    /// the build's figures when it built.
    pub fn open_or_build(
        config: Config,
        embedder: Embedder,
        progress: impl FnMut(Stage),
    ) -> Result<(Engine, Option<BuildReport>), IndexError> {
        let expected = Index::expected(&config.seeds_dir, &embedder, config.chunking)?;
        match index::open(&config.index_dir, &expected) {
            Ok(index) => Ok((
                Engine {
                    config,
                    embedder,
                    index: Arc::new(index),
                },
                None,
            )),
            Err(
                IndexError::Missing { .. } | IndexError::Stale { .. } | IndexError::Corrupt { .. },
            ) => Self::build(config, embedder, progress)
                .map(|(engine, report)| (engine, Some(report))),
            Err(e) => Err(e),
        }
    }

    /// Builds the index with an already loaded model, then opens it.
    pub fn build(
        config: Config,
        mut embedder: Embedder,
        progress: impl FnMut(Stage),
    ) -> Result<(Engine, BuildReport), IndexError> {
        let report = index::build(
            &config.seeds_dir,
            &config.index_dir,
            &mut embedder,
            config.chunking,
            progress,
        )?;
        Ok((Self::open_with(config, embedder)?, report))
    }

    /// Ranked passages for a request.
    pub fn search(&mut self, req: &SearchRequest) -> Result<SearchResponse, EmbedError> {
        let t = Instant::now();
        let outcome = retrieve::search(&self.index, &mut self.embedder, req)?;
        Ok(SearchResponse::new(
            &self.index,
            &req.query,
            &outcome,
            t.elapsed().as_secs_f64() * 1000.0,
        ))
    }

    /// An extractive answer with citations.
    pub fn ask(&mut self, req: &SearchRequest) -> Result<AskResponse, EmbedError> {
        let t = Instant::now();
        let outcome = retrieve::search(&self.index, &mut self.embedder, req)?;
        let answer = answer::answer(&self.index, &req.query, &outcome.hits, &self.config.abstain);
        Ok(AskResponse::new(
            &self.index,
            &req.query,
            &outcome,
            &answer,
            t.elapsed().as_secs_f64() * 1000.0,
        ))
    }
}
