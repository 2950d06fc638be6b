//! Question → the states it names (`Bayern`, `bayerischen`, `BY`, `Freistaat Sachsen`,
//! `Bavaria`), with the words that named them.
//!
//! **Invariant:** a state is detected only from a whole word or phrase of the question;
//! `Sachsen` inside `Niedersachsen` or `Sachsen-Anhalt` names neither Saxony.

use crate::corpus::StateCode;

/// A state named in a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedState {
    /// The state.
    pub state: StateCode,
    /// The words of the question that name it.
    pub phrase: String,
}

/// Adjective and genitive endings accepted after an alias that ends in `e` (`bayerische`).
const ENDINGS: &[&str] = &["", "n", "r", "s", "m"];

/// Finds the states a question names, in order of first mention.
pub fn detect_states(question: &str) -> Vec<NamedState> {
    // Words keep inner hyphens (`Sachsen-Anhalt`); everything else splits.
    let words: Vec<(String, String)> = question
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .map(|w| (w.to_string(), w.to_lowercase()))
        .collect();
    let mut found: Vec<(usize, NamedState)> = Vec::new();
    let mut consumed = vec![false; words.len()];
    // Longest phrases first, so that `Freistaat Sachsen` wins over `Sachsen`.
    let mut phrases: Vec<(StateCode, Vec<String>)> = StateCode::all()
        .flat_map(|s| {
            s.phrases()
                .map(move |p| (s, p.split(' ').map(str::to_string).collect()))
        })
        .collect();
    phrases.sort_by_key(|(_, p)| std::cmp::Reverse(p.len()));
    for (state, phrase) in &phrases {
        let n = phrase.len();
        for start in 0..words.len().saturating_sub(n - 1) {
            if consumed[start..start + n].iter().any(|&c| c) {
                continue;
            }
            let matches = phrase.iter().enumerate().all(|(k, p)| {
                let w = &words[start + k].1;
                if k == n - 1 && p.ends_with('e') {
                    ENDINGS.iter().any(|e| *w == format!("{p}{e}"))
                } else {
                    w == p
                }
            });
            if matches {
                consumed[start..start + n]
                    .iter_mut()
                    .for_each(|c| *c = true);
                let text = words[start..start + n]
                    .iter()
                    .map(|w| w.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                found.push((
                    start,
                    NamedState {
                        state: *state,
                        phrase: text,
                    },
                ));
            }
        }
    }
    // Two-letter codes in capitals (`BY`, `NRW` is an alias above).
    for (i, (orig, _)) in words.iter().enumerate() {
        if !consumed[i]
            && orig.len() == 2
            && orig.chars().all(|c| c.is_ascii_uppercase())
            && let Some(state) = StateCode::parse(orig)
        {
            found.push((
                i,
                NamedState {
                    state,
                    phrase: orig.clone(),
                },
            ));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    let mut out: Vec<NamedState> = Vec::new();
    for (_, named) in found {
        if !out.iter().any(|n| n.state == named.state) {
            out.push(named);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(q: &str) -> Vec<&'static str> {
        detect_states(q)
            .into_iter()
            .map(|n| n.state.code())
            .collect()
    }

    #[test]
    fn names_adjectives_codes_and_english() {
        assert_eq!(codes("Was plant Bayern für den Mittelstand?"), vec!["BY"]);
        assert_eq!(
            codes("Worum geht es beim KI-Projekt ASEL der sächsischen Polizei?"),
            vec!["SN"]
        );
        assert_eq!(
            codes("Welche Aufgaben hat die Berliner Taskforce KI?"),
            vec!["BE"]
        );
        assert_eq!(
            codes("What are the lead topics of Thuringia's ThurAI project?"),
            vec!["TH"]
        );
        assert_eq!(codes("Vergleiche BY und BW"), vec!["BY", "BW"]);
        assert_eq!(
            codes("Wie fördert der Freistaat Sachsen Start-ups?"),
            vec!["SN"]
        );
    }

    #[test]
    fn compound_names_do_not_leak() {
        assert_eq!(
            codes("Was macht Sachsen-Anhalt mit Lehrkräften?"),
            vec!["ST"]
        );
        assert_eq!(
            codes("Wer leitet das niedersächsische Reallabor?"),
            vec!["NI"]
        );
        assert_eq!(
            codes("Welche Länder setzen KI in der Polizei ein?"),
            Vec::<&str>::new()
        );
        assert_eq!(codes("Is AI used by Lower Saxony?"), vec!["NI"]);
    }

    #[test]
    fn lower_case_two_letter_words_are_not_codes() {
        assert_eq!(codes("wie be ich das"), Vec::<&str>::new());
    }
}

/// Words that show a short question leans on the previous one ("Wie sieht es dort aus?").
const DEICTIC: &[&str] = &[
    "es", "dazu", "dort", "dabei", "hier", "das", "dies", "diese", "dieses", "davon", "darüber",
    "damit", "ebenso", "auch", "there", "it", "that", "this", "about",
];

/// The text to retrieve with for `question` asked after `previous` in a conversation.
///
/// A follow-up keeps the earlier question's topic: the result is the previous question,
/// without the states it named when the follow-up names its own, followed by the
/// follow-up. A follow-up opens with "und"/"and", or has at most three words, or has at
/// most eight words of which one points back ("es", "dazu", "dort", "that" …). Any other
/// question stands on its own and is returned unchanged.
pub fn follow_up_query(question: &str, previous: Option<&str>) -> String {
    let Some(previous) = previous.map(str::trim).filter(|p| !p.is_empty()) else {
        return question.to_string();
    };
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let first = words.first().map(String::as_str).unwrap_or("");
    let leans = matches!(first, "und" | "and")
        || words.len() <= 3
        || (words.len() <= 8 && words.iter().any(|w| DEICTIC.contains(&w.as_str())));
    if !leans {
        return question.to_string();
    }
    let mut topic = previous.to_string();
    if !detect_states(question).is_empty() {
        for named in detect_states(previous) {
            topic = topic.replace(&named.phrase, " ");
        }
    }
    // What is left of an earlier follow-up's opener and punctuation is no topic.
    let kept: Vec<&str> = topic
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .filter(|w| !matches!(w.to_lowercase().as_str(), "und" | "and"))
        .collect();
    format!("{} {question}", kept.join(" "))
}

#[cfg(test)]
mod follow_up_tests {
    use super::*;

    #[test]
    fn short_follow_ups_keep_the_topic_and_swap_the_state() {
        let q = follow_up_query(
            "Und Bayern?",
            Some("Wie setzt Berlin KI in der Polizei ein?"),
        );
        assert!(
            q.contains("KI in der Polizei") && q.contains("Bayern") && !q.contains("Berlin"),
            "{q}"
        );
        let states: Vec<&str> = detect_states(&q).iter().map(|n| n.state.code()).collect();
        assert_eq!(states, vec!["BY"]);
    }

    #[test]
    fn follow_ups_without_a_state_keep_the_previous_state() {
        let q = follow_up_query(
            "Und in der Verwaltung?",
            Some("Was plant Bayern für den Mittelstand?"),
        );
        assert_eq!(
            q,
            "Was plant Bayern für den Mittelstand? Und in der Verwaltung?"
        );
    }

    #[test]
    fn standalone_questions_are_unchanged() {
        let q = "Welche Länder setzen KI in der Polizei ein?";
        assert_eq!(follow_up_query(q, Some("Was plant Bayern?")), q);
        assert_eq!(follow_up_query("Und Bayern?", None), "Und Bayern?");
    }

    #[test]
    fn chained_follow_ups_keep_the_first_topic() {
        let first = follow_up_query("Und Berlin?", Some("Wie nutzt Bayern KI bei der Polizei?"));
        let second = follow_up_query("Und Hessen?", Some(&first));
        assert_eq!(second, "Wie nutzt KI bei der Polizei? Und Hessen?");
    }

    #[test]
    fn a_complete_new_question_is_not_a_follow_up() {
        let q = "Was macht Hessen mit Sprachmodellen?";
        assert_eq!(
            follow_up_query(q, Some("Was plant Bayern für den Mittelstand?")),
            q
        );
        let q = follow_up_query(
            "Wie sieht es dort mit Schulen aus?",
            Some("Was plant Bayern?"),
        );
        assert!(q.starts_with("Was plant Bayern?"), "{q}");
    }
}
