//! Questions over the real seeds: the right state and document come back, filters are
//! detected or applied, every citation is verbatim, and belegt abstains when the documents
//! say nothing.

use belegt::answer::ABSTAIN_TEXT;
use belegt::corpus::StateCode;
use belegt::engine::Engine;
use belegt::index::lexical::analyze;
use belegt::retrieve::SearchRequest;
use belegt::wire::{AskResponse, CitationJson, SearchResponse};

use crate::util;

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        query: query.to_string(),
        states: vec![],
        docs: vec![],
        k: 5,
    }
}

fn state(code: &str) -> StateCode {
    StateCode::parse(code).expect("a valid state code")
}

fn ask(engine: &mut Engine, req: &SearchRequest) -> AskResponse {
    let res = engine.ask(req, None).expect("ask runs");
    assert_citations_are_verbatim(engine, &res.citations);
    res
}

fn search(engine: &mut Engine, req: &SearchRequest) -> SearchResponse {
    let res = engine.search(req).expect("search runs");
    let passages: Vec<CitationJson> = res.hits.iter().map(|h| h.passage.clone()).collect();
    assert_citations_are_verbatim(engine, &passages);
    res
}

/// Each citation's text is its document's text at its character offsets, numbered from 1.
fn assert_citations_are_verbatim(engine: &Engine, citations: &[CitationJson]) {
    for (i, c) in citations.iter().enumerate() {
        assert_eq!(c.n, i + 1, "citations are numbered from 1");
        let doc = engine
            .index
            .store
            .docs
            .iter()
            .find(|d| d.id == c.doc)
            .unwrap_or_else(|| panic!("citation [{}] names an unknown document {}", c.n, c.doc));
        assert_eq!(c.doc_title, doc.title);
        assert!(c.start < c.end, "citation [{}] has a span", c.n);
        let slice: String = doc
            .text
            .chars()
            .skip(c.start)
            .take(c.end - c.start)
            .collect();
        assert_eq!(
            slice, c.text,
            "citation [{}] is the document text at {}..{}",
            c.n, c.start, c.end
        );
        assert_eq!(
            c.state_name.as_deref(),
            c.state
                .as_deref()
                .and_then(StateCode::parse)
                .map(StateCode::name),
            "citation [{}] names its state",
            c.n
        );
    }
}

/// The first of `citations` (best first) that satisfies `wanted`, as its number.
fn first_citing(
    citations: &[CitationJson],
    wanted: impl Fn(&CitationJson) -> bool,
) -> Option<usize> {
    citations.iter().find(|c| wanted(c)).map(|c| c.n)
}

#[test]
fn a_question_about_forged_documents_at_the_police_in_baden_wuerttemberg_finds_dokiq() {
    let mut engine = util::engine();
    let res = ask(
        &mut engine,
        &request(
            "Mit welcher Software erkennt das Landeskriminalamt in Baden-Württemberg gefälschte Urkunden?",
        ),
    );
    assert_eq!(res.citations.len(), 5);
    assert!(
        first_citing(&res.citations, |c| c.state.as_deref() == Some("BW")
            && c.text.contains("DOKIQ"))
        .is_some(),
        "BW's DOKIQ passage is in the top 5: {:#?}",
        res.citations
    );
    assert!(!res.abstained);
}

#[test]
fn a_question_about_berlins_taskforce_ki_finds_who_leads_it() {
    let mut engine = util::engine();
    let res = ask(
        &mut engine,
        &request("Unter wessen Federführung arbeitet die Taskforce KI im Land Berlin?"),
    );
    assert!(
        first_citing(&res.citations, |c| c.state.as_deref() == Some("BE")
            && c.text.contains("Taskforce")
            && c.text.contains("Senatskanzlei"))
        .is_some(),
        "Berlin's taskforce passage is in the top 5: {:#?}",
        res.citations
    );
    assert!(!res.abstained);
    assert!(
        res.answer.contains("Senatskanzlei"),
        "the answer quotes the lead: {}",
        res.answer
    );
}

#[test]
fn a_question_about_a_saxon_strategy_goal_finds_the_strategy_document() {
    let mut engine = util::engine();
    let res = ask(
        &mut engine,
        &request(
            "Welche zentrale Stelle will Sachsen bei seiner Digitalagentur aufbauen, um die KI-Akteure zu vernetzen?",
        ),
    );
    assert!(
        first_citing(&res.citations, |c| c.doc == "sachsen-ki-strategie"
            && c.section.starts_with("STRATEGIEZIEL 1")
            && c.text.contains("Kompetenzstelle"))
        .is_some(),
        "strategy goal 1 is in the top 5: {:#?}",
        res.citations
    );
}

#[test]
fn an_english_question_finds_the_german_passage() {
    let mut engine = util::engine();
    let res = search(
        &mut engine,
        &request("Which software helps to detect forged documents, stamps and seals?"),
    );
    assert!(!res.filters.detected_from_question, "no state is named");
    assert!(
        res.hits
            .iter()
            .any(|h| h.passage.state.as_deref() == Some("BW")
                && h.passage.text.contains("Urkundenfälschungen")),
        "BW's passage on forged documents is in the top 5: {:#?}",
        res.hits
    );
}

#[test]
fn a_question_naming_its_source_is_ranked_by_its_topic() {
    // "laut KI-Strategie" and "nennt die sächsische KI-Strategie" say where to look;
    // ranked by them, the strategy's summary and how it was drawn up came first.
    let mut engine = util::engine();
    for question in [
        "Was plant Sachsen laut KI-Strategie für die Lehrerbildung?",
        "Welche Förderprogramme nennt die sächsische KI-Strategie für Unternehmen?",
    ] {
        let res = search(&mut engine, &request(question));
        assert_eq!(res.filters.states, vec!["SN".to_string()], "{question}");
        let about_the_strategy: Vec<&str> = res
            .hits
            .iter()
            .take(3)
            .map(|h| h.passage.section.as_str())
            .filter(|s| s.contains("Executive Summary") || s.starts_with("Arbeitsprozess"))
            .collect();
        assert!(
            about_the_strategy.is_empty(),
            "{question}: the top 3 are on the topic, not on the strategy itself: {:#?}",
            res.hits
        );
    }
}

#[test]
fn naming_bayern_in_the_question_searches_only_bavaria() {
    let mut engine = util::engine();
    let res = ask(
        &mut engine,
        &request(
            "Was plant Bayern, um kleine und mittlere Firmen beim Einsatz von KI zu unterstützen?",
        ),
    );
    assert_eq!(res.filters.states, vec!["BY"]);
    assert!(res.filters.docs.is_empty());
    assert!(res.filters.detected_from_question);
    assert!(
        res.filters
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("Bayern")),
        "the reason names the words: {:?}",
        res.filters.reason
    );
    assert_eq!(res.citations.len(), 5);
    assert!(
        res.citations
            .iter()
            .all(|c| c.state.as_deref() == Some("BY")),
        "all citations are Bavaria's: {:?}",
        res.citations.iter().map(|c| &c.state).collect::<Vec<_>>()
    );
}

#[test]
fn an_explicit_state_filter_wins_over_the_states_named_in_the_question() {
    let mut engine = util::engine();
    let req = SearchRequest {
        states: vec![state("HH")],
        ..request("Was plant Bayern mit einem eigenen Sprachmodell für die Verwaltung?")
    };
    let res = search(&mut engine, &req);
    assert_eq!(res.filters.states, vec!["HH"]);
    assert!(!res.filters.detected_from_question);
    assert_eq!(res.hits.len(), 5);
    assert!(
        res.hits
            .iter()
            .all(|h| h.passage.state.as_deref() == Some("HH"))
    );
    assert!(
        res.hits.iter().any(|h| h.passage.text.contains("LLMoin")),
        "Hamburg's own language model is in the top 5: {:#?}",
        res.hits
    );
}

#[test]
fn a_document_filter_keeps_only_that_document() {
    let mut engine = util::engine();
    let req = SearchRequest {
        docs: vec!["sachsen-ki-strategie".into()],
        k: 10,
        ..request("Wie setzt die Polizei künstliche Intelligenz ein?")
    };
    let res = search(&mut engine, &req);
    assert_eq!(res.filters.docs, vec!["sachsen-ki-strategie"]);
    assert_eq!(res.hits.len(), 10);
    assert!(
        res.hits
            .iter()
            .all(|h| h.passage.doc == "sachsen-ki-strategie")
    );
    assert!(
        res.hits
            .iter()
            .take(5)
            .any(|h| h.passage.text.contains("ASEL")),
        "the Saxon police project is in the top 5: {:#?}",
        res.hits
    );

    let both = SearchRequest {
        states: vec![state("SN")],
        docs: vec!["dmk-2024-laenderberichte-ki".into()],
        ..req
    };
    let res = search(&mut engine, &both);
    assert!(!res.hits.is_empty());
    assert!(
        res.hits
            .iter()
            .all(|h| h.passage.doc == "dmk-2024-laenderberichte-ki"
                && h.passage.state.as_deref() == Some("SN"))
    );
}

#[test]
fn a_hyphenated_query_finds_the_glued_spelling_of_the_document() {
    let hyphenated = analyze("KI-Strategie");
    let glued = analyze("KIStrategie");
    assert!(
        hyphenated.iter().any(|t| glued.contains(t)),
        "KI-Strategie {hyphenated:?} and KIStrategie {glued:?} share a term"
    );
    let mut engine = util::engine();
    let res = search(&mut engine, &request("KI-Strategie Diskussionsprozess"));
    let glued_hit = res
        .hits
        .iter()
        .find(|h| h.passage.doc == "sachsen-ki-strategie" && h.passage.text.contains("KIStrategie"))
        .unwrap_or_else(|| {
            panic!(
                "a passage spelling KIStrategie is in the top 5: {:#?}",
                res.hits
            )
        });
    assert!(
        glued_hit.lexical_rank.is_some(),
        "it was found lexically: {glued_hit:#?}"
    );
}

#[test]
fn questions_the_documents_do_not_answer_get_an_honest_abstention() {
    let mut engine = util::engine();
    for question in [
        "Wie wird das Wetter morgen an der Ostseeküste?",
        "Wer hat das Fußballspiel zwischen Schalke und Dortmund gewonnen?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(res.abstained, "{question:?} was answered: {}", res.answer);
        assert_eq!(res.answer, ABSTAIN_TEXT);
        assert_eq!(res.answer, "Dazu enthalten die Dokumente keine Aussage.");
        assert!(!res.answer.contains('['), "an abstention cites nothing");
    }
}

#[test]
fn near_miss_questions_abstain_and_their_answerable_neighbours_do_not() {
    let mut engine = util::engine();
    // About a state or a project of the documents, asking what they do not say.
    for question in [
        "Welche KI-Anwendungen nutzt die Bundeswehr in Bayern?",
        "Welchen Ethikrat für Künstliche Intelligenz hat Rheinland-Pfalz eingerichtet?",
        "Wie hoch ist der Stromverbrauch des hessischen Supercomputers fortytwo?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(res.abstained, "{question:?} was answered: {}", res.answer);
    }
    // The same subjects, asking what they do say, partly in other words.
    for question in [
        "Wann wurde der hessische KI-Supercomputer fortytwo errichtet?",
        "Welche Einrichtungen nennt Hessen als Leuchttürme der KI?",
        "Mit welchen Unikliniken sind sächsische Universitäten an Konsortien der Medizininformatik beteiligt?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(!res.abstained, "{question:?} abstained");
    }
}

#[test]
fn a_question_about_what_the_documents_never_name_abstains_and_says_so() {
    let mut engine = util::engine();
    // The state, the AI solutions and the data centre are in the documents; libraries,
    // graphics cards and a licence are not, not even inside a compound.
    for (question, word) in [
        ("Wie setzt Sachsen KI in Bibliotheken ein?", "Bibliotheken"),
        (
            "Welche Grafikkarten verwendet das KI-Rechenzentrum in Leipzig?",
            "Grafikkarten",
        ),
        (
            "Welche Open-Source-Lizenz hat das Berliner KI-System für die Steuerfestsetzung?",
            "Lizenz",
        ),
        // Across the states, the comparison finds no state and says why.
        (
            "Welche Länder setzen KI in Bibliotheken ein?",
            "Bibliotheken",
        ),
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(res.abstained, "{question:?} was answered: {}", res.answer);
        assert_eq!(res.answer, ABSTAIN_TEXT);
        assert_eq!(res.unknown_words, [word], "{question:?}");
    }
    // "Pflichten" only in "Transparenzpflichten", "Fachkräfte" as written: answered.
    for question in [
        "Welche Pflichten aus dem AI Act nennt Bayern?",
        "Welche Rolle spielen Fachkräfte in der sächsischen KI-Strategie?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(!res.abstained, "{question:?} abstained");
        assert!(res.unknown_words.is_empty(), "{:?}", res.unknown_words);
    }
}

#[test]
fn an_english_question_about_what_the_documents_never_name_abstains_and_says_so() {
    let mut engine = util::engine();
    engine.lexicon().expect("the vocabulary");
    // "libraries" and "graphics" translate into no term of the documents; Thuringia,
    // solutions, Leipzig and data centres do.
    for (question, word) in [
        (
            "Which AI solutions does Thuringia use in its public libraries?",
            "libraries",
        ),
        (
            "Which graphics cards does the AI data centre in Leipzig use?",
            "graphics",
        ),
        ("Which states use AI in libraries?", "libraries"),
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(res.abstained, "{question:?} was answered: {}", res.answer);
        assert_eq!(res.unknown_words, [word], "{question:?}");
    }
    // A verb ("name"), an adjective ("long"), a name the documents write in lower case
    // ("fortytwo") and a noun whose dictionary sense they use in parts ("municipalities":
    // `Stadtgemeinden`) name nothing missing.
    for question in [
        "Which tools does the Saxon strategy name for AI in the administration?",
        "How long has Schleswig-Holstein had its own AI strategy?",
        "When was the Hessian AI supercomputer fortytwo built?",
        "What do Hessian municipalities already use smart technologies for?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(
            res.unknown_words.is_empty(),
            "{question:?}: {:?}",
            res.unknown_words
        );
    }
}

#[test]
fn a_compound_the_documents_never_write_is_searched_by_its_parts() {
    // Hesse writes of "der Warnung vor drohendem Hochwasser", never of
    // "Hochwasserwarnungen": searched whole, the question matched nothing and abstained.
    let mut engine = util::engine();
    let res = ask(
        &mut engine,
        &request("Wie wird KI für Hochwasserwarnungen genutzt?"),
    );
    assert!(!res.abstained, "abstained");
    assert!(
        res.citations
            .first()
            .is_some_and(|c| c.text.contains("Hochwasser")),
        "the first passage is on floods: {:#?}",
        res.citations
    );
    assert!(res.answer.contains("Hochwasser"), "{}", res.answer);
}

#[test]
fn a_how_many_question_needs_a_number_before_what_it_counts() {
    let mut engine = util::engine();
    engine.lexicon().expect("the vocabulary");
    // The passages found hold numbers and the words of the question, but no number of
    // what it counts ("vier Antragspartner – TU Chemnitz, Professur …").
    for question in [
        "Wie viele neue KI-Professuren will Sachsen laut seiner KI-Strategie schaffen?",
        "How many AI professorships does the Saxon AI strategy plan?",
        "How many employees does Berlin's AI task force have?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(res.abstained, "{question:?} was answered: {}", res.answer);
    }
    // "Mit über 350 Mitgliedern ist der Silicon Saxony e. V. …"
    for question in [
        "Wie viele Mitglieder hat Silicon Saxony?",
        "How many members does Silicon Saxony have?",
    ] {
        let res = ask(&mut engine, &request(question));
        assert!(!res.abstained, "{question:?} abstained");
        assert!(res.answer.contains("350"), "{question:?}: {}", res.answer);
    }
}

#[test]
fn a_loan_word_in_the_other_number_than_the_documents_write_is_answered() {
    let mut engine = util::engine();
    // The strategy writes of "das geplante Rechenzentrum der Universität Leipzig"; the
    // analyser makes `rechenzentr` of "Rechenzentren", `rechenzentrum` of the singular.
    let res = ask(
        &mut engine,
        &request("Welche Rechenzentren nennt Sachsen für KI?"),
    );
    assert!(!res.abstained, "abstained: {:?}", res.unknown_words);
    assert!(res.answer.contains("Rechenzentrum"), "{}", res.answer);
}

/// Splits an answer into (sentence, citation number) pairs at its `[n]` markers.
fn cited_sentences(answer: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        let close = rest[open..]
            .find(']')
            .map(|c| open + c)
            .expect("a closed marker");
        let n = rest[open + 1..close]
            .parse()
            .unwrap_or_else(|_| panic!("marker {:?} is a number", &rest[open..=close]));
        out.push((rest[..open].trim().to_string(), n));
        rest = &rest[close + 1..];
    }
    assert!(
        rest.trim().is_empty(),
        "the answer ends with a marker: {answer:?}"
    );
    out
}

#[test]
fn an_answerable_question_gets_sentences_with_markers_that_point_to_citations() {
    let mut engine = util::engine();
    let res = ask(
        &mut engine,
        &request("Wer begleitet den Weg Bremens zu einer KI-Strategie wissenschaftlich?"),
    );
    assert!(!res.abstained, "answered: {}", res.answer);
    assert_eq!(res.mode, "extractive");
    let sentences = cited_sentences(&res.answer);
    assert!(
        !sentences.is_empty(),
        "the answer has [n] markers: {}",
        res.answer
    );
    for (sentence, n) in &sentences {
        let citation = res.citations.get(n.wrapping_sub(1)).unwrap_or_else(|| {
            panic!(
                "marker [{n}] has no citation (there are {})",
                res.citations.len()
            )
        });
        assert!(
            citation.text.contains(sentence.as_str()),
            "the sentence {sentence:?} is verbatim in citation [{n}]: {:?}",
            citation.text
        );
    }
    assert!(
        res.answer.contains("Stiftungsprofessur"),
        "the answer says who: {}",
        res.answer
    );
    assert_eq!(res.citations[0].state.as_deref(), Some("HB"));
}

#[test]
fn an_english_answer_picks_its_sentences_by_the_translated_terms() {
    let mut engine = util::engine();
    // Searches translate once the vocabulary is there.
    engine.lexicon().expect("the vocabulary");
    let res = ask(
        &mut engine,
        &request("Which AI supercomputer does Hesse operate?"),
    );
    assert!(!res.abstained);
    // "Ein weiteres Projekt mit Strahlkraft sei der im Frühjahr 2023 errichte
    // KI-Supercomputer „fortytwo“ von hessian.AI." holds `Supercomputer`, which the
    // English question's words alone do not match.
    assert!(res.answer.contains("fortytwo"), "{}", res.answer);
}
