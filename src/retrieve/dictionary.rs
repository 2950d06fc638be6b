//! An English → German dictionary of nouns, read from a Ding word list (Debian's
//! `trans-de-en`, `/usr/share/trans/de-en`, GPL-2+, about 200,000 entries).
//!
//! The model's nearest words ([`crate::retrieve::lexicon`]) translate a word the
//! documents also use in English ("police" → `Polizei`), but not a phrase ("civil
//! servants", "data centres") and not a word whose neighbours are look-alikes
//! ("civil" → `City`, `Cyber`). A dictionary knows both: "data centres" →
//! `Rechenzentren`, "civil servants" → `Staatsbediensteten`, `Beamtenschaft`.
//!
//! A Ding line is `German :: English`; each side lists sub-entries separated by ` | `,
//! pairwise translations of each other, and each sub-entry lists synonyms separated by
//! `;`. Only German nouns are kept (a gender or `{pl}` mark, one word after the
//! annotations `{…}`, `[…]`, `(…)`, `<…>` and `/…/` are dropped), with the
//! abbreviations noted in `/…/` (`Kleine und mittelständische Unternehmen /KMU/`:
//! `KMU`); only English entries that are not verbs (`to …`) and have at most
//! [`MAX_PHRASE_WORDS`] words are keys. English keys are lower case with hyphens read
//! as spaces ("high-performance computing" = "high performance computing").

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Longest English phrase kept, in words.
pub const MAX_PHRASE_WORDS: usize = 5;

/// English phrase → German nouns, in the order the dictionary lists them.
#[derive(Debug, Default)]
pub struct Dictionary {
    entries: HashMap<String, Vec<String>>,
    /// Every single English word the dictionary translates, nouns or not ("regional",
    /// "explicitly", "train" as in "to train").
    words: HashSet<String>,
    /// The single English words it translates as verbs ("to train").
    verbs: HashSet<String>,
    /// The single English words it translates as adjectives or adverbs ("criminal":
    /// `kriminell {adj}`).
    modifiers: HashSet<String>,
    /// Every German noun it lists, lower case.
    german: HashSet<String>,
    /// Every German verb it lists, as its infinitive ("planen", "gehen").
    german_verbs: HashSet<String>,
}

impl Dictionary {
    /// Reads a Ding word list; an error names the file and what is wrong.
    pub fn read(path: &Path) -> Result<Dictionary, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let dictionary = Dictionary::parse(&text);
        if dictionary.is_empty() {
            return Err(format!(
                "{}: no entry in the Ding format (`German :: English`)",
                path.display()
            ));
        }
        Ok(dictionary)
    }

    /// Parses the text of a Ding word list (lines that are not entries are skipped).
    pub fn parse(text: &str) -> Dictionary {
        let mut entries: HashMap<String, Vec<String>> = HashMap::new();
        let mut words: HashSet<String> = HashSet::new();
        let mut verbs: HashSet<String> = HashSet::new();
        let mut modifiers: HashSet<String> = HashSet::new();
        let mut german_words: HashSet<String> = HashSet::new();
        let mut german_verbs: HashSet<String> = HashSet::new();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((german, english)) = line.split_once(" :: ") else {
                continue;
            };
            let german: Vec<&str> = german.split(" | ").collect();
            let english: Vec<&str> = english.split(" | ").collect();
            // Sub-entries pair up by position; when they do not, only the first is sure.
            let pairs = if german.len() == english.len() {
                german.len()
            } else {
                1
            };
            for (de, en) in german.iter().zip(&english).take(pairs) {
                for synonym in en.split(';') {
                    let clean = without_annotations(synonym).to_lowercase();
                    let mut w = clean.split_whitespace();
                    let (word, verb) = match (w.next(), w.next(), w.next()) {
                        (Some("to"), Some(verb), None) => (verb, true),
                        // A transitive verb with its object: "to consume sth.".
                        (Some("to"), Some(verb), Some(object))
                            if OBJECTS.contains(&object) && w.next().is_none() =>
                        {
                            (verb, true)
                        }
                        (Some(word), None, None) => (word, false),
                        _ => continue,
                    };
                    if !word.chars().all(char::is_alphabetic) {
                        continue;
                    }
                    if !words.contains(word) {
                        words.insert(word.to_string());
                    }
                    if verb && !verbs.contains(word) {
                        verbs.insert(word.to_string());
                    }
                    if !verb
                        && (de.contains("{adj}") || de.contains("{adv}"))
                        && !modifiers.contains(word)
                    {
                        modifiers.insert(word.to_string());
                    }
                }
                for verb in de.split(';').filter_map(german_verb) {
                    if !german_verbs.contains(&verb) {
                        german_verbs.insert(verb);
                    }
                }
                let nouns: Vec<String> = de.split(';').flat_map(german_nouns).collect();
                if nouns.is_empty() {
                    continue;
                }
                for noun in &nouns {
                    let lower = noun.to_lowercase();
                    if !german_words.contains(&lower) {
                        german_words.insert(lower);
                    }
                }
                for key in en.split(';').filter_map(english_key) {
                    let list = entries.entry(key).or_default();
                    for noun in &nouns {
                        if !list.contains(noun) {
                            list.push(noun.clone());
                        }
                    }
                }
            }
        }
        Dictionary {
            entries,
            words,
            verbs,
            modifiers,
            german: german_words,
            german_verbs,
        }
    }

    /// True when `word` is an English word of the dictionary and none of its German
    /// nouns ("Learning", "Research"; not "Portal", "Transport", which are both).
    pub fn is_english_only(&self, word: &str) -> bool {
        let lower = word.to_lowercase();
        self.words.contains(&lower) && !self.german.contains(&lower)
    }

    /// True when `word` is one of the German nouns the dictionary lists, in any case
    /// ("Umwelt", "schutz"; not "Steten", "bedien").
    pub fn is_german_noun(&self, word: &str) -> bool {
        self.german.contains(&word.to_lowercase())
    }

    /// True when `word` (lower case) is a German verb the dictionary lists, in its
    /// infinitive ("planen", though "Planen" is a noun too).
    pub fn is_german_verb(&self, word: &str) -> bool {
        self.german_verbs.contains(word)
    }

    /// True when the dictionary translates `word` (lower case) as a verb ("to process").
    pub fn is_verb(&self, word: &str) -> bool {
        self.verbs.contains(word)
    }

    /// True when the dictionary translates `word` (lower case) as an adjective or an
    /// adverb ("criminal", "long"), whatever else it is.
    pub fn is_modifier(&self, word: &str) -> bool {
        self.modifiers.contains(word)
    }

    /// True when the dictionary translates `word` (lower case) only as something other
    /// than a noun: an adjective ("regional"), an adverb ("explicitly"), a verb
    /// ("promote"). Such a word names no topic, as a German topic's lower-case words do
    /// not.
    pub fn is_not_a_noun(&self, word: &str) -> bool {
        self.words.contains(word) && self.lookup(&[word]).is_none_or(|n| n.is_empty())
    }

    /// The single English words it translates into nouns, each with its nouns in the
    /// dictionary's order.
    pub fn single_words(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries
            .iter()
            .filter(|(key, _)| !key.contains(' '))
            .map(|(key, nouns)| (key.as_str(), nouns.as_slice()))
    }

    /// Number of English entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the dictionary holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The German nouns for English `words` (lower case): those of the phrase as it is,
    /// then those with its last word in the singular ("supercomputers" →
    /// "supercomputer", "facilities" → "facility", "businesses" → "business"); `None`
    /// when the dictionary knows neither.
    pub fn lookup(&self, words: &[&str]) -> Option<Vec<String>> {
        let (last, head) = words.split_last()?;
        let key = |w: &str| {
            let mut key = head.join(" ");
            if !key.is_empty() {
                key.push(' ');
            }
            key.push_str(w);
            key
        };
        let mut out: Vec<String> = Vec::new();
        let mut known = false;
        let forms = std::iter::once(last.to_string()).chain(singulars(last));
        for form in forms {
            if let Some(nouns) = self.entries.get(&key(&form)) {
                known = true;
                for n in nouns {
                    if !out.contains(n) {
                        out.push(n.clone());
                    }
                }
                if form != *last {
                    // The first singular the dictionary knows is the one.
                    break;
                }
            }
        }
        known.then_some(out)
    }
}

/// Candidate singulars of an English plural, most likely first.
fn singulars(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(stem) = word.strip_suffix("ies") {
        out.push(format!("{stem}y"));
    }
    if let Some(stem) = word.strip_suffix("es") {
        out.push(stem.to_string());
    }
    if let Some(stem) = word.strip_suffix('s')
        && !stem.ends_with('s')
    {
        out.push(stem.to_string());
    }
    out
}

/// The nouns a German synonym of a sub-entry gives: itself when it is one noun
/// ([`german_noun`]), and its abbreviation note (`Kleine und mittelständische
/// Unternehmen /KMU/`: `KMU`), which names the same thing in one word.
fn german_nouns(synonym: &str) -> Vec<String> {
    let mut out: Vec<String> = german_noun(synonym).into_iter().collect();
    for a in abbreviations(synonym) {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// The abbreviations noted in `/…/` ("/KMU/", "/HPC/"): one word of letters and
/// digits, starting with a capital, with at least two capitals.
fn abbreviations(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('/').skip(1).step_by(2).filter_map(|a| {
        let ok = a.chars().next().is_some_and(char::is_uppercase)
            && a.chars().all(char::is_alphanumeric)
            && a.chars().filter(|c| c.is_uppercase()).count() >= 2;
        ok.then(|| a.to_string())
    })
}

/// A German synonym of a sub-entry, when it is one noun: a gender or plural mark, and
/// one word once the annotations and a leading article ("die Polizei") are dropped.
fn german_noun(synonym: &str) -> Option<String> {
    let noun = ["{m}", "{f}", "{n}", "{pl}", "{m,f}", "{m;f}"]
        .iter()
        .any(|mark| synonym.contains(mark));
    if !noun {
        return None;
    }
    let clean = without_annotations(synonym);
    let mut words = clean
        .split_whitespace()
        .skip_while(|w| ["der", "die", "das"].contains(w));
    let word = words.next()?;
    (words.next().is_none() && word.chars().next().is_some_and(char::is_uppercase))
        .then(|| word.to_string())
}

/// A German synonym of a sub-entry, when it is a verb ("{vt}", "{vi}", "{vr}"): its
/// last word, the infinitive ("etw. planen {vt}" → "planen").
fn german_verb(synonym: &str) -> Option<String> {
    let verb = ["{vt}", "{vi}", "{vr}"]
        .iter()
        .any(|mark| synonym.contains(mark));
    if !verb {
        return None;
    }
    let word = without_annotations(synonym)
        .split_whitespace()
        .last()?
        .to_string();
    word.chars()
        .all(|c| c.is_alphabetic() && c.is_lowercase())
        .then_some(word)
}

/// An English synonym as a key: lower case, hyphens as spaces, annotations and a
/// leading article dropped;
/// `None` for a verb ("to train"), an empty one, or one of more than
/// [`MAX_PHRASE_WORDS`] words.
fn english_key(synonym: &str) -> Option<String> {
    let clean = without_annotations(synonym)
        .to_lowercase()
        .replace('-', " ");
    // "the police": the article is no part of the key.
    let words: Vec<&str> = clean
        .split_whitespace()
        .skip_while(|w| ["the", "a", "an"].contains(w))
        .collect();
    if words.is_empty() || words[0] == "to" || words.len() > MAX_PHRASE_WORDS {
        return None;
    }
    if words
        .iter()
        .any(|w| !w.chars().all(|c| c.is_alphanumeric() || c == '\''))
    {
        return None;
    }
    Some(words.join(" "))
}

/// The placeholders Ding writes for a verb's object ("to consume sth.").
const OBJECTS: &[&str] = &["sth.", "sb.", "sth", "sb"];

/// `text` without `{…}`, `[…]`, `(…)`, `<…>` and `/…/` (Ding's gender, region, usage,
/// spelling and abbreviation notes).
fn without_annotations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut close: Option<char> = None;
    for c in text.chars() {
        match close {
            Some(end) if c == end => close = None,
            Some(_) => {}
            None => match c {
                '{' => close = Some('}'),
                '[' => close = Some(']'),
                '(' => close = Some(')'),
                '<' => close = Some('>'),
                '/' => close = Some('/'),
                _ => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# Version :: 1.9
Rechenzentrum {n}; Datenzentrum {n}; EDV-Zentrale {f} [comp.] | Rechenzentren {pl}; Datenzentren {pl} :: computing centre [Br.]; data centre [Br.]; data center [Am.] | computing centres; data centres; data centers
Supercomputer {m}; Größtrechner {m} [comp.] :: supercomputer
Beamter {m}; Staatsdiener {m} [humor.] [adm.] | Beamten {pl} :: civil servant [Br.]; government officer | civil servants; government officers
trainieren; schulen {vt} | trainierend :: to train | training
Schulung {f}; Ausbildung {f} | Schulungen {pl} :: training | trainings
öffentlich Bediensteter {m}; Staatsbediensteter {m} :: civil servant; public servant [Am.]
Berechnen {n}; Rechnen {n} [comp.] [math.] | Hochleistungsrechnen {n} :: computing | high-performance computing /HPC/
Abkürzung {f} | Kürzel {n} :: abbreviation
no entry on this line
";

    fn lookup(d: &Dictionary, phrase: &str) -> Vec<String> {
        let words: Vec<&str> = phrase.split(' ').collect();
        d.lookup(&words).unwrap_or_default()
    }

    #[test]
    fn verbs_with_an_object_and_adjectives_are_known_as_such() {
        let d = Dictionary::parse(
            "etw. verbrauchen {vt} | verbrauchend :: to consume sth. | consuming\n\
             kriminell {adj} :: criminal\n\
             Verbrecher {m}; Krimineller {m} :: criminal\n\
             lang {adj} :: long\n\
             Bibliothek {f} | Bibliotheken {pl} :: library | libraries\n",
        );
        assert!(d.is_verb("consume"));
        assert!(!d.is_modifier("consume"));
        // An adjective that is a noun too is both.
        assert!(d.is_modifier("criminal"));
        assert_eq!(lookup(&d, "criminal"), ["Verbrecher", "Krimineller"]);
        assert!(d.is_modifier("long"));
        assert!(!d.is_modifier("libraries") && !d.is_verb("libraries"));
    }

    #[test]
    fn english_only_words_are_no_german_nouns() {
        let d = Dictionary::parse(
            "Lernen {n} :: learning\nPortal {n} | Portale {pl} :: portal | portals\n",
        );
        assert!(d.is_english_only("Learning"));
        // "Portal" is a German noun too; a word the dictionary lacks is neither.
        assert!(!d.is_english_only("Portal"));
        assert!(!d.is_english_only("Unterricht"));
    }

    #[test]
    fn phrases_map_to_nouns_sub_entry_by_sub_entry() {
        let d = Dictionary::parse(SAMPLE);
        // A plural takes its own sub-entry's nouns, then the singular's.
        assert_eq!(
            lookup(&d, "data centres"),
            [
                "Rechenzentren",
                "Datenzentren",
                "Rechenzentrum",
                "Datenzentrum",
                "EDV-Zentrale"
            ]
        );
        assert_eq!(
            lookup(&d, "data centre"),
            ["Rechenzentrum", "Datenzentrum", "EDV-Zentrale"]
        );
        assert_eq!(
            lookup(&d, "civil servant"),
            ["Beamter", "Staatsdiener", "Staatsbediensteter"]
        );
        assert_eq!(
            lookup(&d, "civil servants"),
            ["Beamten", "Beamter", "Staatsdiener", "Staatsbediensteter"]
        );
        // Hyphens read as spaces; the abbreviation note is dropped.
        assert_eq!(
            lookup(&d, "high performance computing"),
            ["Hochleistungsrechnen"]
        );
        // The verb's sub-entries give no noun; the noun entry does.
        assert_eq!(lookup(&d, "training"), ["Schulung", "Ausbildung"]);
        assert!(lookup(&d, "train").is_empty());
        assert!(d.is_not_a_noun("train"));
        assert!(d.is_verb("train"));
        assert!(!d.is_verb("training"));
        assert!(!d.is_not_a_noun("training"));
        assert!(!d.is_not_a_noun("supercomputers"));
        // A word the dictionary does not know may still be a noun.
        assert!(!d.is_not_a_noun("whaling"));
    }

    #[test]
    fn a_plural_falls_back_to_its_singular() {
        let d = Dictionary::parse(SAMPLE);
        assert_eq!(
            lookup(&d, "supercomputers"),
            ["Supercomputer", "Größtrechner"]
        );
        assert_eq!(lookup(&d, "abbreviations"), ["Abkürzung"]);
        assert!(lookup(&d, "whaling").is_empty());
        assert_eq!(
            singulars("facilities"),
            ["facility", "faciliti", "facilitie"]
        );
        assert_eq!(singulars("businesses"), ["business", "businesse"]);
        // "business" is no plural.
        assert!(singulars("business").is_empty());
    }

    #[test]
    fn annotations_go_and_nouns_only_stay() {
        assert_eq!(
            without_annotations("Beamter {m} [adm.] (im Dienst) /Bmt./ <Beamte>"),
            "Beamter     "
        );
        assert_eq!(german_noun(" Rechnen {n} [comp.] "), Some("Rechnen".into()));
        assert_eq!(german_noun("schulen {vt}"), None);
        assert_eq!(german_noun("die Polizei {f}"), Some("Polizei".into()));
        assert_eq!(english_key("the police"), Some("police".into()));
        assert_eq!(german_noun("öffentlich Bediensteter {m}"), None);
        // An abbreviation note names the same thing in one word, noun or not.
        assert_eq!(
            german_nouns(" Kleine und mittelständische Unternehmen /KMU/ [econ.]"),
            ["KMU"]
        );
        assert_eq!(german_nouns("künstliche Intelligenz {f} /KI/"), ["KI"]);
        assert_eq!(
            german_nouns("Hochleistungsrechnen {n} /HPC/"),
            ["Hochleistungsrechnen", "HPC"]
        );
        assert!(
            german_nouns("Ampere {n} /A/").len() == 1,
            "one capital is no abbreviation"
        );
        assert_eq!(german_nouns("Stück /Stk/"), Vec::<String>::new());
        assert_eq!(english_key(" to train"), None);
        assert_eq!(
            english_key(" High-Performance Computing /HPC/"),
            Some("high performance computing".into())
        );
        assert_eq!(english_key("a very long phrase of many words"), None);
    }

    #[test]
    fn a_file_without_entries_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("de-en");
        std::fs::write(&path, "just some text\n").expect("write");
        assert!(
            Dictionary::read(&path)
                .expect_err("refused")
                .contains("Ding format")
        );
        std::fs::write(&path, SAMPLE).expect("write");
        assert!(Dictionary::read(&path).expect("read").len() > 5);
        assert!(Dictionary::read(&dir.path().join("missing")).is_err());
    }
}
