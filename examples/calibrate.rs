//! Calibration curves for the answer thresholds, over question files in the format of
//! `shared/eval/dev.jsonl` (unanswerable items and answerable ones):
//!
//! ```sh
//! cargo run --release --example calibrate -- ../shared/eval/dev.jsonl tests/fixtures/abstain.jsonl benches/queries.txt
//! ```
//!
//! A `.txt` file holds one question a line, taken as answerable (`benches/queries.txt`:
//! unlabelled, so its "false abstention" is the share of abstentions, right or wrong).
//! Prints, for each file, abstention and false abstention over
//! `AbstainPolicy::min_focus_support` (the other thresholds at their defaults), then the
//! comparison's state recall and wrong states over `ComparePolicy` (passages read,
//! passages read for a sentence holding the whole topic, smallest key-term share, share
//! of the best state's). Uses the index in `embeddings/`.

use belegt::answer::compare::ComparePolicy;
use belegt::config::{Config, Overrides};
use belegt::engine::Engine;
use belegt::eval::{self, EvalItem};

/// One answerable item per non-empty line that is not a `#` comment.
fn questions(text: &str) -> Vec<EvalItem> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
        .map(|(i, q)| EvalItem {
            id: format!("line{}", i + 1),
            question: q.to_string(),
            kind: "fact".to_string(),
            lang: String::new(),
            states: Vec::new(),
            evidence: Vec::new(),
            state_evidence: Default::default(),
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        return Err("usage: calibrate QUESTIONS.jsonl ...".into());
    }
    let mut engine = Engine::open(Config::resolve(Overrides::default()))?;
    let defaults = engine.config.clone();
    for file in &files {
        let text = std::fs::read_to_string(file)?;
        let items = if file.ends_with(".txt") {
            questions(&text)
        } else {
            eval::parse_items(&text)?
        };
        println!("== {file}: min_focus_support → abstention, false abstention");
        for t in [0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8] {
            engine.config.abstain.min_focus_support = t;
            let o = eval::run(&engine, &items, 5, None)?.overall;
            let abstention = o.abstention.map_or("–".to_string(), |a| format!("{a:.2}"));
            println!("{t:>5.2}  {abstention:>5}  {:.2}", o.false_abstention);
        }
        engine.config.abstain = defaults.abstain;
        if !items.iter().any(|i| i.kind == "compare") {
            continue;
        }
        println!(
            "== {file}: candidates, complete_within, min_coverage, relative → state recall, \
             wrong states"
        );
        for candidates in [1, 2, 3] {
            let mut within = vec![candidates, 3, 5];
            within.dedup();
            for complete_within in within {
                for min_coverage in [0.2, 0.3, 0.4, 0.5, 0.6] {
                    for relative in [0.3, 0.5, 0.7] {
                        engine.config.compare = ComparePolicy {
                            candidates,
                            complete_within,
                            min_coverage,
                            relative,
                        };
                        let o = eval::run(&engine, &items, 5, None)?.overall;
                        println!(
                            "{candidates}  {complete_within}  {min_coverage:.1}  {relative:.1}  \
                             {:.2}  {:.2}",
                            o.compare_state_recall.unwrap_or(0.0),
                            o.compare_wrong_states.unwrap_or(0.0)
                        );
                    }
                }
            }
        }
        engine.config.compare = defaults.compare;
    }
    Ok(())
}
