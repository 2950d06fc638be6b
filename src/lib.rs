//! belegt — Antworten mit Belegen.
//!
//! A question-answering library over German public-sector documents that answers only
//! from its documents and cites the exact passages. See `ARCHITECTURE.md` for the map.

pub mod corpus;
pub mod embed;
pub mod index;
pub mod retrieve;
pub mod answer;
pub mod config;
pub mod engine;
pub mod eval;
pub mod wire;
pub mod cli;
pub mod api;
