//! Ranked passages → an answer with numbered citations: extractive, or an LLM's draft
//! checked against the passages it cites.

pub mod check;
pub mod compare;
pub mod extractive;
pub mod judge;
pub mod llm;
pub mod prompt;

pub use extractive::{ABSTAIN_TEXT, AbstainPolicy, Answer, Evidence, answer, evidence};
