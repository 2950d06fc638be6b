//! Question → the states it names (`Bayern`, `bayerischen`, `BY`, `Freistaat Sachsen`,
//! `Bavaria`), with the words that named them.
//!
//! **Invariant:** a state is detected only from a whole word or phrase of the question;
//! `Sachsen` inside `Niedersachsen` or `Sachsen-Anhalt` names neither Saxony.

use std::collections::HashSet;

use crate::corpus::StateCode;
use crate::index::lexical::LINKING_ELEMENTS;

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

/// A question that asks across the states ("Welche Länder …", "Which states …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossState {
    /// The words of the question that ask across the states.
    pub phrase: String,
    /// The question without its frame (the cross-state words and words that name the
    /// reports, such as "laut ihren DMK-Berichten"): what is compared.
    pub topic: String,
}

/// Words for "states" (German and English) that a cross-state question uses.
/// The singular ("Welches Land …", "Which state …") asks for one state: an ordinary
/// question, answered from the best passages.
const STATE_WORDS: &[&str] = &[
    "länder",
    "ländern",
    "bundesländer",
    "bundesländern",
    "states",
];

/// True when the lower-case `word` is a word for "states" ("Länder", "Bundesländern",
/// "states").
pub fn is_state_word(word: &str) -> bool {
    STATE_WORDS.contains(&word)
}

/// Words before a state word that make it ask across states: "welche Länder", "die
/// Länder", "alle Bundesländer", "which states", "the states".
const ACROSS: &[&str] = &[
    "welche",
    "welchen",
    "welcher",
    "welches",
    "die",
    "den",
    "der",
    "alle",
    "allen",
    "viele",
    "einzelnen",
    "verschiedenen",
    "anderen",
    "übrigen",
    "mehrere",
    "mehreren",
    "jedes",
    "jedem",
    "which",
    "what",
    "the",
    "all",
    "any",
    "some",
    "many",
    "each",
    "different",
    "other",
    "german",
    "federal",
];

/// Verbs a request opens with, question mark or not ("Nenne alle Länder mit …", "List
/// the states that …"): the request, not its topic.
const REQUESTS: &[&str] = &[
    "nenne", "nennen", "nennt", "zeige", "zeigen", "zeigt", "liste", "gib", "finde", "list",
    "show", "name", "give", "find", "tell",
];

/// Words after a state word that open a relative clause: "Länder, die …", "states that …".
const RELATIVE: &[&str] = &["die", "welche", "that", "which", "whose"];

/// Words that only frame a cross-state question and say nothing about its topic:
/// question words, words for the states and for their reports. The names of the
/// documents ("DMK-Berichten") are taken out with the catalog ([`without_words`]).
const FRAME: &[&str] = &[
    "welche",
    "welchen",
    "welcher",
    "welches",
    "wo",
    "länder",
    "ländern",
    "bundesländer",
    "bundesländern",
    "land",
    "bundesland",
    "laut",
    "ihren",
    "ihrem",
    "ihre",
    "ihrer",
    "bericht",
    "berichte",
    "berichten",
    "berichts",
    "länderberichten",
    "länderberichte",
    "vergleich",
    "vergleiche",
    "vergleichen",
    "ländervergleich",
    "compare",
    "which",
    "what",
    "states",
    "state",
    "federal",
    "german",
    "reports",
    "report",
    "documents",
    "document",
    "their",
    "according",
];

/// Recognises a question that asks across the states and returns its topic; `None`
/// for a question about one state or none in particular.
///
/// A cross-state question has a word for "states" in the plural (`Länder`,
/// `Bundesländern`, `states`) after a word that makes it general (`welche`, `die`,
/// `alle`, `which`, `the`), or compares (`Vergleich der Länder`, `im Ländervergleich`,
/// `compare the states`). A question that names one or more states ("Wie setzt Bayern
/// KI ein?") or asks for one ("Welches Land …") is not one.
pub fn cross_state(question: &str) -> Option<CrossState> {
    let words: Vec<&str> = question
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c: char| c == '-' || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let is_state_word = |w: &str| STATE_WORDS.contains(&w);
    let mut phrase = None;
    // Positions of the phrase's words, which are no part of the topic.
    let mut span = 0..0;
    for i in 0..lower.len() {
        let w = lower[i].as_str();
        if w == "ländervergleich" || w == "ländervergleichs" {
            phrase = Some(words[i].to_string());
            span = i..i + 1;
            break;
        }
        if !is_state_word(w) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| lower[j].as_str());
        let before2 = i.checked_sub(2).map(|j| lower[j].as_str());
        let general = |b: Option<&str>| b.is_some_and(|b| ACROSS.contains(&b));
        // "welche deutschen Länder", "which German states": one adjective between.
        if general(before) || (general(before2) && before.is_some_and(|b| !is_state_word(b))) {
            let from = if general(before) { i - 1 } else { i - 2 };
            phrase = Some(words[from..=i].join(" "));
            span = from..i + 1;
            break;
        }
        // "Gibt es Länder, die …", "states that use AI …": a relative clause after the
        // plural asks which of them do it.
        let after = lower.get(i + 1).map(String::as_str);
        if after.is_some_and(|a| RELATIVE.contains(&a)) || before == Some("es") {
            phrase = Some(words[i.saturating_sub(1)..=(i + 1).min(words.len() - 1)].join(" "));
            // "es Länder, die", "states that": the pronouns go with the plural.
            let from = if before == Some("es") { i - 1 } else { i };
            let to = if after.is_some_and(|a| RELATIVE.contains(&a)) {
                i + 2
            } else {
                i + 1
            };
            span = from..to;
            break;
        }
        let compares = |j: usize| {
            lower
                .get(j)
                .is_some_and(|x| x.starts_with("vergleich") || x.starts_with("compar"))
        };
        if (i >= 2 && compares(i - 2)) || (i >= 1 && compares(i - 1)) {
            phrase = Some(words[i.saturating_sub(2)..=i].join(" "));
            span = i.saturating_sub(2)..i + 1;
            break;
        }
    }
    let phrase = phrase?;
    let named = detect_states(question);
    if !named.is_empty() {
        return None;
    }
    // The first word of a question is a question word or a verb ("Gibt es …"), upper
    // case only because it comes first; an abbreviation (`KI`) stays.
    let skip_first = (question.trim_end().ends_with('?')
        && words
            .first()
            .is_some_and(|w| w.chars().any(char::is_lowercase)))
        || lower
            .first()
            .is_some_and(|w| REQUESTS.contains(&w.as_str()));
    // Dropped: the phrase, frame words with an article right before them ("the
    // documents", "den Berichten"), and English auxiliaries before the verb ("Where do
    // the documents connect …", "Which states are building …").
    let frame = |j: usize| FRAME.contains(&lower[j].as_str()) || span.contains(&j);
    let mut keep: Vec<bool> = (0..words.len())
        .map(|j| !(frame(j) || (j == 0 && skip_first)))
        .collect();
    // Right to left, so that "in ihren Berichten zur Digitalministerkonferenz" goes whole.
    for j in (0..words.len().saturating_sub(1)).rev() {
        if LINKERS.contains(&lower[j].as_str()) && !keep[j + 1] {
            keep[j] = false;
        }
    }
    let mut topic: Vec<usize> = (0..words.len()).filter(|&j| keep[j]).collect();
    while topic
        .first()
        .is_some_and(|&j| AUXILIARIES.contains(&lower[j].as_str()))
    {
        topic.remove(0);
    }
    // Words left dangling at the end by a dropped frame ("…, and for which states?").
    while topic
        .last()
        .is_some_and(|&j| DANGLING.contains(&lower[j].as_str()))
    {
        topic.pop();
    }
    Some(CrossState {
        phrase,
        topic: topic
            .iter()
            .map(|&j| words[j])
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// Articles and prepositions dropped with the frame words after them ("the documents",
/// "in ihren Berichten zur Digitalministerkonferenz", "in their reports").
const LINKERS: &[&str] = &[
    "the", "their", "its", "in", "to", "of", "der", "die", "das", "den", "dem", "des", "ihren",
    "ihrem", "im", "zur", "zum", "nach",
];

/// English auxiliaries at the start of a topic ("do … connect", "are building").
const AUXILIARIES: &[&str] = &["do", "does", "did", "are", "is", "were", "was", "there"];

/// Connectors and prepositions left at a topic's end once the frame is gone.
const DANGLING: &[&str] = &[
    "and", "or", "for", "in", "of", "to", "und", "oder", "für", "im", "bei", "zu", "von",
];

#[cfg(test)]
mod cross_state_tests {
    use super::*;

    fn topic(q: &str) -> Option<String> {
        cross_state(q).map(|c| c.topic)
    }

    #[test]
    fn german_cross_state_questions_are_recognised() {
        for q in [
            "Welche Länder setzen KI in der Polizei ein?",
            "Wie gehen die Länder mit Datenschutz um?",
            "In welchen Bundesländern gibt es KI-Reallabore?",
            "Welche deutschen Länder fördern Start-ups?",
            "Was planen alle Bundesländer zur Verwaltungsdigitalisierung?",
            "KI in Schulen im Ländervergleich",
            "Vergleich der Länder bei KI-Schulungen",
            "Gibt es Länder, die KI in Schulen einsetzen?",
            "Nenne Länder, welche ein KI-Rechenzentrum betreiben.",
            "Wie viele Länder haben eine KI-Strategie?",
            "Nenne alle Länder mit einer KI-Strategie",
        ] {
            assert!(cross_state(q).is_some(), "{q}");
        }
    }

    #[test]
    fn english_cross_state_questions_are_recognised() {
        for q in [
            "Which states use AI in the police?",
            "Where do the documents connect AI with floods, and for which states?",
            "How do the German states train their staff?",
            "Are there states that use AI in schools?",
            "Do any states use chatbots in their administration?",
            "How many states have an AI strategy?",
            "List the states that fund AI start-ups.",
        ] {
            assert!(cross_state(q).is_some(), "{q}");
        }
    }

    #[test]
    fn questions_about_one_state_or_none_are_not_cross_state() {
        for q in [
            "Was plant Bayern für den Mittelstand?",
            "Wie setzt das Land Berlin KI in der Polizei ein?",
            "Welche Ziele hat die KI-Strategie?",
            "Wie gehen Bayern und Sachsen mit Datenschutz um?",
            "What does the state of Hesse do about floods?",
            "Was ist ein Bundesland?",
            "Welches Land nutzt Sprachmodelle in der Justiz?",
            "Which state runs a regional AI centre network?",
            "Welche Aufgaben hat die Berliner Taskforce KI?",
        ] {
            assert!(cross_state(q).is_none(), "{q}");
        }
    }

    #[test]
    fn the_topic_loses_the_frame_but_keeps_the_subject() {
        assert_eq!(
            topic("Welche Länder setzen laut ihren DMK-Berichten KI in der Polizei ein?")
                .as_deref(),
            Some("setzen DMK-Berichten KI in der Polizei ein")
        );
        assert_eq!(
            topic("Which states use AI in the police?").as_deref(),
            Some("use AI in the police")
        );
        assert_eq!(
            topic("Vergleiche die Länder bei KI-Schulungen").as_deref(),
            Some("bei KI-Schulungen")
        );
        assert_eq!(
            topic("Wie gehen die Länder mit Datenschutz um?").as_deref(),
            Some("gehen mit Datenschutz um")
        );
        assert_eq!(
            topic("Where do the documents connect AI with floods, and for which states?")
                .as_deref(),
            Some("connect AI with floods")
        );
        assert_eq!(
            topic("Which states are building data centres for AI?").as_deref(),
            Some("building data centres for AI")
        );
        assert_eq!(
            topic("In welchen Bundesländern gibt es KI-Reallabore?").as_deref(),
            Some("gibt es KI-Reallabore")
        );
        assert_eq!(
            topic("Welche Länder gehen in ihren Berichten zur Digitalministerkonferenz auf den AI Act ein?")
                .as_deref(),
            Some("gehen zur Digitalministerkonferenz auf den AI Act ein")
        );
        // The names of documents go with the catalog.
        assert_eq!(
            without_words(
                "gehen zur Digitalministerkonferenz auf den AI Act ein",
                &["digitalministerkonferenz".to_string()]
            ),
            "gehen auf den AI Act ein"
        );
        assert_eq!(
            topic("Gibt es Länder, die KI in Schulen einsetzen?").as_deref(),
            Some("KI in Schulen einsetzen")
        );
        assert_eq!(
            topic("Are there states that use AI in schools?").as_deref(),
            Some("use AI in schools")
        );
        // A request's verb is no topic word.
        assert_eq!(
            topic("Nenne alle Länder mit einer KI-Strategie").as_deref(),
            Some("mit einer KI-Strategie")
        );
        assert_eq!(
            topic("List the states that fund AI start-ups.").as_deref(),
            Some("that fund AI start-ups")
        );
        assert_eq!(
            topic("Do any states use chatbots in their administration?").as_deref(),
            Some("use chatbots administration")
        );
        assert_eq!(
            topic("Which states see AI as Europe's chance?").as_deref(),
            Some("see AI as Europe's chance")
        );
    }
}

/// An English word's German nouns (from a dictionary), for [`documents_named`].
pub type Nouns<'a> = &'a dyn Fn(&str) -> Vec<String>;

/// The documents a question names, and the words of the question that name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedDocuments {
    /// Positions in the catalog; empty when the question names none, or all of them.
    pub docs: Vec<usize>,
    /// The question's words that name them, lower case ("dmk"; "digital",
    /// "ministers", "conference"): no words of its topic.
    pub words: Vec<String>,
}

/// The documents a question names by their catalog entry ("laut ihren DMK-Berichten",
/// "in den Berichten zur Digitalministerkonferenz", "laut KI@SACHSEN"), and the words
/// naming them ([`NamedDocuments`]).
///
/// A document's *names* are the tokens of its title, short title and publisher that a
/// reader would use to point at it and that no other document's entry shares: acronyms
/// (three or more upper-case letters, `DMK`, `KI@SACHSEN`) and long compounds of 15
/// letters or more (`Digitalministerkonferenz`, `Ergebnisprotokoll`). Ordinary words
/// ("Strategie", "Bericht", a state's name) never name a document: the reports speak of
/// the states' strategies too, and states are detected as states.
/// A question word names it when it equals an acronym, or starts with a long compound
/// (inflected: "Digitalministerkonferenzen"); hyphenated words count part by part.
///
/// With `nouns` (an English word's German nouns, from a dictionary), a run of English
/// words names a long compound when their nouns, or the words themselves (loan words:
/// "digital"), joined in their order as German joins the parts of a compound, are that
/// compound: "the digital ministers' conference" → `Digital` + `Minister` +
/// `Konferenz`.
pub fn documents_named<'a>(
    docs: impl IntoIterator<Item = [&'a str; 3]>,
    question: &str,
    nouns: Option<Nouns>,
) -> NamedDocuments {
    let names: Vec<HashSet<String>> = docs
        .into_iter()
        .map(|fields| fields.iter().flat_map(|f| document_names(f)).collect())
        .collect();
    if names.len() < 2 {
        return NamedDocuments::default();
    }
    let words: Vec<String> = question
        .split(|c: char| !(c.is_alphanumeric() || c == '@'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    // English words; a possessive's "s" ("minister's") is none.
    let english: Vec<String> = question
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() > 1)
        .map(str::to_lowercase)
        .collect();
    let shared = |name: &str, own: usize| {
        names
            .iter()
            .enumerate()
            .any(|(j, other)| j != own && other.contains(name))
    };
    // Each English word's German nouns (lower case), then the word itself.
    let parts: Option<Vec<Vec<String>>> = nouns.map(|nouns| {
        english
            .iter()
            .map(|w| {
                let mut parts: Vec<String> = nouns(w).iter().map(|n| n.to_lowercase()).collect();
                parts.push(w.clone());
                parts
            })
            .collect()
    });
    let mut out = NamedDocuments::default();
    for (i, own) in names.iter().enumerate() {
        let mut named = false;
        for n in own.iter().filter(|n| !shared(n, i)) {
            let long = n.chars().count() >= LONG_NAME;
            for w in &words {
                if w == n || (long && w.starts_with(n.as_str())) {
                    named = true;
                    if !out.words.contains(w) {
                        out.words.push(w.clone());
                    }
                }
            }
            if let Some(parts) = parts.as_deref().filter(|_| long) {
                for at in 0..english.len() {
                    if let Some(end) = compound_run(n, parts, at, "") {
                        named = true;
                        for w in &english[at..end] {
                            if !out.words.contains(w) {
                                out.words.push(w.clone());
                            }
                        }
                    }
                }
            }
        }
        if named {
            out.docs.push(i);
        }
    }
    if out.docs.len() == names.len() {
        out.docs.clear();
    }
    out
}

/// `text` without its words that are among `words` (lower case), whole or as a part of
/// a hyphenated word ("DMK-Berichten" for `dmk`), and the articles and prepositions
/// right before them ("zur Digitalministerkonferenz", "to the digital ministers'
/// conference"); `text` itself when nothing else would be left.
pub fn without_words(text: &str, words: &[String]) -> String {
    let names = |token: &str| {
        let lower = token.to_lowercase();
        let core = lower.trim_matches(|c: char| !(c.is_alphanumeric() || c == '@'));
        words.iter().any(|w| w == core)
            || core
                .split(|c: char| !(c.is_alphanumeric() || c == '@'))
                .any(|part| words.iter().any(|w| w == part))
    };
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut keep: Vec<bool> = tokens.iter().map(|t| !names(t)).collect();
    for j in (0..tokens.len().saturating_sub(1)).rev() {
        if !keep[j + 1] && LINKERS.contains(&tokens[j].to_lowercase().as_str()) {
            keep[j] = false;
        }
    }
    let kept: Vec<&str> = (0..tokens.len())
        .filter(|&j| keep[j])
        .map(|j| tokens[j])
        .collect();
    if kept.is_empty() {
        text.to_string()
    } else {
        kept.join(" ")
    }
}

/// The end of the run of words from `at` on whose `parts` (each word's German nouns or
/// itself), joined to `prefix` in order as German joins a compound's parts (with a
/// [`LINKING_ELEMENTS`] or none), make `name`; two words at least. Parts are tried only
/// while they still spell the start of `name`.
fn compound_run(name: &str, parts: &[Vec<String>], at: usize, prefix: &str) -> Option<usize> {
    let links: Vec<&str> = if prefix.is_empty() {
        vec![""]
    } else {
        std::iter::once("")
            .chain(LINKING_ELEMENTS.iter().copied())
            .collect()
    };
    for part in parts.get(at)? {
        for link in &links {
            let joined = format!("{prefix}{link}{part}");
            if joined == name && !prefix.is_empty() {
                return Some(at + 1);
            }
            if name.starts_with(&joined)
                && let Some(end) = compound_run(name, parts, at + 1, &joined)
            {
                return Some(end);
            }
        }
    }
    None
}

/// Letters of a compound long enough to name a document.
const LONG_NAME: usize = 15;

/// A catalog field's tokens that can name its document ([`documents_named`]), lower case.
fn document_names(field: &str) -> Vec<String> {
    field
        .split(|c: char| !(c.is_alphanumeric() || c == '@'))
        .filter(|t| {
            let letters = t.chars().filter(|c| c.is_alphabetic()).count();
            let upper = t.chars().filter(|c| c.is_uppercase()).count();
            let acronym = upper >= 3 && !t.chars().any(char::is_lowercase);
            acronym || (letters >= LONG_NAME && t.chars().all(char::is_alphabetic))
        })
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod document_tests {
    use super::*;

    /// A catalog of three entries (title, short title, publisher), not the seeds'.
    const CATALOG: [[&str; 3]; 3] = [
        [
            "Ergebnisprotokoll der Digitalministerkonferenz, Anlage: Berichte der Länder",
            "DMK 2024 – Länderberichte KI",
            "Digitalministerkonferenz der Länder",
        ],
        [
            "KI@SACHSEN – Strategie für Künstliche Intelligenz im Freistaat Sachsen",
            "KI@SACHSEN",
            "Sächsische Staatskanzlei",
        ],
        [
            "Jahresbericht der Landesbeauftragten für Datenschutzangelegenheiten",
            "LfD-Jahresbericht",
            "Landesbeauftragte für Datenschutz",
        ],
    ];

    fn named(question: &str) -> Vec<usize> {
        documents_named(CATALOG, question, None).docs
    }

    fn found_words() -> Vec<String> {
        ["digital", "ministers", "conference", "dmk"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn acronyms_and_long_compounds_of_an_entry_name_its_document() {
        assert_eq!(
            named("Welche Länder planen laut ihren DMK-Berichten Schulungen?"),
            [0]
        );
        assert_eq!(
            named("Was sagen die Berichte zur Digitalministerkonferenz?"),
            [0]
        );
        assert_eq!(
            named("Was steht in den Berichten der Digitalministerkonferenzen?"),
            [0]
        );
        assert_eq!(named("Was steht in KI@SACHSEN zu Hochwasser?"), [1]);
        assert_eq!(
            named("Was sagt der Jahresbericht zu Datenschutzangelegenheiten?"),
            [2]
        );
        assert_eq!(
            named("DMK-Berichte oder KI@SACHSEN: wer plant Reallabore?"),
            [0, 1]
        );
    }

    #[test]
    fn ordinary_words_states_and_shared_names_name_no_document() {
        // "Strategie", "Bericht", a state, "KI" (two letters) and "Länder" (in two
        // entries) point at no single document.
        assert!(named("Welche Länder haben eine KI-Strategie?").is_empty());
        assert!(named("Was steht im Bericht von Sachsen?").is_empty());
        assert!(named("Was plant der Freistaat Sachsen für KI?").is_empty());
        assert!(named("Welche Länder nutzen KI in der Verwaltung?").is_empty());
        // A long word that is no name of an entry ("Datenschutzbeauftragte" is not
        // "Datenschutzangelegenheiten").
        assert!(named("Was sagen Datenschutzbeauftragte zu KI?").is_empty());
        // With one document there is nothing to choose.
        assert!(
            documents_named([CATALOG[0]], "laut den DMK-Berichten", None)
                .docs
                .is_empty()
        );
    }

    #[test]
    fn english_words_name_a_long_compound_through_their_german_nouns() {
        let nouns = |w: &str| -> Vec<String> {
            match w {
                "ministers" => vec!["Minister".into(), "Pfarrer".into()],
                "conference" => vec!["Konferenz".into(), "Tagung".into()],
                "protocol" | "minutes" => vec!["Protokoll".into()],
                "result" | "results" => vec!["Ergebnis".into()],
                _ => Vec::new(),
            }
        };
        let named = |q: &str| documents_named(CATALOG, q, Some(&nouns));
        let found = named(
            "Which states discuss the AI Act in their reports to the Digital Ministers' Conference?",
        );
        assert_eq!(found.docs, [0]);
        assert_eq!(found.words, ["digital", "ministers", "conference"]);
        // With a linking "s": "Ergebnis" + "s" + "protokoll".
        assert_eq!(named("What do the results minutes say?").docs, [0]);
        // The acronym names its document in English too, and is no topic word.
        let found = named("Which states plan training according to their DMK reports?");
        assert_eq!(
            (found.docs, found.words),
            (vec![0], vec!["dmk".to_string()])
        );
        // Words that make only part of a name, or none, name nothing.
        assert!(
            named("Which states discuss the ministers' conference?")
                .docs
                .is_empty()
        );
        assert!(
            named("Which states hold digital conferences?")
                .docs
                .is_empty()
        );
        assert_eq!(
            without_words(
                "discuss the AI Act to the Digital Ministers' Conference, laut DMK-Berichten",
                &found_words()
            ),
            "discuss the AI Act laut"
        );
        assert_eq!(without_words("DMK", &found_words()), "DMK");
        // Without a dictionary only the German names count.
        assert!(
            documents_named(CATALOG, "the digital ministers conference", None)
                .docs
                .is_empty()
        );
    }
}
