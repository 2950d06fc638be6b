//! The real seeds, read and chunked by belegt: state sections, strategy goals, paragraph
//! states, canonical text, and the chunk invariants (verbatim, inside one section, within
//! the token budget, unique and stable ids).

use std::collections::HashSet;

use belegt::corpus::chunk::ChunkParams;
use belegt::corpus::normalize::{is_canonical, normalize};
use belegt::corpus::structure::Paragraph;
use belegt::corpus::{Document, StateCode, catalog};
use belegt::index::make_store;

use crate::util;

const PROTOCOL: &str = "dmk-2024-laenderberichte-ki";
const STRATEGY: &str = "sachsen-ki-strategie";

fn documents() -> Vec<Document> {
    catalog::load(&util::project_seeds())
        .expect("the seeds load")
        .into_iter()
        .map(Document::prepare)
        .collect()
}

fn document(docs: &[Document], id: &str) -> Document {
    docs.iter()
        .find(|d| d.meta.id == id)
        .unwrap_or_else(|| panic!("the catalog lists {id}"))
        .clone()
}

/// The one paragraph of `doc` that contains `needle`.
fn paragraph_with<'a>(doc: &'a Document, needle: &str) -> &'a Paragraph {
    let found: Vec<&Paragraph> = doc
        .structure
        .paragraphs
        .iter()
        .filter(|p| doc.text[p.span.clone()].contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "paragraphs of {} containing {needle:?}",
        doc.meta.id
    );
    found[0]
}

#[test]
fn the_protocol_has_one_state_section_for_each_reporting_state_and_none_for_mv() {
    let doc = document(&documents(), PROTOCOL);
    let state_sections: Vec<&str> = doc
        .structure
        .sections
        .iter()
        .filter(|s| s.level == 0)
        .filter_map(|s| s.state.map(StateCode::code))
        .collect();
    assert_eq!(
        state_sections,
        vec![
            "BW", "BY", "BE", "BB", "HB", "HH", "HE", "NI", "NW", "RP", "SL", "SN", "ST", "SH",
            "TH"
        ]
    );
    assert!(
        doc.structure
            .paragraphs
            .iter()
            .all(|p| p.state.map(StateCode::code) != Some("MV")),
        "Mecklenburg-Vorpommern gave no report, so no paragraph is MV's"
    );
}

#[test]
fn the_strategy_has_a_chapter_for_each_of_its_nine_goals() {
    let doc = document(&documents(), STRATEGY);
    let chapters: Vec<String> = doc
        .structure
        .sections
        .iter()
        .filter(|s| s.level == 1)
        .map(|s| s.label())
        .collect();
    let expected: Vec<String> = (1..=9).map(|n| format!("STRATEGIEZIEL {n}")).collect();
    assert_eq!(chapters, expected);
    assert!(
        doc.structure
            .paragraphs
            .iter()
            .all(|p| p.state.map(StateCode::code) == Some("SN")),
        "every paragraph of the Saxon strategy is Saxony's"
    );
    let goal_of = |needle: &str| {
        let p = paragraph_with(&doc, needle);
        doc.structure.sections[p.section].path.first().cloned()
    };
    assert_eq!(
        goal_of("eine Kompetenzstelle KI etablieren").as_deref(),
        Some("STRATEGIEZIEL 1")
    );
    assert_eq!(
        goal_of("Die Polizei Sachsen hat das Projekt").as_deref(),
        Some("STRATEGIEZIEL 7")
    );
}

#[test]
fn paragraphs_that_do_not_name_their_state_belong_to_the_reporting_state() {
    let doc = document(&documents(), PROTOCOL);
    let samples = [
        (
            "Auch im polizeilichen Bereich ist Künstliche Intelligenz die Schlüsseltechnologie",
            "BW",
        ),
        (
            "sollen Unternehmen schnell und vor allem kostengünstig zur Compliance mit dem AI Act",
            "BY",
        ),
        (
            "Diese Taskforce soll aktuelle Entwicklungen im Bereich der KI beobachten",
            "BE",
        ),
        (
            "Seit dem offiziellen Start finden teils mehrfach wöchentlich diese Veranstaltungen statt",
            "ST",
        ),
        (
            "Zusätzlich sind Schulungen für den Einsatz von KI in der Verwaltung avisiert.",
            "RP",
        ),
        (
            "Zudem ist derzeitig eine Erweiterung des TZLR-Angebotes",
            "TH",
        ),
    ];
    for (needle, state) in samples {
        let p = paragraph_with(&doc, needle);
        assert_eq!(
            p.state.map(StateCode::code),
            Some(state),
            "state of the paragraph with {needle:?}"
        );
        let section = &doc.structure.sections[p.section];
        assert_eq!(
            section.state.map(StateCode::code),
            Some(state),
            "state of its section"
        );
    }
}

#[test]
fn normalizing_the_seeds_twice_changes_nothing() {
    for source in catalog::load(&util::project_seeds()).expect("the seeds load") {
        let once = normalize(&source.raw);
        assert!(
            is_canonical(&once),
            "{} is canonical after normalizing",
            source.meta.id
        );
        assert!(
            once == normalize(&once),
            "normalize is a fixed point on {}",
            source.meta.id
        );
        assert!(
            once.len() > source.raw.len() / 2,
            "{} kept its text",
            source.meta.id
        );
    }
}

#[test]
fn every_chunk_is_verbatim_document_text_at_its_offsets() {
    let docs = documents();
    let engine = util::engine();
    let store = &engine.index.store;
    assert_eq!(store.docs.len(), docs.len());
    for (stored, fresh) in store.docs.iter().zip(&docs) {
        assert_eq!(stored.id, fresh.meta.id);
        assert!(
            stored.text == fresh.text,
            "the stored text of {} is its canonical text",
            stored.id
        );
    }
    for (i, c) in store.chunks.iter().enumerate() {
        let doc = &store.docs[c.doc];
        let by_bytes = doc
            .text
            .get(c.start..c.end)
            .expect("byte offsets on char boundaries");
        assert_eq!(store.chunk_text(i), by_bytes);
        let by_chars: String = doc
            .text
            .chars()
            .skip(c.start_char)
            .take(c.end_char - c.start_char)
            .collect();
        assert_eq!(
            by_chars, by_bytes,
            "char and byte offsets of {} agree",
            c.id
        );
        assert!(!by_bytes.trim().is_empty(), "{} is not blank", c.id);
        assert_eq!(
            by_bytes.trim(),
            by_bytes,
            "{} has no surrounding white space",
            c.id
        );
    }
}

#[test]
fn no_chunk_crosses_a_section_and_each_carries_its_sections_state() {
    let engine = util::engine();
    let store = &engine.index.store;
    for c in &store.chunks {
        let doc = &store.docs[c.doc];
        assert!(!doc.sections.is_empty(), "{} has sections", doc.id);
        for s in &doc.sections {
            assert!(
                !(c.start_char < s.start && s.start < c.end_char),
                "chunk {} ({}) crosses the start of section {:?} at {}",
                c.id,
                c.section,
                s.title,
                s.start
            );
        }
        let containing: Vec<_> = doc
            .sections
            .iter()
            .filter(|s| s.start <= c.start_char && c.end_char <= s.end)
            .collect();
        match containing.as_slice() {
            [s] => {
                assert_eq!(c.section, s.title, "section label of {}", c.id);
                assert_eq!(
                    c.state,
                    s.state.clone().or(doc.state.clone()),
                    "state of {}",
                    c.id
                );
            }
            [] => {
                assert!(
                    c.section.is_empty(),
                    "{} lies in no section but is labelled {:?}",
                    c.id,
                    c.section
                );
                assert!(
                    c.end_char <= doc.sections[0].start,
                    "{} is in the preamble",
                    c.id
                );
            }
            many => panic!("chunk {} lies in {} overlapping sections", c.id, many.len()),
        }
    }
}

#[test]
fn every_chunk_fits_the_token_budget_unless_it_is_one_word() {
    let engine = util::engine();
    let store = &engine.index.store;
    let budget = ChunkParams::default().max_tokens;
    assert!(store.chunks.len() > 100, "the seeds give many chunks");
    for i in 0..store.chunks.len() {
        let text = store.chunk_text(i);
        let tokens = engine.embedder.count_tokens(text);
        assert!(
            tokens <= budget || !text.contains(char::is_whitespace),
            "chunk {} has {tokens} tokens (budget {budget})",
            store.chunks[i].id
        );
    }
}

#[test]
fn chunk_ids_are_unique_and_the_same_on_every_build() {
    let engine = util::engine();
    let built: Vec<String> = engine
        .index
        .store
        .chunks
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let unique: HashSet<&String> = built.iter().collect();
    assert_eq!(unique.len(), built.len(), "chunk ids are unique");
    for c in &engine.index.store.chunks {
        let doc = &engine.index.store.docs[c.doc];
        assert_eq!(c.id, format!("{}:{}-{}", doc.id, c.start_char, c.end_char));
    }
    let again = make_store(&documents(), ChunkParams::default(), &|t: &str| {
        engine.embedder.count_tokens(t)
    });
    let rebuilt: Vec<String> = again.chunks.iter().map(|c| c.id.clone()).collect();
    assert_eq!(
        rebuilt, built,
        "chunking the same seeds again gives the same ids"
    );
}
