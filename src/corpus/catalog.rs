//! `seeds/catalog.toml` → the list of documents; the only place document files are read.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{CorpusError, StateCode};

/// Name of the catalog file inside the seeds folder.
pub const CATALOG_FILE: &str = "catalog.toml";

/// What the catalog says about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMeta {
    /// Stable identifier used in citations and the API.
    pub id: String,
    /// File name inside the seeds folder.
    pub file: String,
    /// Full title.
    pub title: String,
    /// Short title for passage headers.
    pub short_title: String,
    /// Publisher.
    pub publisher: String,
    /// Publication date as written in the catalog, if known.
    pub date: Option<String>,
    /// Kind of document.
    pub kind: String,
    /// The state the whole document belongs to, if any.
    pub state: Option<StateCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    document: Vec<RawDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    id: String,
    file: String,
    title: String,
    short_title: Option<String>,
    #[serde(default)]
    publisher: String,
    date: Option<String>,
    #[serde(default)]
    kind: String,
    state: Option<String>,
}

/// A catalog entry with the raw text of its file.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// What the catalog says.
    pub meta: DocMeta,
    /// The file's text, unchanged.
    pub raw: String,
}

/// Reads the catalog in `seeds_dir` and the text of every document it lists.
///
/// Fails on the first problem, naming the entry and the file: a missing or
/// unreadable file, a file that is not UTF-8 text, an empty file, a duplicate
/// id, an unknown state code.
pub fn load(seeds_dir: &Path) -> Result<Vec<SourceDoc>, CorpusError> {
    let path = seeds_dir.join(CATALOG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| CorpusError::Io {
        path: path.clone(),
        source,
    })?;
    let metas = parse(&text).map_err(|message| CorpusError::Catalog {
        path: path.clone(),
        message,
    })?;
    metas
        .into_iter()
        .map(|meta| {
            let file = seeds_dir.join(&meta.file);
            let raw = read_text(&file, &meta.id)?;
            Ok(SourceDoc { meta, raw })
        })
        .collect()
}

/// Parses and checks catalog text.
pub fn parse(text: &str) -> Result<Vec<DocMeta>, String> {
    let raw: RawCatalog = toml::from_str(text).map_err(|e| e.message().to_string())?;
    if raw.document.is_empty() {
        return Err("the catalog lists no [[document]]".into());
    }
    let mut ids = HashSet::new();
    raw.document
        .into_iter()
        .map(|d| {
            if d.id.is_empty()
                || !d
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(format!(
                    "document id {:?}: use lower-case letters, digits and '-'",
                    d.id
                ));
            }
            if !ids.insert(d.id.clone()) {
                return Err(format!("document id {:?} appears twice", d.id));
            }
            if d.file.is_empty()
                || d.file.contains('/')
                || d.file.contains('\\')
                || d.file.starts_with('.')
            {
                return Err(format!(
                    "document {:?}: file {:?} must be a plain file name in the seeds folder",
                    d.id, d.file
                ));
            }
            let state = match d.state {
                None => None,
                Some(code) => Some(StateCode::parse(&code).ok_or_else(|| {
                    format!(
                        "document {:?}: unknown state code {:?} (valid: {})",
                        d.id,
                        code,
                        StateCode::valid_codes()
                    )
                })?),
            };
            Ok(DocMeta {
                short_title: d.short_title.unwrap_or_else(|| d.title.clone()),
                id: d.id,
                file: d.file,
                title: d.title,
                publisher: d.publisher,
                date: d.date,
                kind: d.kind,
                state,
            })
        })
        .collect()
}

fn read_text(file: &PathBuf, id: &str) -> Result<String, CorpusError> {
    let bytes = std::fs::read(file).map_err(|source| CorpusError::Document {
        id: id.to_string(),
        path: file.clone(),
        message: source.to_string(),
    })?;
    let bad = |message: &str| CorpusError::Document {
        id: id.to_string(),
        path: file.clone(),
        message: message.to_string(),
    };
    // Before decoding: a binary file is rarely valid UTF-8, and "convert it" would mislead.
    if bytes.contains(&0) {
        return Err(bad("contains NUL bytes: a binary file, not text"));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        bad(&format!(
            "not UTF-8 text (invalid byte at offset {}); convert it, e.g. `iconv -f latin1 -t utf-8`",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(bad("the file is empty"));
    }
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_minimal_entry() {
        let docs =
            parse("[[document]]\nid = \"a\"\nfile = \"a.txt\"\ntitle = \"A\"\nstate = \"by\"\n")
                .expect("valid catalog");
        assert_eq!(docs[0].short_title, "A");
        assert_eq!(docs[0].state.map(StateCode::code), Some("BY"));
    }

    #[test]
    fn rejects_duplicates_bad_states_and_paths() {
        let dup = "[[document]]\nid = \"a\"\nfile = \"a.txt\"\ntitle = \"A\"\n\
                   [[document]]\nid = \"a\"\nfile = \"b.txt\"\ntitle = \"B\"\n";
        assert!(parse(dup).expect_err("must fail").contains("twice"));
        let state = "[[document]]\nid = \"a\"\nfile = \"a.txt\"\ntitle = \"A\"\nstate = \"XX\"\n";
        assert!(
            parse(state)
                .expect_err("must fail")
                .contains("unknown state code")
        );
        let path = "[[document]]\nid = \"a\"\nfile = \"../etc/passwd\"\ntitle = \"A\"\n";
        assert!(
            parse(path)
                .expect_err("must fail")
                .contains("plain file name")
        );
    }

    #[test]
    fn the_shipped_catalog_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let docs = load(&dir).expect("seeds/catalog.toml loads");
        assert!(docs.len() >= 2);
        assert!(docs.iter().all(|d| !d.raw.is_empty()));
    }
}
