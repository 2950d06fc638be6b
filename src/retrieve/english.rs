//! The English words the documents use for their own German nouns: a report on AI writes
//! "Smart Mobility-Konzepte" and an AI centre "(Mobility)" where a question asks for
//! "Mobilität". Learned from the English–German dictionary read backwards, once per
//! index, and kept beside the embedded index ([`FILE_NAME`]) so that a German comparison
//! need not read the dictionary (a second on two cores).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::index::Index;
use crate::index::lexical::analyze;
use crate::retrieve::dictionary::Dictionary;

/// The file beside the embedded index's files.
pub const FILE_NAME: &str = "english-words.json";

/// Format of [`FILE_NAME`]; another is learned anew.
const FORMAT: u32 = 1;

/// Shortest English word taken: shorter ones are often German words too ("den",
/// "dar") or too general ("work", "use").
const MIN_LETTERS: usize = 5;

/// How many of an English word's German nouns are its main sense: "mining" is `Abbau`,
/// `Gewinnung`, then `Förderung`, which it does not name.
const MAIN_SENSE: usize = 2;

/// Analysed German term → the analysed English words the documents use for it.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EnglishWords {
    format: u32,
    /// The dictionary they were learned from ([`fingerprint`]).
    dictionary: String,
    words: BTreeMap<String, Vec<String>>,
}

impl EnglishWords {
    /// For each German noun of the documents, the English words of the documents whose
    /// main sense in `dictionary` it is ([`MAIN_SENSE`]) and which are no German noun
    /// themselves ([`Dictionary::is_english_only`]: "mobility", "health", not
    /// "transport"), of [`MIN_LETTERS`] or more, used in at most half of the passages.
    /// The German analyser shortens some English words past recognition ("offer" →
    /// `off`, "forest" → `for`): only a word it leaves whole (but for a plural "s")
    /// counts. `dictionary_id` names the dictionary ([`fingerprint`]).
    pub fn learn(index: &Index, dictionary: &Dictionary, dictionary_id: String) -> EnglishWords {
        let half = (index.store.chunks.len() / 2) as u64;
        let used = |term: &str| (1..=half).contains(&index.backend.doc_freq(term));
        let mut words: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (english, nouns) in dictionary.single_words() {
            let singular = english.strip_suffix('s').unwrap_or(english);
            // "situations" is no German noun, but its singular is.
            if singular.chars().count() < MIN_LETTERS
                || !dictionary.is_english_only(english)
                || !dictionary.is_english_only(singular)
            {
                continue;
            }
            let forms: Vec<String> = analyze(english)
                .into_iter()
                .filter(|f| (f == english || f == singular) && used(f))
                .collect();
            if forms.is_empty() {
                continue;
            }
            for noun in nouns.iter().take(MAIN_SENSE) {
                let terms = analyze(noun);
                let [term] = terms.as_slice() else {
                    continue;
                };
                if index.backend.doc_freq(term) == 0 || forms.contains(term) {
                    continue;
                }
                let list = words.entry(term.clone()).or_default();
                list.extend(forms.iter().cloned());
                list.sort();
                list.dedup();
            }
        }
        EnglishWords {
            format: FORMAT,
            dictionary: dictionary_id,
            words,
        }
    }

    /// The English words of the documents for the analysed German `term`.
    pub fn of(&self, term: &str) -> &[String] {
        self.words.get(term).map_or(&[], Vec::as_slice)
    }

    /// Number of German terms with English words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when no German term has English words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Writes them to `path`, atomically (a temporary file renamed over it).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::index::write_atomically(path, &json)
    }

    /// Reads what [`EnglishWords::write`] wrote, when it was learned from the
    /// dictionary `dictionary_id` in this format; `Ok(None)` when not (learn anew), an
    /// error when the file is damaged.
    pub fn read(path: &Path, dictionary_id: &str) -> Result<Option<EnglishWords>, String> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let words: EnglishWords =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((words.format == FORMAT && words.dictionary == dictionary_id).then_some(words))
    }
}

/// Names a dictionary file by its path, size and modification time, so that words
/// learned from it are learned anew when it changes.
pub fn fingerprint(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Some(format!("{}:{}:{modified}", path.display(), meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips_and_another_dictionary_or_a_damaged_file_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join(FILE_NAME);
        assert_eq!(
            EnglishWords::read(&path, "d").expect("no file is no error"),
            None
        );
        let words = EnglishWords {
            format: FORMAT,
            dictionary: "d".to_string(),
            words: BTreeMap::from([("mobilitat".to_string(), vec!["mobility".to_string()])]),
        };
        words.write(&path).expect("written");
        let read = EnglishWords::read(&path, "d").expect("readable");
        assert_eq!(read.as_ref(), Some(&words));
        assert_eq!(read.expect("there").of("mobilitat"), ["mobility"]);
        // Learned from another dictionary, or in another format: learn anew.
        assert_eq!(EnglishWords::read(&path, "other").expect("readable"), None);
        let old = EnglishWords {
            format: FORMAT + 1,
            ..words
        };
        old.write(&path).expect("written");
        assert_eq!(EnglishWords::read(&path, "d").expect("readable"), None);
        std::fs::write(&path, b"{\"format\": 1, \"dicti").expect("damaged");
        assert!(EnglishWords::read(&path, "d").is_err());
    }

    #[test]
    fn a_dictionary_file_is_named_by_path_size_and_time() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("de-en");
        assert_eq!(fingerprint(&path), None);
        std::fs::write(&path, "Mobilität {f} :: mobility\n").expect("written");
        let before = fingerprint(&path).expect("a file");
        std::fs::write(&path, "Mobilität {f} :: mobility; motility\n").expect("written");
        assert_ne!(fingerprint(&path).expect("a file"), before);
    }
}
