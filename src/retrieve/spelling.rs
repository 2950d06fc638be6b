//! A German question as the documents spell its words. Users type in lower case in a
//! chat ("welche länder nutzen ki bei der polizei") or without umlauts on a keyboard
//! that lacks them ("Welche Laender foerdern Start-ups?"). German marks its nouns by
//! the capital letter, and the comparison reads a topic by its nouns; the analyser
//! folds "ä" to "a", not to "ae". So each word is read as the documents write it:
//! a lower-case word the documents nearly always write in upper case takes that form
//! ("ki" → "KI", "polizei" → "Polizei"), and a word the documents do not use, but
//! write with an umlaut or "ß", takes that spelling ("Laender" → "Länder"), also in
//! another inflection of a word of theirs ("Grundsaetzen" → "Grundsätzen", where they
//! write "Grundsätze").
//! A correctly written question stays as it is: its lower-case words are verbs,
//! adjectives and function words, which the documents write in lower case too.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::index::Index;
use crate::index::lexical::{analyze_with, analyzer};
use crate::retrieve::dictionary::Dictionary;
use crate::retrieve::lexicon::capitalised;

/// Smallest share of a word's occurrences in upper case for a lower-case word of a
/// question to take the upper-case form ("nutzen" is a verb and a noun; it stays).
pub const CAPITALISED: f32 = 0.9;

/// Fewest occurrences of a word in the documents for its case to count: a topic's
/// nouns are often rare ("Polizei" three times in the seeds); with one, a word seen
/// only at the start of a sentence would count as a noun.
pub const MIN_OCCURRENCES: usize = 2;

/// How the documents write their words.
#[derive(Debug, Default)]
pub struct Spelling {
    /// Lower-case word → its occurrences, those in upper case, and its most frequent
    /// upper-case form.
    words: HashMap<String, Word>,
    /// A word with "ä", "ö", "ü" or "ß", written with "ae", "oe", "ue", "ss", lower case
    /// → the word (lower case).
    umlauts: HashMap<String, String>,
    /// The analysed terms of the words with "ä", "ö" or "ü" (the analyser folds them
    /// to "a", "o", "u"): what another inflection of such a word is found by.
    umlaut_terms: HashSet<String>,
}

/// A word's uses in the documents.
#[derive(Debug, Default)]
struct Word {
    /// Its uses (not counting the first word of a sentence).
    count: usize,
    /// Its upper-case forms and their uses.
    forms: HashMap<String, usize>,
}

impl Word {
    /// Its uses in upper case.
    fn upper(&self) -> usize {
        self.forms.values().sum()
    }

    /// Used often enough ([`MIN_OCCURRENCES`]) and then in upper case ([`CAPITALISED`]).
    fn usually_upper(&self) -> bool {
        self.count >= MIN_OCCURRENCES && self.upper() as f32 >= CAPITALISED * self.count as f32
    }

    /// Used often enough and then mostly in lower case: a verb, an adjective, an adverb
    /// ("gerade").
    fn mostly_lower(&self) -> bool {
        self.count >= MIN_OCCURRENCES && 2 * self.upper() < self.count
    }

    /// The most frequent upper-case form ("KI" for "ki").
    fn upper_form(&self) -> Option<String> {
        self.forms
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(form, _)| form.clone())
    }
}

impl Spelling {
    /// Learns the spelling of the index's documents.
    pub fn learn(index: &Index) -> Spelling {
        Spelling::of(index.store.docs.iter().map(|d| d.text.as_str()))
    }

    /// Learns the spelling of `texts`.
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Spelling {
        let mut words: HashMap<String, Word> = HashMap::new();
        for text in texts {
            // Web and mail addresses write names in lower case ("www.fraunhofer.de").
            let prose = text.split_whitespace().filter(|w| !is_address(w));
            // The first word of a sentence or an item is in upper case whatever it is
            // ("Gerade", "Ein"); its case says nothing.
            let mut opens = true;
            for chunk in prose {
                let starts = opens;
                opens = chunk.ends_with(['.', '!', '?', ':', ';']) || chunk == "•" || chunk == "-";
                for (at, token) in tokens(chunk) {
                    if starts && at == chunk.find(char::is_alphabetic).unwrap_or(0) {
                        continue;
                    }
                    // A hyphenated word counts whole and part by part ("KI-Zentren": "KI",
                    // "Zentren").
                    let parts = token.split('-').filter(|_| token.contains('-'));
                    for word in std::iter::once(token).chain(parts) {
                        let entry = words.entry(word.to_lowercase()).or_default();
                        entry.count += 1;
                        if starts_upper(word) {
                            *entry.forms.entry(word.to_string()).or_default() += 1;
                        }
                    }
                }
            }
        }
        let mut umlauts: HashMap<String, String> = HashMap::new();
        let mut umlaut_terms: HashSet<String> = HashSet::new();
        let mut analyser = analyzer();
        for (word, w) in &words {
            if word.contains(['ä', 'ö', 'ü']) {
                umlaut_terms.extend(analyze_with(&mut analyser, word));
            }
            if word.contains(['ä', 'ö', 'ü', 'ß']) {
                let key = transliterated(word);
                let better = umlauts
                    .get(&key)
                    .is_none_or(|other| words[other].count < w.count);
                if better {
                    umlauts.insert(key, word.clone());
                }
            }
        }
        Spelling {
            words,
            umlauts,
            umlaut_terms,
        }
    }

    /// `word` (lower case, not a word of the documents) with "ae", "oe", "ue" as
    /// umlauts where that makes it another inflection of a word the documents write with
    /// them: its analysed term is theirs ("grundsaetzen" → "grundsätzen", for
    /// "Grundsätze"). `None` when no such spelling is.
    fn inflected_umlauts(&self, word: &str) -> Option<String> {
        let pairs = [("ae", "ä"), ("oe", "ö"), ("ue", "ü")];
        let at: Vec<(usize, &str)> = pairs
            .iter()
            .flat_map(|(from, to)| word.match_indices(from).map(move |(i, _)| (i, *to)))
            .collect();
        if at.is_empty() || at.len() > MAX_UMLAUTS {
            return None;
        }
        let mut analyser = analyzer();
        // Every choice of the pairs to replace, the fewest first.
        let mut choices: Vec<u32> = (1..1u32 << at.len()).collect();
        choices.sort_by_key(|c| c.count_ones());
        choices.into_iter().find_map(|choice| {
            let mut spelled = word.to_string();
            // From the end, so the offsets before stay valid.
            let mut chosen: Vec<&(usize, &str)> = at
                .iter()
                .enumerate()
                .filter(|(i, _)| choice & (1 << i) != 0)
                .map(|(_, a)| a)
                .collect();
            chosen.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
            for (i, umlaut) in chosen {
                spelled.replace_range(*i..i + 2, umlaut);
            }
            let terms = analyze_with(&mut analyser, &spelled);
            (!terms.is_empty() && terms.iter().all(|t| self.umlaut_terms.contains(t)))
                .then_some(spelled)
        })
    }

    /// `question` with each word as the documents write it (see the module). Hyphenated
    /// words are taken whole, else part by part ("ki-verordnung" → "KI-Verordnung").
    /// A question written all in lower case (after its first word, acronyms aside) also
    /// takes upper case for the words that are nouns by their form
    /// ([`Spelling::is_noun`]) but too rare in the documents to tell; in a question that
    /// writes its nouns in upper case, a lower-case word is a verb or an adjective
    /// ("sprechen" stays, though "das Sprechen" is a noun too).
    pub fn restore<'a, 'd>(
        &self,
        question: &'a str,
        nouns: impl FnOnce() -> Option<&'d Dictionary>,
    ) -> Cow<'a, str> {
        let words: Vec<(usize, &str)> = tokens(question).collect();
        // Acronyms ("KI", "NRW") are in upper case however one types.
        let lower_case = words.iter().skip(1).all(|(_, w)| !capitalised_word(w));
        // The dictionary (`nouns`) is asked for only for a question in lower case.
        let guess = if lower_case { nouns() } else { None };
        let mut out = String::with_capacity(question.len());
        let mut at = 0;
        let mut changed = false;
        for (start, token) in words {
            let spelled = if token.contains('-') {
                self.word(token, guess, false).or_else(|| {
                    let parts: Vec<String> = token
                        .split('-')
                        .map(|p| {
                            self.word(p, guess, lower_case)
                                .unwrap_or_else(|| p.to_string())
                        })
                        .collect();
                    Some(parts.join("-"))
                })
            } else {
                self.word(token, guess, lower_case)
            };
            if let Some(spelled) = spelled.filter(|s| s != token) {
                out.push_str(&question[at..start]);
                out.push_str(&spelled);
                at = start + token.len();
                changed = true;
            }
        }
        if !changed {
            return Cow::Borrowed(question);
        }
        out.push_str(&question[at..]);
        Cow::Owned(out)
    }

    /// True when the lower-case `word` is a German noun by its form: it ends as only
    /// nouns do ([`NOUN_ENDINGS`]); or the dictionary lists it as a noun (also without a
    /// dative "-n": "gütesiegeln") and not as a verb ("planen", "Planen"); or a head of
    /// it is a noun the dictionary lists or the documents write in upper case
    /// ("fachveranstaltungen": "veranstaltungen", "verwaltungsbeschäftigten":
    /// "beschäftigten").
    fn is_noun(&self, word: &str, nouns: Option<&Dictionary>) -> bool {
        if NOUN_ENDINGS.iter().any(|e| word.ends_with(e)) {
            return true;
        }
        let listed = |w: &str| nouns.is_some_and(|d| d.is_german_noun(w));
        if nouns.is_some_and(|d| d.is_german_verb(word)) {
            return false;
        }
        if listed(word) || word.strip_suffix('n').is_some_and(listed) {
            return true;
        }
        word.char_indices()
            .map(|(i, _)| &word[i..])
            .skip(MIN_MODIFIER)
            .take_while(|head| head.chars().count() >= MIN_HEAD)
            .any(|head| listed(head) || self.words.get(head).is_some_and(Word::usually_upper))
    }

    /// How the documents write `token`, when that differs in case or umlauts; with
    /// `guess`, a lower-case word too rare in the documents takes upper case when it is
    /// a noun by its form (`nouns`, [`is_noun`]).
    fn word(&self, token: &str, nouns: Option<&Dictionary>, guess: bool) -> Option<String> {
        let lower = token.to_lowercase();
        let (word, spelled) = match self.words.get(&lower) {
            Some(_) => (lower, None),
            None => match self.umlauts.get(&transliterated(&lower)) {
                Some(word) => (word.clone(), Some(word.clone())),
                None => match self.inflected_umlauts(&lower) {
                    Some(word) => (word.clone(), Some(word)),
                    None => (lower, None),
                },
            },
        };
        if starts_upper(token) {
            // Written in upper case: only the umlauts are restored.
            return spelled.map(|s| capitalised(&s));
        }
        match self.words.get(&word) {
            // Often enough in the documents: their case, when they keep to one.
            Some(w) if w.usually_upper() => w.upper_form(),
            Some(w) if w.mostly_lower() => spelled,
            // Rare, new, or as often in upper case ("institute" beside an English
            // name): a noun by its form ("gütesiegeln", "fachveranstaltungen").
            _ if guess && self.is_noun(&word, nouns) => Some(capitalised(&word)),
            _ => spelled,
        }
    }
}

/// Endings only German nouns have ("Haftung", "Sicherheit", "Wissenschaft", "Ethik",
/// "Hacking").
const NOUN_ENDINGS: &[&str] = &[
    "ung", "ungen", "heit", "heiten", "keit", "keiten", "schaft", "schaften", "tion", "tionen",
    "tät", "täten", "ik", "iken", "ismus", "ing", "ings",
];

/// Shortest first part of a compound whose head [`Spelling::is_noun`] looks up.
const MIN_MODIFIER: usize = 3;

/// Shortest head of a compound [`Spelling::is_noun`] looks up.
const MIN_HEAD: usize = 5;

/// The words of `text` with their byte offsets: runs of letters, with the hyphens
/// inside them ("Start-ups").
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_hyphen = c == '-'
            && start.is_some()
            && chars.peek().is_some_and(|&(_, next)| next.is_alphabetic());
        if c.is_alphabetic() || inner_hyphen {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out.into_iter()
}

/// True for a web or mail address or a part of one ("www.sachsen.de", "https://…",
/// "ki@sachsen.de", "de/forschung/datamining.html").
fn is_address(word: &str) -> bool {
    word.contains("://")
        || word.contains('@')
        || word.to_lowercase().contains("www.")
        || (word.contains('/') && word.contains('.'))
}

/// True for a word in upper case followed by lower case ("Polizei", "KI-Strategie"; not
/// "KI", "NRW").
fn capitalised_word(word: &str) -> bool {
    word.split('-').any(|part| {
        let mut letters = part.chars();
        letters.next().is_some_and(char::is_uppercase)
            && letters.next().is_some_and(char::is_lowercase)
    })
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Most "ae", "oe", "ue" in a word [`Spelling::inflected_umlauts`] tries to read as
/// umlauts (every choice of them is tried).
const MAX_UMLAUTS: usize = 3;

/// `word` with "ä", "ö", "ü", "ß" written as "ae", "oe", "ue", "ss".
fn transliterated(word: &str) -> String {
    word.replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelling() -> Spelling {
        Spelling::of([
            "Die Polizei nutzt KI. Die Länder fördern Start-ups. Die Polizei in Bayern.",
            "Die Länder und die Polizei: KI für Start-ups. Welche Länder nutzen KI?",
            "Der Nutzen von KI. Sie nutzen KI. Wir nutzen die KI-Verordnung.",
            "Die Straße. Die Verordnung. Die Verordnung. Die Verordnung.",
            "Die Grundsätze der Länder. Sie fördert Feuer und Quellen.",
        ])
    }

    #[test]
    fn a_lower_case_question_takes_the_case_the_documents_write() {
        let s = spelling();
        assert_eq!(
            s.restore("welche länder nutzen ki bei der polizei?", || None),
            "welche Länder nutzen KI bei der Polizei?"
        );
        assert_eq!(
            s.restore("fördern sie start-ups", || None),
            "fördern sie Start-ups"
        );
        // Part by part where the documents lack the whole word.
        assert_eq!(s.restore("die ki-verordnung", || None), "die KI-Verordnung");
        assert_eq!(s.restore("ki-verordnung", || None), "KI-Verordnung");
    }

    #[test]
    fn a_word_without_its_umlauts_takes_them() {
        let s = spelling();
        assert_eq!(
            s.restore("Welche Laender foerdern Start-ups?", || None),
            "Welche Länder fördern Start-ups?"
        );
        assert_eq!(s.restore("die strasse", || None), "die straße");
        // Another inflection of a word the documents write with umlauts.
        assert_eq!(
            s.restore("Nach welchen Grundsaetzen foerdert sie?", || None),
            "Nach welchen Grundsätzen fördert sie?"
        );
        // Not a word whose "ue" is no umlaut, or whose umlaut form is no word of theirs.
        assert_eq!(s.restore("die Feuerwehr", || None), "die Feuerwehr");
        assert_eq!(s.restore("die Steuern", || None), "die Steuern");
    }

    #[test]
    fn a_lower_case_question_takes_upper_case_for_nouns_by_their_form() {
        let s = spelling();
        let ding = Dictionary::parse(
            "Gütesiegel {n} | Gütesiegel {pl} :: seal of quality | seals of quality\n\
             Veranstaltung {f} | Veranstaltungen {pl} :: event | events\n\
             Plane {f} | Planen {pl} :: tarpaulin | tarpaulins\n\
             planen {vt} :: to plan\n",
        );
        assert_eq!(
            s.restore(
                "welche länder planen gütesiegeln oder fachveranstaltungen?",
                || Some(&ding)
            ),
            "welche Länder planen Gütesiegeln oder Fachveranstaltungen?"
        );
        // By their endings, without a dictionary.
        assert_eq!(
            s.restore("welche länder nennen haftung und hacking?", || None),
            "welche Länder nennen Haftung und Hacking?"
        );
        // Acronyms typed in upper case do not count as nouns written so; a part of a
        // hyphenated word does ("KI-Strategie").
        assert_eq!(
            s.restore(
                "welche länder haben eine KI-Strategie und haftung?",
                || None
            ),
            "welche Länder haben eine KI-Strategie und haftung?"
        );
        assert_eq!(
            s.restore("welche länder nennen KI und haftung?", || None),
            "welche Länder nennen KI und Haftung?"
        );
        // Not in a question that writes its nouns in upper case.
        assert_eq!(
            s.restore("Welche Länder planen Gütesiegeln?", || Some(&ding)),
            "Welche Länder planen Gütesiegeln?"
        );
        assert_eq!(
            s.restore("Welche Länder nennen haftung?", || None),
            "Welche Länder nennen haftung?"
        );
    }

    #[test]
    fn a_correctly_written_question_and_unknown_words_stay() {
        let s = spelling();
        let question = "Welche Länder nutzen KI bei der Polizei?";
        assert!(matches!(s.restore(question, || None), Cow::Borrowed(_)));
        // Too rare to tell ("Bayern": once), or not in the documents at all.
        assert_eq!(s.restore("bayern und hessen", || None), "bayern und hessen");
        assert_eq!(s.restore("", || None), "");
        assert_eq!(s.restore("-- ki --", || None), "-- KI --");
    }
}
