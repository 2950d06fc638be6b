//! A German question without the words that say where its answer is written ("laut
//! der sächsischen KI-Strategie", "in ihren Berichten zur Digitalministerkonferenz"):
//! they name a source, not the topic, and ranked by them a search prefers the passages
//! that speak of the source itself (a strategy's summary, how it was drawn up) over the
//! passage that answers.
//!
//! **Invariant:** only the search's text changes. Filters are still detected from the
//! whole question ("sächsischen" still names Saxony), and the answer and its
//! abstention still read the whole question.

/// Prepositions after which a noun phrase always names a source ("laut dem Bericht",
/// "gemäß der Strategie").
const SOURCE_PREPOSITIONS: &[&str] = &["laut", "gemäß", "gemäss"];

/// Prepositions after which a noun phrase names a source when its noun is a kind of
/// document ([`DOCUMENT_KINDS`]): "in der KI-Strategie", but not "in der Verwaltung".
const PLACE_PREPOSITIONS: &[&str] = &["in", "im"];

/// Endings of nouns that name a kind of document, lower case: "Bericht", "KI-Strategie",
/// "Landesstrategie", "DMK-Berichten", "Ergebnisprotokoll".
const DOCUMENT_KINDS: &[&str] = &[
    "bericht",
    "berichte",
    "berichten",
    "berichts",
    "berichtes",
    "strategie",
    "strategien",
    "dokument",
    "dokumente",
    "dokumenten",
    "dokuments",
    "protokoll",
    "protokolle",
    "protokollen",
    "protokolls",
];

/// German verbs of saying whose subject, when a document, names a source ("Was *sagt*
/// die KI-Strategie über …", "Welche Maßnahmen *nennt* die sächsische KI-Strategie?").
const SAYING: &[&str] = &[
    "sagt",
    "sagen",
    "nennt",
    "nennen",
    "sieht",
    "sehen",
    "beschreibt",
    "beschreiben",
    "schreibt",
    "schreiben",
    "erwähnt",
    "erwähnen",
    "fordert",
    "fordern",
    "empfiehlt",
    "empfehlen",
    "betont",
    "betonen",
    "formuliert",
    "formulieren",
    "plant",
    "planen",
    "enthält",
    "enthalten",
];

/// Articles that open a subject in the nominative.
const SUBJECT_ARTICLES: &[&str] = &["der", "die", "das", "dieser", "diese", "dieses"];

/// Most words from a German source's preposition to its noun ("laut *der sächsischen
/// KI-Strategie*").
const MAX_GERMAN_PHRASE: usize = 4;

/// Words that attach a genitive to the source's noun ("der KI-Strategie *des*
/// Freistaats Sachsen").
const GENITIVES: &[&str] = &["des", "der"];

/// Words that attach the body a source was written for, when a document's name follows
/// ("Berichten *zur* Digitalministerkonferenz"; not "*zur* Verfügung").
const ADDRESSED: &[&str] = &["zur", "zum"];

/// Fewest words with letters a question keeps once its sources are gone; with fewer
/// ("Was steht in der KI-Strategie?"), the source is what it asks about.
const MIN_LEFT: usize = 3;

/// `question` without the noun phrases that name where its answer is written (see the
/// module); `None` when it names none, or when too little would be left ([`MIN_LEFT`]).
/// `english` reads it as English ("according to the AI strategy", "in the AI strategy
/// of the Free State of Saxony"). `names` are the question's words that name a
/// document of the catalog, lower case ([`super::query::NamedDocuments::words`]): such
/// a word is a source's noun too. A comma or question mark that ended a removed phrase
/// stays.
pub fn without_sources(question: &str, english: bool, names: &[String]) -> Option<String> {
    let tokens: Vec<&str> = question.split_whitespace().collect();
    let words = Words {
        tokens: &tokens,
        names,
    };
    let removed = if english {
        words.english_sources()
    } else {
        words.german_sources()
    };
    if removed.is_empty() {
        return None;
    }
    let mut kept: Vec<String> = Vec::with_capacity(tokens.len());
    let mut at = 0;
    for &(from, to) in &removed {
        kept.extend(tokens[at..from].iter().map(|t| t.to_string()));
        // The punctuation that ended the phrase ends what comes before it now.
        let trail: String = tokens[to - 1]
            .chars()
            .rev()
            .take_while(|c| CLAUSE_ENDS.contains(c))
            .collect::<Vec<char>>()
            .into_iter()
            .rev()
            .collect();
        if let Some(previous) = kept.last_mut()
            && !trail.is_empty()
            && !ends_clause(previous)
        {
            previous.push_str(&trail);
        }
        at = to;
    }
    kept.extend(tokens[at..].iter().map(|t| t.to_string()));
    let left = kept
        .iter()
        .filter(|t| t.chars().any(char::is_alphabetic))
        .count();
    (left >= MIN_LEFT).then(|| kept.join(" "))
}

/// Characters that end a clause or a question.
const CLAUSE_ENDS: &[char] = &[',', ';', '?', '.', '!', ':'];

fn ends_clause(token: &str) -> bool {
    token.ends_with(CLAUSE_ENDS)
}

/// Lower case, without the punctuation around it (`@` stays: `KI@SACHSEN`).
fn bare(token: &str) -> String {
    token
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '@')
        .to_lowercase()
}

fn capitalised(token: &str) -> bool {
    token
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .next()
        .is_some_and(char::is_uppercase)
}

/// A question's tokens (split at white space) and the words naming the catalog's
/// documents.
struct Words<'a> {
    tokens: &'a [&'a str],
    names: &'a [String],
}

impl Words<'_> {
    /// True when the token at `i` names a document of the catalog, whole or by a part
    /// of a hyphenated word ("DMK-Berichten").
    fn is_name(&self, i: usize) -> bool {
        let word = bare(self.tokens[i]);
        self.names.contains(&word)
            || word
                .split('-')
                .any(|part| self.names.iter().any(|n| n == part))
    }

    /// True when the token at `i` is a noun for a kind of document ([`DOCUMENT_KINDS`],
    /// also as a compound's end: "KI-Strategie", "Landesstrategie") or a document's
    /// name.
    fn names_a_document(&self, i: usize, kinds: &[&str]) -> bool {
        let word = bare(self.tokens[i]);
        let head = word.rsplit('-').next().unwrap_or(&word);
        kinds.iter().any(|kind| head.ends_with(kind)) || self.is_name(i)
    }

    /// The spans of German source phrases: "laut …", "gemäß …", "in"/"im" with a
    /// document's noun, or a document as the subject of a verb of saying ("nennt *die
    /// sächsische KI-Strategie*"), each with its complements.
    fn german_sources(&self) -> Vec<(usize, usize)> {
        let tokens = self.tokens;
        let mut removed = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let word = bare(tokens[i]);
            let always = SOURCE_PREPOSITIONS.contains(&word.as_str());
            let place = PLACE_PREPOSITIONS.contains(&word.as_str());
            let says = SAYING.contains(&word.as_str());
            if !(always || place || says) || ends_clause(tokens[i]) {
                i += 1;
                continue;
            }
            // The verb stays; the subject after it goes when it is a document.
            if says {
                let subject = i + 1;
                let article = tokens
                    .get(subject)
                    .is_some_and(|t| SUBJECT_ARTICLES.contains(&bare(t).as_str()));
                let mut j = subject + 1;
                while article
                    && j < tokens.len().min(subject + MAX_GERMAN_PHRASE)
                    && !capitalised(tokens[j])
                    && !ends_clause(tokens[j])
                {
                    j += 1;
                }
                if article
                    && tokens.get(j).is_some_and(|t| capitalised(t))
                    && self.names_a_document(j, DOCUMENT_KINDS)
                {
                    let end = self.german_complements(j + 1);
                    removed.push((subject, end));
                    i = end;
                } else {
                    i += 1;
                }
                continue;
            }
            // The noun phrase: articles and adjectives (lower case), then its noun.
            let mut j = i + 1;
            while j < tokens.len().min(i + MAX_GERMAN_PHRASE)
                && !capitalised(tokens[j])
                && !ends_clause(tokens[j])
            {
                j += 1;
            }
            if !tokens.get(j).is_some_and(|t| capitalised(t))
                || (!always && !self.names_a_document(j, DOCUMENT_KINDS))
            {
                i += 1;
                continue;
            }
            let end = self.german_complements(j + 1);
            removed.push((i, end));
            i = end;
        }
        removed
    }

    /// The end of the complements from `end` on of a German source's noun: genitives
    /// ("des Freistaats Sachsen") and the body it was written for when a document's
    /// name follows ("zur Digitalministerkonferenz").
    fn german_complements(&self, mut end: usize) -> usize {
        let tokens = self.tokens;
        while end < tokens.len() && !ends_clause(tokens[end - 1]) {
            let linker = bare(tokens[end]);
            if ADDRESSED.contains(&linker.as_str()) {
                if end + 1 < tokens.len() && self.is_name(end + 1) {
                    end += 2;
                    continue;
                }
                break;
            }
            if !GENITIVES.contains(&linker.as_str()) {
                break;
            }
            let mut k = end + 1;
            while k < tokens.len() && !capitalised(tokens[k]) && !ends_clause(tokens[k]) {
                k += 1;
            }
            if !tokens.get(k).is_some_and(|t| capitalised(t)) {
                break;
            }
            // The complement's noun and the names right after it ("Freistaats Sachsen").
            end = k + 1;
            while end < tokens.len() && !ends_clause(tokens[end - 1]) && capitalised(tokens[end]) {
                end += 1;
            }
        }
        end
    }

    /// The spans of English source phrases: "according to" or "in" with a document's
    /// noun within [`MAX_ENGLISH_PHRASE`] words, each with its complements.
    fn english_sources(&self) -> Vec<(usize, usize)> {
        let tokens = self.tokens;
        let mut removed = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let word = bare(tokens[i]);
            // A document as the subject of a verb of saying: "What does *the Saxon AI
            // strategy* say about …".
            if ["does", "do"].contains(&word.as_str()) && !ends_clause(tokens[i]) {
                let subject = i + 1;
                let noun = (subject..tokens.len().min(subject + MAX_ENGLISH_PHRASE))
                    .take_while(|&j| !ends_clause(tokens[j]))
                    .find(|&j| self.names_a_document(j, ENGLISH_DOCUMENT_KINDS));
                if let Some(noun) = noun
                    && tokens
                        .get(noun + 1)
                        .is_some_and(|t| ENGLISH_SAYING.contains(&bare(t).as_str()))
                {
                    removed.push((subject, noun + 1));
                    i = noun + 1;
                    continue;
                }
            }
            let from = match word.as_str() {
                "according" if tokens.get(i + 1).is_some_and(|t| bare(t) == "to") => i + 2,
                "in" => i + 1,
                _ => {
                    i += 1;
                    continue;
                }
            };
            let noun = (from..tokens.len().min(from + MAX_ENGLISH_PHRASE))
                .take_while(|&j| j == from || !ends_clause(tokens[j - 1]))
                .find(|&j| self.names_a_document(j, ENGLISH_DOCUMENT_KINDS));
            let Some(noun) = noun.filter(|_| !ends_clause(tokens[i])) else {
                i += 1;
                continue;
            };
            let end = self.english_complements(noun + 1);
            removed.push((i, end));
            i = end;
        }
        removed
    }

    /// The end of the complements from `end` on of an English source's noun: "of" with
    /// a name ("of the Free State of Saxony", "of Saxony"), and "to"/"for" with a
    /// document's name ("to the digital ministers' conference").
    fn english_complements(&self, mut end: usize) -> usize {
        let tokens = self.tokens;
        while end < tokens.len() && !ends_clause(tokens[end - 1]) {
            let linker = bare(tokens[end]);
            let mut k = end + 1;
            while k < tokens.len() && bare(tokens[k]) == "the" && !ends_clause(tokens[k]) {
                k += 1;
            }
            let names_from = |k: usize| {
                let mut e = k;
                while e < tokens.len()
                    && (e == k || !ends_clause(tokens[e - 1]))
                    && (capitalised(tokens[e])
                        || (bare(tokens[e]) == "of"
                            && tokens.get(e + 1).is_some_and(|t| capitalised(t))))
                {
                    e += 1;
                }
                e
            };
            let next = match linker.as_str() {
                "of" => names_from(k),
                "to" | "for" => {
                    let mut e = k;
                    while e < tokens.len()
                        && (e == k || !ends_clause(tokens[e - 1]))
                        && self.is_name(e)
                    {
                        e += 1;
                    }
                    e
                }
                _ => break,
            };
            if next == k {
                break;
            }
            end = next;
        }
        end
    }
}

/// Most words from an English source's preposition to its noun ("in *the Saxon AI
/// strategy*").
const MAX_ENGLISH_PHRASE: usize = 4;

/// English verbs of saying whose subject, when a document, names a source.
const ENGLISH_SAYING: &[&str] = &[
    "say",
    "name",
    "see",
    "describe",
    "mention",
    "propose",
    "plan",
    "contain",
    "emphasise",
    "emphasize",
    "recommend",
];

/// English nouns for a kind of document.
const ENGLISH_DOCUMENT_KINDS: &[&str] = &[
    "report",
    "reports",
    "strategy",
    "strategies",
    "document",
    "documents",
    "protocol",
    "minutes",
];

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever is asked, the search text is the question's own words in their
        /// order (only punctuation moves), with at least [`MIN_LEFT`] of them left.
        #[test]
        fn the_search_text_is_a_subsequence_of_the_question(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "laut", "gemäß", "in", "im", "der", "des", "zur", "die", "KI-Strategie,",
                    "Bericht", "Berichten", "Sachsen", "Freistaats", "nennt", "sagt", "Welche",
                    "Daten?", "according", "to", "the", "strategy", "does", "say", "of",
                    "Saxony", "Digitalministerkonferenz", ",", "?", "und", "Projekte",
                ]),
                0..16,
            ),
            english in proptest::bool::ANY,
        ) {
            let question = words.join(" ");
            let names = ["digitalministerkonferenz".to_string()];
            if let Some(text) = without_sources(&question, english, &names) {
                let bare = |t: &str| t.trim_end_matches(CLAUSE_ENDS).to_string();
                let asked: Vec<String> = question.split_whitespace().map(bare).collect();
                let kept: Vec<String> = text.split_whitespace().map(bare).collect();
                proptest::prop_assert!(kept.len() < asked.len());
                let mut rest = asked.iter();
                for k in &kept {
                    proptest::prop_assert!(rest.any(|a| a == k), "{k:?} out of order in {text:?}");
                }
                let letters = text
                    .split_whitespace()
                    .filter(|t| t.chars().any(char::is_alphabetic))
                    .count();
                proptest::prop_assert!(letters >= MIN_LEFT);
            }
        }
    }

    #[test]
    fn a_source_after_laut_goes_with_its_punctuation() {
        assert_eq!(
            without_sources(
                "Nach welchen Prinzipien sollen die Daten des Freistaats laut KI-Strategie \
                 zur Verfügung gestellt werden?",
                false,
                &[]
            )
            .as_deref(),
            Some(
                "Nach welchen Prinzipien sollen die Daten des Freistaats zur Verfügung gestellt werden?"
            )
        );
        assert_eq!(
            without_sources(
                "Wie viele Mitglieder hat Silicon Saxony laut der sächsischen KI-Strategie, \
                 und seit wann besteht der Verein?",
                false,
                &[]
            )
            .as_deref(),
            Some("Wie viele Mitglieder hat Silicon Saxony, und seit wann besteht der Verein?")
        );
    }

    #[test]
    fn a_document_after_in_goes_with_its_complements() {
        assert_eq!(
            without_sources(
                "Welche Rolle spielt die Dateninfrastruktur GAIA-X in der KI-Strategie des \
                 Freistaats Sachsen?",
                false,
                &[]
            )
            .as_deref(),
            Some("Welche Rolle spielt die Dateninfrastruktur GAIA-X?")
        );
        assert_eq!(
            without_sources(
                "Welche Länder gehen in ihren Berichten zur Digitalministerkonferenz auf den \
                 AI Act ein?",
                false,
                &["digitalministerkonferenz".to_string()]
            )
            .as_deref(),
            Some("Welche Länder gehen auf den AI Act ein?")
        );
    }

    #[test]
    fn english_sources_go_too() {
        assert_eq!(
            without_sources(
                "According to the AI strategy, by which principles should the Free State's \
                 data be made available?",
                true,
                &[]
            )
            .as_deref(),
            Some("by which principles should the Free State's data be made available?")
        );
        assert_eq!(
            without_sources(
                "What role does the data infrastructure GAIA-X play in the AI strategy of the \
                 Free State of Saxony?",
                true,
                &[]
            )
            .as_deref(),
            Some("What role does the data infrastructure GAIA-X play?")
        );
        assert_eq!(
            without_sources(
                "How many members does Silicon Saxony have according to the Saxon AI \
                 strategy, and since when has the association existed?",
                true,
                &[]
            )
            .as_deref(),
            Some(
                "How many members does Silicon Saxony have, and since when has the association existed?"
            )
        );
        assert_eq!(
            without_sources("Which states use AI in the police?", true, &[]),
            None
        );
    }

    #[test]
    fn a_place_that_is_no_document_stays() {
        assert_eq!(
            without_sources("Welche Länder setzen KI in der Polizei ein?", false, &[]),
            None
        );
        assert_eq!(
            without_sources("Wie nutzt Sachsen KI im öffentlichen Dienst?", false, &[]),
            None
        );
    }

    #[test]
    fn a_document_saying_something_goes_but_its_verb_stays() {
        assert_eq!(
            without_sources(
                "Welche Maßnahmen gegen den Fachkräftemangel nennt die sächsische KI-Strategie?",
                false,
                &[]
            )
            .as_deref(),
            Some("Welche Maßnahmen gegen den Fachkräftemangel nennt?")
        );
        assert_eq!(
            without_sources(
                "What does the Saxon AI strategy say about edge AI?",
                true,
                &[]
            )
            .as_deref(),
            Some("What does say about edge AI?")
        );
        // A state says it, not a document.
        assert_eq!(
            without_sources("Was plant die Landesregierung für Schulen?", false, &[]),
            None
        );
    }

    #[test]
    fn a_question_about_the_source_itself_keeps_it() {
        // Nothing would be left to search by.
        assert_eq!(
            without_sources("Was steht in der KI-Strategie?", false, &[]),
            None
        );
        // The strategy is the subject, not where the answer is written.
        assert_eq!(
            without_sources(
                "Wie ist die sächsische KI-Strategie erarbeitet worden?",
                false,
                &[]
            ),
            None
        );
    }
}
