//! Ranked passages → an answer with numbered citations.

pub mod extractive;

pub use extractive::{ABSTAIN_TEXT, AbstainPolicy, Answer, Evidence, answer, evidence};
