//! belegt — Antworten mit Belegen.
//!
//! A question-answering library over German public-sector documents that answers only
//! from its documents and cites the exact passages. See `ARCHITECTURE.md` for the map.

pub mod answer;
pub mod api;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod embed;
pub mod engine;
pub mod eval;
pub mod index;
pub mod retrieve;
pub mod wire;
