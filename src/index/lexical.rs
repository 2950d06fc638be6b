//! The lexical (BM25) index: tantivy with a German analysis chain that also matches
//! hyphen, camel-case and glued-footnote variants of words.
//!
//! Analysis (the same for passages and questions): words split at anything that is not
//! a letter or digit; each compound (`KI-Strategie`, `KI@SACHSEN`) also yields its parts
//! joined (`kistrategie`), each camel-case word (`KIStrategie`) also yields its parts
//! (`ki`, `strategie`), a word with a glued footnote number (`Hub6`) also yields the bare
//! word, `Künstliche Intelligenz` (and `AI`, `artificial intelligence`) also yields `KI`;
//! then lower-casing, German and English stop words, German stemming
//! (`polizeilichen` → `polizei`).
//!
//! **Invariant:** the document id stored with each entry is the chunk's position in the
//! chunk store.

use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, Term, doc};

/// Name under which the analyzer is registered in the tantivy index.
const ANALYZER: &str = "belegt_de";

/// What one lexical entry holds.
pub struct LexicalEntry<'a> {
    /// Text to index (header and passage).
    pub text: &'a str,
    /// State code, if any.
    pub state: Option<&'a str>,
    /// Document id.
    pub doc: &'a str,
}

/// Restricts a search to some states and/or documents (empty = no restriction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LexicalFilter {
    /// State codes.
    pub states: Vec<String>,
    /// Document ids.
    pub docs: Vec<String>,
}

/// An open lexical index.
pub struct LexicalIndex {
    reader: IndexReader,
    fields: Fields,
}

#[derive(Clone, Copy)]
struct Fields {
    text: Field,
    state: Field,
    doc: Field,
    ord: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    let text = b.add_text_field(
        "text",
        TextOptions::default().set_indexing_options(indexing),
    );
    let state = b.add_text_field("state", STRING);
    let doc = b.add_text_field("doc", STRING);
    let ord = b.add_u64_field("ord", FAST);
    (
        b.build(),
        Fields {
            text,
            state,
            doc,
            ord,
        },
    )
}

/// The analysis chain used for passages and questions.
pub fn analyzer() -> TextAnalyzer {
    let german = StopWordFilter::new(Language::German).expect("tantivy ships German stop words");
    let english = StopWordFilter::new(Language::English).expect("tantivy ships English stop words");
    TextAnalyzer::builder(VariantTokenizer)
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(german)
        .filter(english)
        .filter(Stemmer::new(Language::German))
        .build()
}

/// The analysed terms of `text`, in order, with duplicates.
pub fn analyze(text: &str) -> Vec<String> {
    analyze_with(&mut analyzer(), text)
}

/// [`analyze`] with an [`analyzer`] built once for many texts.
pub fn analyze_with(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

impl LexicalIndex {
    /// Builds the index in the empty directory `dir`.
    pub fn build(dir: &Path, entries: &[LexicalEntry<'_>]) -> tantivy::Result<LexicalIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        index.tokenizers().register(ANALYZER, analyzer());
        let mut writer = index.writer_with_num_threads(1, 30_000_000)?;
        for (ord, e) in entries.iter().enumerate() {
            let mut d = doc!(fields.text => e.text, fields.doc => e.doc, fields.ord => ord as u64);
            if let Some(s) = e.state {
                d.add_text(fields.state, s);
            }
            writer.add_document(d)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Self::from_index(index, fields)
    }

    /// Opens an index built by [`LexicalIndex::build`].
    pub fn open(dir: &Path) -> tantivy::Result<LexicalIndex> {
        let index = Index::open_in_dir(dir)?;
        let (_, fields) = schema();
        index.tokenizers().register(ANALYZER, analyzer());
        Self::from_index(index, fields)
    }

    fn from_index(index: Index, fields: Fields) -> tantivy::Result<LexicalIndex> {
        let reader = index.reader()?;
        Ok(LexicalIndex { reader, fields })
    }

    /// Number of indexed entries.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of entries that contain the analysed term.
    pub fn doc_freq(&self, term: &str) -> u64 {
        self.reader
            .searcher()
            .doc_freq(&Term::from_field_text(self.fields.text, term))
            .unwrap_or(0)
    }

    /// Inverse document frequency of an analysed term (BM25's formula); a term that
    /// occurs nowhere gets the highest value.
    pub fn idf(&self, term: &str) -> f32 {
        bm25_idf(self.reader.searcher().num_docs(), self.doc_freq(term))
    }

    /// BM25 search for the analysed terms of `query`: up to `k` (entry, score) pairs,
    /// best first. An empty result when no term of the query is in the index.
    pub fn search(
        &self,
        query: &str,
        k: usize,
        filter: &LexicalFilter,
    ) -> tantivy::Result<Vec<(usize, f32)>> {
        let mut terms = analyze(query);
        terms.sort();
        terms.dedup();
        if terms.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let should: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.text, t),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, q)
            })
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
        for (field, values) in [
            (self.fields.state, &filter.states),
            (self.fields.doc, &filter.docs),
        ] {
            if values.is_empty() {
                continue;
            }
            let any: Vec<(Occur, Box<dyn Query>)> = values
                .iter()
                .map(|v| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            // A filter, not evidence: it must not add to the score (a rarer state's
            // passages would otherwise rank higher in a search over several states).
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0)),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(k))?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let ords = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("ord")?;
            if let Some(ord) = ords.first(addr.doc_id) {
                out.push((ord as usize, score));
            }
        }
        Ok(out)
    }
}

/// BM25's inverse document frequency (tantivy's formula) of a term in `doc_freq` of
/// `docs` entries; a term that occurs nowhere gets the highest value.
pub fn bm25_idf(docs: u64, doc_freq: u64) -> f32 {
    let (n, df) = (docs as f32, doc_freq as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Splits text into words and adds compound, camel-case and footnote variants.
#[derive(Clone, Default)]
struct VariantTokenizer;

/// Token stream over a precomputed list.
struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

impl Tokenizer for VariantTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: variant_tokens(text),
            index: 0,
        }
    }
}

fn push(tokens: &mut Vec<Token>, text: &str, from: usize, to: usize, position: usize) {
    tokens.push(Token {
        offset_from: from,
        offset_to: to,
        position,
        text: text.to_string(),
        position_length: 1,
    });
}

/// Words (alphanumeric runs) with their variants; see the module documentation.
fn variant_tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = 0;
    let mut compound: Vec<(usize, usize)> = Vec::new();
    let mut word_start: Option<usize> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c.is_alphanumeric() {
            word_start.get_or_insert(i);
        } else {
            if let Some(s) = word_start.take() {
                compound.push((s, i));
            }
            let joins = matches!(c, '-' | '@' | '‐' | '‑')
                && iter.peek().is_some_and(|(_, n)| n.is_alphanumeric())
                && !compound.is_empty();
            if !joins {
                emit_compound(text, &mut compound, &mut tokens, &mut position);
            }
        }
    }
    if let Some(s) = word_start {
        compound.push((s, text.len()));
    }
    emit_compound(text, &mut compound, &mut tokens, &mut position);
    add_abbreviations(&mut tokens);
    tokens
}

/// Spelled-out forms that also count as their abbreviation: `Künstliche Intelligenz`,
/// `artificial intelligence` and `AI` all yield `KI`.
fn add_abbreviations(tokens: &mut Vec<Token>) {
    // The first token at each position is the word itself; the others are its variants.
    let mut words: Vec<&Token> = Vec::new();
    for t in tokens.iter() {
        if words.last().is_none_or(|w| w.position != t.position) {
            words.push(t);
        }
    }
    let mut extra = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let lower = w.text.to_lowercase();
        let next = words
            .get(i + 1)
            .filter(|n| n.position == w.position + 1)
            .map(|n| n.text.to_lowercase());
        let spelled_out = (lower.starts_with("künstliche") || lower == "artificial")
            && next
                .as_deref()
                .is_some_and(|n| n.starts_with("intelligenz") || n == "intelligence");
        if spelled_out || w.text == "AI" {
            extra.push(Token {
                offset_from: w.offset_from,
                offset_to: w.offset_to,
                position: w.position,
                text: "KI".to_string(),
                position_length: 1,
            });
        }
    }
    tokens.extend(extra);
}

fn emit_compound(
    text: &str,
    parts: &mut Vec<(usize, usize)>,
    tokens: &mut Vec<Token>,
    position: &mut usize,
) {
    if parts.is_empty() {
        return;
    }
    let first_position = *position;
    for &(s, e) in parts.iter() {
        emit_word(text, s, e, tokens, *position);
        *position += 1;
    }
    if parts.len() > 1 {
        let joined: String = parts.iter().map(|&(s, e)| &text[s..e]).collect();
        let (s, e) = (parts[0].0, parts[parts.len() - 1].1);
        push(tokens, &joined, s, e, first_position);
    }
    parts.clear();
}

fn emit_word(text: &str, s: usize, e: usize, tokens: &mut Vec<Token>, position: usize) {
    let word = &text[s..e];
    push(tokens, word, s, e, position);
    // Glued footnote number: `Hub6`, `Leipzig2`, `Technologietransfers15`.
    let letters = word.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = word.len() - letters.len();
    if (1..=2).contains(&digits)
        && letters.chars().count() >= 3
        && letters.chars().all(char::is_alphabetic)
    {
        push(tokens, letters, s, s + letters.len(), position);
    }
    // Camel case: `KIStrategie` → `KI`, `Strategie`; `InMemoryComputing` → `In`, `Memory`, `Computing`.
    let chars: Vec<(usize, char)> = letters.char_indices().collect();
    let mut cuts = Vec::new();
    for w in 1..chars.len() {
        let (prev, cur) = (chars[w - 1].1, chars[w].1);
        let next_lower = chars.get(w + 1).is_some_and(|(_, n)| n.is_lowercase());
        if (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next_lower)
        {
            cuts.push(chars[w].0);
        }
    }
    if !cuts.is_empty() {
        let mut start = 0;
        for cut in cuts.into_iter().chain([letters.len()]) {
            let part = &letters[start..cut];
            if part.chars().count() >= 2 {
                push(tokens, part, s + start, s + cut, position);
            }
            start = cut;
        }
    }
}

/// Shortest part [`split_compound`] splits off.
pub const MIN_SPLIT_PART: usize = 4;

/// Longest word [`split_compound`] tries to split (longer input is not a German word).
const MAX_SPLIT_WORD: usize = 64;

/// Shortest term that also matches as the head or the first part of a compound.
pub const MIN_COMPOUND_PART: usize = 5;
/// Shortest head after a compound's first part (and when a compound term is matched part
/// by part).
pub const MIN_HEAD: usize = 4;

/// True when the analysed `word` is a compound with the analysed `term` (of at least
/// [`MIN_COMPOUND_PART`] letters) as its head or its first part: `haftung` in
/// `haftungsfrag`, `zentr` in `exzellenzzentr`. A first part needs a head of
/// [`MIN_HEAD`] letters or more after it: `schul` ("Schulen") is not in `schulung`,
/// whose rest is a suffix.
pub fn in_compound(word: &str, term: &str) -> bool {
    term.chars().count() >= MIN_COMPOUND_PART
        && word.len() > term.len()
        && (word.ends_with(term)
            || word
                .strip_prefix(term)
                .is_some_and(|r| r.chars().count() >= MIN_HEAD))
}

/// What German puts between a compound's modifier and its head
/// ("Verwaltung*s*beschäftigte", "Straße*n*bau", "Arbeit*s*welt").
pub const LINKING_ELEMENTS: &[&str] = &["s", "es", "n", "en"];

/// Splits a German compound the documents do not use into parts they do:
/// `Hochwasserwarnungen` → `hochwasser`, `warnungen`; `Verwaltungsbeschäftigte` →
/// `verwaltung`, `beschäftigte` (a linking `s`, `es`, `n` or `en` is dropped from a
/// modifier). `known` says whether the documents use a word. Each part has at least
/// [`MIN_SPLIT_PART`] letters; the longest known head is preferred, and the modifier may
/// itself be a compound. `None` when `word` has no such split (or is not one word).
pub fn split_compound(word: &str, known: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
    let word = word.to_lowercase();
    if word.chars().count() > MAX_SPLIT_WORD || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let mut memo = std::collections::HashMap::new();
    split_from(&word, known, &mut memo, false)
}

fn split_from(
    word: &str,
    known: &dyn Fn(&str) -> bool,
    memo: &mut std::collections::HashMap<String, Option<Vec<String>>>,
    whole_allowed: bool,
) -> Option<Vec<String>> {
    if whole_allowed && known(word) {
        return Some(vec![word.to_string()]);
    }
    if let Some(done) = memo.get(word) {
        return done.clone();
    }
    let cuts: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
    let letters = cuts.len();
    let mut found = None;
    // Longest head first: at least MIN_SPLIT_PART letters on either side.
    for &cut in cuts
        .iter()
        .take(letters.saturating_sub(MIN_SPLIT_PART - 1))
        .skip(MIN_SPLIT_PART)
    {
        let (modifier, head) = word.split_at(cut);
        if !known(head) {
            continue;
        }
        let variants = std::iter::once(modifier).chain(
            LINKING_ELEMENTS
                .iter()
                .filter_map(|link| modifier.strip_suffix(link)),
        );
        for m in variants {
            if m.chars().count() < MIN_SPLIT_PART {
                continue;
            }
            if let Some(mut parts) = split_from(m, known, memo, true) {
                parts.push(head.to_string());
                found = Some(parts);
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    memo.insert(word.to_string(), found.clone());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn compound_parts_are_known_long_and_spell_the_word(word in "[abenrsä]{0,30}") {
            // Known: every word of four to six letters from a small alphabet, so that
            // many splits are possible.
            let known = |w: &str| (4..=6).contains(&w.chars().count()) && w.chars().all(|c| "abenrs".contains(c));
            if let Some(parts) = split_compound(&word, &known) {
                proptest::prop_assert!(parts.len() >= 2);
                for p in &parts {
                    proptest::prop_assert!(known(p) && p.chars().count() >= MIN_SPLIT_PART);
                }
                // The parts spell the word, up to linking elements after a modifier.
                proptest::prop_assert!(word.ends_with(parts.last().map_or("", String::as_str)));
                proptest::prop_assert!(word.starts_with(parts[0].as_str()));
            }
        }
    }

    #[test]
    fn splits_compounds_into_parts_the_documents_use() {
        let words = [
            "hochwasser",
            "warnungen",
            "verwaltung",
            "beschäftigte",
            "daten",
            "schutz",
        ];
        let known = |w: &str| words.contains(&w);
        let split = |w: &str| split_compound(w, &known);
        let parts = |w: &str| split(w).unwrap_or_default();
        assert_eq!(parts("Hochwasserwarnungen"), ["hochwasser", "warnungen"]);
        assert_eq!(
            parts("Verwaltungsbeschäftigte"),
            ["verwaltung", "beschäftigte"]
        );
        // The modifier may be a compound itself.
        assert_eq!(
            parts("Datenschutzverwaltung"),
            ["daten", "schutz", "verwaltung"]
        );
        // No split: an unknown part, a part too short, not a single word.
        assert_eq!(split("Hochwasserkarten"), None);
        assert_eq!(split("Seewarnungen"), None);
        assert_eq!(split("Hochwasser-Warnungen"), None);
        assert_eq!(split(""), None);
        assert_eq!(split(&"a".repeat(200)), None);
    }

    #[test]
    fn hyphen_and_camel_case_variants_meet() {
        let doc = analyze("Die KIStrategie des Landes");
        let query = analyze("KI-Strategie");
        assert!(
            query.iter().any(|t| doc.contains(t)),
            "{doc:?} vs {query:?}"
        );
        assert!(doc.contains(&"strategi".to_string()), "{doc:?}");
    }

    #[test]
    fn spelled_out_forms_meet_their_abbreviation() {
        for text in [
            "Künstlicher Intelligenz",
            "artificial intelligence",
            "the AI Act",
        ] {
            assert!(
                analyze(text).contains(&"ki".to_string()),
                "{text}: {:?}",
                analyze(text)
            );
        }
        assert!(!analyze("Intelligenz allein").contains(&"ki".to_string()));
    }

    #[test]
    fn stems_german_inflections() {
        assert!(analyze("im polizeilichen Bereich").contains(&"polizei".to_string()));
        assert_eq!(analyze("Polizei"), vec!["polizei"]);
    }

    #[test]
    fn drops_stop_words_and_glued_footnotes() {
        let terms = analyze("Der Smart Systems Hub6 und die");
        assert!(terms.contains(&"hub".to_string()), "{terms:?}");
        assert!(!terms.iter().any(|t| t == "der" || t == "und"));
    }

    #[test]
    fn builds_searches_and_filters() {
        let dir = tempfile::tempdir().expect("temp dir");
        let entries = [
            LexicalEntry {
                text: "Die Polizei nutzt KI",
                state: Some("BW"),
                doc: "a",
            },
            LexicalEntry {
                text: "Schulen und Tablets",
                state: Some("BY"),
                doc: "a",
            },
            LexicalEntry {
                text: "polizeiliche Ermittlungen mit KI-Systemen",
                state: Some("BE"),
                doc: "b",
            },
        ];
        let index = LexicalIndex::build(dir.path(), &entries).expect("build");
        let hits = index
            .search("Polizei", 10, &LexicalFilter::default())
            .expect("search");
        let ids: Vec<usize> = hits.iter().map(|h| h.0).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&0) && ids.contains(&2));
        let only_be = LexicalFilter {
            states: vec!["BE".into()],
            docs: vec![],
        };
        let hits = index.search("Polizei", 10, &only_be).expect("search");
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![2]);
        let reopened = LexicalIndex::open(dir.path()).expect("open");
        assert_eq!(reopened.len(), 3);
        assert!(
            reopened
                .search("", 10, &LexicalFilter::default())
                .expect("empty")
                .is_empty()
        );
    }
}
