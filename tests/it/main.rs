//! Integration tests of belegt against the real seeds and the real offline model: one
//! test binary with a module per area (`cargo test --release --test it`).
//!
//! The model is loaded once and the real seeds are indexed once per binary (see
//! [`util`]); tests that change seeds or index files work on their own temporary copies.

mod access;
mod api;
mod cli;
mod compare;
mod embedding;
mod fake_llm;
mod faults;
mod index;
mod judge;
mod llm;
mod pg;
mod retrieval;
mod seeds;
mod util;
