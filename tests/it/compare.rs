//! The state-by-state comparison over the real seeds: every state exactly once, "kein
//! Bericht" exactly for the states the index holds nothing of, findings verbatim from the
//! passages they cite, `ask` switching to the comparison for questions across the states,
//! and `belegt compare` on the command line.

use belegt::answer::compare::{NO_REPORT, NO_STATEMENT};
use belegt::corpus::StateCode;
use belegt::engine::Engine;
use belegt::retrieve::SearchRequest;
use belegt::wire::CompareResponse;

use crate::{api, cli, util};

fn compare(engine: &mut Engine, topic: &str) -> CompareResponse {
    let res = engine.compare(topic, None).expect("compare runs");
    assert_table_is_sound(engine, &res);
    res
}

/// The states with a finding.
fn found(r: &CompareResponse) -> Vec<String> {
    r.rows
        .iter()
        .filter(|row| row.status == "finding")
        .map(|row| row.state.clone())
        .collect()
}

/// Every state once in the official order; "kein Bericht" exactly where the index has no
/// passage of the state; each finding a verbatim sentence of its cited passage, at the
/// offsets it names; citations numbered 1, 2, … in row order.
pub(crate) fn assert_table_is_sound(engine: &Engine, res: &CompareResponse) {
    let codes: Vec<&str> = res.rows.iter().map(|r| r.state.as_str()).collect();
    let official: Vec<&str> = StateCode::all().map(StateCode::code).collect();
    assert_eq!(codes, official, "every state exactly once, in order");
    let store = &engine.index.store;
    let mut n = 0;
    for row in &res.rows {
        let compared = |doc: usize| {
            res.documents.is_empty() || res.documents.iter().any(|d| d.id == store.docs[doc].id)
        };
        let passages = store
            .chunks
            .iter()
            .filter(|c| c.state.as_deref() == Some(row.state.as_str()) && compared(c.doc))
            .count();
        assert_eq!(row.passages, passages, "{}", row.state);
        match row.status.as_str() {
            "no_report" => {
                assert_eq!(passages, 0, "{} has passages", row.state);
                assert_eq!(row.finding, NO_REPORT);
                assert!(row.citation.is_none());
            }
            "no_statement" => {
                assert!(passages > 0, "{} has no passages", row.state);
                assert_eq!(row.finding, NO_STATEMENT);
                assert!(row.citation.is_none());
            }
            "finding" => {
                n += 1;
                let c = row.citation.as_ref().expect("a finding has a citation");
                assert_eq!(c.n, n, "findings numbered in row order");
                assert_eq!(c.state.as_deref(), Some(row.state.as_str()));
                assert!(
                    c.text.contains(&row.finding),
                    "the finding is verbatim text of its passage: {:?}",
                    row.finding
                );
                let doc = store
                    .docs
                    .iter()
                    .find(|d| d.id == c.doc)
                    .expect("the cited document exists");
                let (start, end) = (
                    row.finding_start.expect("offsets"),
                    row.finding_end.expect("offsets"),
                );
                assert!(
                    c.start <= start && end <= c.end,
                    "the finding lies in its passage"
                );
                let slice: String = doc.text.chars().skip(start).take(end - start).collect();
                assert_eq!(slice, row.finding, "the offsets locate the finding");
            }
            other => panic!("unknown status {other:?}"),
        }
    }
    assert_eq!(res.counts.finding, n);
    assert_eq!(
        res.counts.finding + res.counts.no_statement + res.counts.no_report,
        16
    );
}

#[test]
fn a_state_without_passages_is_kein_bericht_and_the_others_are_judged() {
    let mut engine = util::engine();
    let res = compare(&mut engine, "Welche Länder setzen KI in der Polizei ein?");
    // The seeds hold no report of Mecklenburg-Vorpommern (see shared/seeds/README.md).
    let mv = res.rows.iter().find(|r| r.state == "MV").expect("MV row");
    assert_eq!(mv.status, "no_report");
    assert!(
        res.counts.no_statement > 0,
        "most reports say nothing on the police"
    );
}

#[test]
fn the_police_question_finds_the_states_that_report_police_use() {
    let mut engine = util::engine();
    let res = compare(&mut engine, "Welche Länder setzen KI in der Polizei ein?");
    let found: Vec<&str> = res
        .rows
        .iter()
        .filter(|r| r.status == "finding")
        .map(|r| r.state.as_str())
        .collect();
    assert!(found.contains(&"BW") && found.contains(&"SN"), "{found:?}");
    assert!(found.len() <= 4, "no flood of states: {found:?}");
    assert_eq!(res.topic, "setzen KI in der Polizei ein");
    assert!(
        res.key_terms.iter().any(|t| t == "polizei"),
        "{:?}",
        res.key_terms
    );
}

#[test]
fn a_topic_no_report_mentions_has_no_findings() {
    let mut engine = util::engine();
    let res = compare(
        &mut engine,
        "Welche Länder regeln Walfang in der Antarktis?",
    );
    assert_eq!(res.counts.finding, 0, "{:?}", res.rows);
}

#[test]
fn a_spelled_out_abbreviation_is_no_evidence_of_the_topic() {
    // "Künstliche Intelligenz" is read as `KI`, which most passages hold: the words
    // that spell it out must not make every state that writes them out a finding.
    let mut engine = util::engine();
    let res = compare(
        &mut engine,
        "Welche Länder setzen Künstliche Intelligenz in der Seefahrt ein?",
    );
    assert_eq!(res.counts.finding, 0, "{:?} {:?}", res.key_terms, res.rows);
    let res = compare(
        &mut engine,
        "Welche Länder setzen Künstliche Intelligenz bei der Polizei ein?",
    );
    assert_eq!(res.key_terms, vec!["polizei".to_string()]);
    assert!(res.counts.finding >= 1, "{:?}", res.counts);
}

#[test]
fn an_example_never_stands_for_the_topic() {
    // Asked without "etwa", "Projekte" and "Zentren" are the topic and most states hold
    // them; as examples of a topic that has no key term of its own they are no
    // evidence of it.
    let mut engine = util::engine();
    let plain = compare(
        &mut engine,
        "Welche Länder engagieren sich mit Projekten oder Zentren?",
    );
    assert!(plain.counts.finding >= 3, "{:?}", plain.counts);
    let examples = compare(
        &mut engine,
        "Welche Länder engagieren sich, etwa mit Projekten oder Zentren?",
    );
    assert_eq!(examples.counts.finding, 0, "{:?}", examples.key_terms);
    // The same in English, where an example list may go on through an item that opens
    // with a word without a term ("IT associations").
    let examples = compare(
        &mut engine,
        "Which states cooperate, for example in joint centres, IT associations or projects?",
    );
    assert!(
        examples.translations.iter().any(|t| t.word == "projects"),
        "{:?}",
        examples.translations
    );
    assert_eq!(examples.counts.finding, 0, "{:?}", examples.rows);
    let plain = compare(
        &mut engine,
        "Which states cooperate in joint centres, IT associations or projects?",
    );
    assert!(plain.counts.finding >= 3, "{:?}", plain.key_terms);
}

#[test]
fn an_example_of_a_noun_stands_for_it() {
    // "Haftung" is an example of "Rechtsfragen": Saxony's "arbeitsrechtliche
    // Haftungsgrundsätze" speak of a legal issue without the word. Read as one topic,
    // the rows with all three words set the bar and such a row fell below it.
    let mut engine = util::engine();
    let res = compare(
        &mut engine,
        "Wie gehen die Länder mit Rechtsfragen wie Haftung oder Urheberrecht um?",
    );
    let sn = res.rows.iter().find(|r| r.state == "SN").expect("SN row");
    assert_eq!(sn.status, "finding", "{:?}", res.rows);
    assert!(
        sn.finding.contains("Haftung") || sn.finding.contains("Urheber"),
        "{}",
        sn.finding
    );
    // Every finding holds the noun or one of its examples.
    for row in res.rows.iter().filter(|r| r.status == "finding") {
        assert!(
            ["Rechtsfrage", "Haftung", "Urheber"]
                .iter()
                .any(|w| row.finding.contains(w)),
            "{}: {}",
            row.state,
            row.finding
        );
    }
}

#[test]
fn an_adjective_in_a_hyphenated_word_is_no_condition() {
    // "KI-gestützte" describes the method; "gestützt" must not be a key term that
    // every finding has to contain.
    let mut engine = util::engine();
    let res = compare(
        &mut engine,
        "Welche Länder nutzen KI-gestützte Verfahren bei der Polizei?",
    );
    assert!(
        res.key_terms.contains(&"polizei".to_string()),
        "{:?}",
        res.key_terms
    );
    assert!(
        !res.key_terms.iter().any(|t| t.starts_with("gestutzt")),
        "{:?}",
        res.key_terms
    );
    assert!(res.counts.finding >= 1, "{:?}", res.counts);
}

#[test]
fn a_question_naming_documents_compares_only_those() {
    let mut engine = util::engine();
    let store = engine.index.store.clone();
    let reports = store
        .docs
        .iter()
        .position(|d| d.short_title.contains("DMK"))
        .expect("the seeds hold the DMK reports");
    let res = compare(
        &mut engine,
        "Welche Länder bauen laut ihren DMK-Berichten Netze regionaler KI-Zentren auf?",
    );
    let ids: Vec<&str> = res.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [store.docs[reports].id.as_str()]);
    // Saxony has a report and a strategy: only the report's passages are compared.
    let sn = res
        .rows
        .iter()
        .find(|r| r.state == "SN")
        .expect("a row for SN");
    let in_report = store
        .chunks
        .iter()
        .filter(|c| c.doc == reports && c.state.as_deref() == Some("SN"))
        .count();
    let in_all = store
        .chunks
        .iter()
        .filter(|c| c.state.as_deref() == Some("SN"))
        .count();
    assert_eq!(sn.passages, in_report);
    assert!(in_report < in_all);
    assert!(res.counts.finding >= 1, "{:?}", res.counts);
    for row in res.rows.iter().filter(|r| r.status == "finding") {
        let c = row.citation.as_ref().expect("a finding has a citation");
        assert_eq!(c.doc, store.docs[reports].id, "{}", row.state);
    }
    // "KI-Strategie" names no catalog entry (the reports speak of every state's
    // strategy): all documents are compared.
    let res = compare(&mut engine, "Welche Länder haben eine eigene KI-Strategie?");
    assert!(res.documents.is_empty(), "{:?}", res.documents);
    let sn = res
        .rows
        .iter()
        .find(|r| r.state == "SN")
        .expect("a row for SN");
    assert_eq!(sn.passages, in_all);
}

#[test]
fn an_english_question_names_documents_in_words_and_those_words_are_no_topic() {
    let mut engine = util::engine();
    let store = engine.index.store.clone();
    let reports = store
        .docs
        .iter()
        .position(|d| d.title.contains("Digitalministerkonferenz"))
        .expect("the seeds hold the reports to the Digitalministerkonferenz");
    // "digital ministers' conference": `Digital` + `Minister` + `Konferenz`.
    let res = compare(
        &mut engine,
        "Which states discuss the European AI Regulation in their reports to the digital ministers' conference?",
    );
    let ids: Vec<&str> = res.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [store.docs[reports].id.as_str()]);
    // Those words are not translated: a report naming a conference of ministers says
    // nothing on the topic for that.
    assert!(
        !res.translations
            .iter()
            .any(|t| ["digital", "ministers", "conference"].contains(&t.word.as_str())),
        "{:?}",
        res.translations
    );
    assert!(
        !res.key_terms.iter().any(|k| k.starts_with("konferenz")),
        "{:?}",
        res.key_terms
    );
    for row in res.rows.iter().filter(|r| r.status == "finding") {
        let c = row.citation.as_ref().expect("a finding has a citation");
        assert_eq!(c.doc, store.docs[reports].id, "{}", row.state);
    }
    // Without them, all documents are compared.
    let res = compare(
        &mut engine,
        "Which states discuss the European AI Regulation?",
    );
    assert!(res.documents.is_empty(), "{:?}", res.documents);
}

#[test]
fn a_compound_the_reports_do_not_use_is_judged_by_its_parts() {
    let mut engine = util::engine();
    let findings = |res: &CompareResponse| -> Vec<(String, String)> {
        res.rows
            .iter()
            .filter(|r| r.status == "finding")
            .map(|r| (r.state.clone(), r.finding.to_lowercase()))
            .collect()
    };
    // No report writes "Hochwasserwarnung"; Hessen's writes of "Warnung vor drohendem
    // Hochwasser".
    let res = compare(
        &mut engine,
        "Welche Länder nutzen KI für Hochwasserwarnungen?",
    );
    assert_eq!(res.key_terms, ["hochwass", "warnung"]);
    let found = findings(&res);
    assert!(found.iter().any(|(s, _)| s == "HE"), "{found:?}");
    // "Polizeiarbeit" finds the states of the police question.
    let res = compare(
        &mut engine,
        "Welche Länder setzen KI in der Polizeiarbeit ein?",
    );
    let states: Vec<String> = findings(&res).into_iter().map(|(s, _)| s).collect();
    assert!(states.contains(&"BW".to_string()) && states.contains(&"SN".to_string()));
    assert!(states.len() <= 4, "{states:?}");
    // A part counts only next to the compound's most specific one: "Förderung" alone
    // (in most reports) is no finding on "Mittelstandsförderung".
    let res = compare(
        &mut engine,
        "Welche Länder betreiben Mittelstandsförderung?",
    );
    assert_eq!(res.key_terms, ["mittelstand", "forder"]);
    let found = findings(&res);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|(_, f)| f.contains("mittelstand")),
        "{found:?}"
    );
    // A compound with a part the reports do not use stays unknown: no finding.
    let res = compare(&mut engine, "Welche Länder fördern Walfangregulierung?");
    assert_eq!(res.counts.finding, 0, "{:?} {:?}", res.key_terms, res.rows);
}

#[test]
fn words_that_frame_the_topic_are_no_key_terms() {
    let mut engine = util::engine();
    // "Einsatz" (the use of AI) and "Rolle" (what kind of answer) say nothing of which
    // state qualifies: the key term is the topic's own word.
    let res = compare(
        &mut engine,
        "Welche Länder gehen beim Einsatz von KI auf den Datenschutz ein?",
    );
    assert_eq!(res.key_terms, ["datenschutz"]);
    assert!(!found(&res).is_empty(), "{:?}", res.rows);
    let res = compare(
        &mut engine,
        "Welche Rolle spielen die IT-Dienstleister bei KI-Anwendungen?",
    );
    assert!(
        !res.key_terms
            .iter()
            .any(|t| ["roll", "anwend", "kianwend"].contains(&t.as_str())),
        "{:?}",
        res.key_terms
    );
    // A topic of nothing but such words keeps them: the applications are asked for.
    let res = compare(&mut engine, "Welche Länder nennen KI-Anwendungen?");
    assert!(
        res.key_terms.iter().any(|t| t == "anwend"),
        "{:?}",
        res.key_terms
    );
    assert!(!found(&res).is_empty(), "{:?}", res.rows);
    // The same for English: "field" (`Feld`) is no condition a state must meet.
    let res = compare(
        &mut engine,
        "Which states name medicine as a field for artificial intelligence?",
    );
    assert!(
        res.key_terms.iter().any(|t| t == "medizin") && !res.key_terms.iter().any(|t| t == "feld"),
        "{:?} {:?}",
        res.key_terms,
        res.translations
    );
    // A word one of whose senses frames the topic is no condition in its other senses
    // either: "applications" (`Anwendungen`) is not `Bewerbung`.
    let res = compare(
        &mut engine,
        "Which states plan AI applications for agriculture?",
    );
    assert!(
        res.translations
            .iter()
            .any(|t| t.word == "applications" && t.terms.iter().any(|w| w == "Bewerbung")),
        "{:?}",
        res.translations
    );
    assert_eq!(res.key_terms, ["landwirtschaft"], "{:?}", res.translations);
}

#[test]
fn a_sentence_with_the_whole_topic_counts_from_a_lower_ranked_passage() {
    let mut engine = util::engine();
    let q = "Welche Länder gehen beim Einsatz von KI auf den Datenschutz ein?";
    let wide = compare(&mut engine, q);
    engine.config.compare.complete_within = 1;
    let narrow = compare(&mut engine, q);
    let (w, n) = (found(&wide), found(&narrow));
    assert!(n.iter().all(|s| w.contains(s)), "{n:?} ⊄ {w:?}");
    let more: Vec<&String> = w.iter().filter(|s| !n.contains(s)).collect();
    assert!(!more.is_empty(), "{w:?}");
    // What the further passages add holds the whole topic.
    for state in more {
        let row = wide
            .rows
            .iter()
            .find(|r| &r.state == state)
            .expect("every state has a row");
        assert!(
            row.finding.to_lowercase().contains("datenschutz"),
            "{state}: {}",
            row.finding
        );
    }
}

#[test]
fn a_noun_the_documents_never_use_leaves_no_finding() {
    let mut engine = util::engine();
    // "Verwaltung" alone finds most states; no report writes of "Dolmetscher", not even
    // inside a compound, so a table on "KI-Dolmetscher in der Verwaltung" judged by
    // "Verwaltung" would answer what was not asked.
    let broad = compare(
        &mut engine,
        "Welche Länder setzen KI in der Verwaltung ein?",
    );
    assert!(broad.counts.finding >= 3, "{:?}", broad.counts);
    let res = compare(
        &mut engine,
        "Welche Länder setzen KI-Dolmetscher in der Verwaltung ein?",
    );
    assert_eq!(res.unknown_terms, ["Dolmetscher"]);
    assert_eq!(res.counts.finding, 0, "{:?}", res.rows);
    // A question opening with "Wie" gives no example: its words are all conditions.
    let res = compare(&mut engine, "Wie gehen die Länder mit KI-Dolmetschern um?");
    assert_eq!(res.unknown_terms, ["Dolmetschern"]);
    // An example ("wie LLaMA") or an alternative ("oder Walfangschiffe") the documents do not
    // name is no condition: the table is the one without it.
    let states = |res: &CompareResponse| -> Vec<String> {
        res.rows
            .iter()
            .filter(|r| r.status == "finding")
            .map(|r| r.state.clone())
            .collect()
    };
    let models = compare(&mut engine, "Welche Länder setzen Sprachmodelle ein?");
    let example = compare(
        &mut engine,
        "Welche Länder setzen Sprachmodelle wie LLaMA ein?",
    );
    assert!(example.unknown_terms.is_empty());
    assert!(!states(&models).is_empty());
    assert_eq!(states(&example), states(&models));
    let alternative = compare(
        &mut engine,
        "Welche Länder setzen Sprachmodelle oder Walfangschiffe ein?",
    );
    assert_eq!(states(&alternative), states(&models));
    // A noun that only says what kind of answer is wanted is no topic word.
    let amounts = compare(
        &mut engine,
        "Welche Länder nennen konkrete Euro-Beträge für ihre KI-Förderung?",
    );
    assert!(
        amounts.unknown_terms.is_empty(),
        "{:?}",
        amounts.unknown_terms
    );
    assert!(amounts.counts.finding > 0);
    // The same for English: a word without translation in an alternative is no
    // condition; outside one, it leaves no finding.
    let chatbots = compare(&mut engine, "Which states use chatbots?");
    let either = compare(&mut engine, "Which states use chatbots or whaling ships?");
    assert!(!states(&chatbots).is_empty());
    assert_eq!(states(&either), states(&chatbots));
    let whaling = compare(&mut engine, "Which states use chatbots for whaling ships?");
    assert!(states(&whaling).is_empty(), "{:?}", states(&whaling));
}

#[test]
fn a_noun_the_documents_use_only_inside_compounds_is_a_key_term() {
    let mut engine = util::engine();
    // The seeds never write "Haftung" alone, only "Haftungsfragen" (Berlin) and
    // "Haftungsgrundsätze" (Saxony): the word is no unknown one that leaves no finding.
    let res = compare(&mut engine, "Welche Länder regeln die Haftung bei KI?");
    assert!(res.unknown_terms.is_empty(), "{:?}", res.unknown_terms);
    assert!(
        res.key_terms.iter().any(|t| t == "haftung"),
        "{:?}",
        res.key_terms
    );
    let sn = res.rows.iter().find(|r| r.state == "SN").expect("SN row");
    assert_eq!(sn.status, "finding", "{}", sn.finding);
    assert!(sn.finding.contains("Haftungsgrundsätze"), "{}", sn.finding);
}

#[test]
fn a_word_the_reports_write_mostly_inside_compounds_is_searched_by_them() {
    let mut engine = util::engine();
    // The seeds write "Landwirtschaft" alone only in ministries' names, which say
    // nothing; Saxony's strategy has "In der Landwirtschaftsverwaltung kann KI …", a
    // passage the topic's words alone rank too low among Saxony's.
    let res = compare(
        &mut engine,
        "Welche Länder nutzen KI in der Landwirtschaft?",
    );
    let sn = res
        .rows
        .iter()
        .find(|r| r.state == "SN")
        .expect("a row for SN");
    assert_eq!(sn.status, "finding", "{:?}", res.rows);
    assert!(
        sn.finding.contains("Landwirtschaftsverwaltung"),
        "{}",
        sn.finding
    );
}

#[test]
fn a_hyphenated_topic_also_matches_its_parts_written_as_one_word() {
    let mut engine = util::engine();
    let states = |res: &CompareResponse| -> Vec<String> {
        res.rows
            .iter()
            .filter(|r| r.status == "finding")
            .map(|r| r.state.clone())
            .collect()
    };
    // Hessen writes "Startups", Sachsen "Start-ups": asked as "KI-Start-ups", both.
    let res = compare(&mut engine, "Welche Länder fördern KI-Start-ups?");
    assert!(
        res.key_terms.iter().any(|t| t == "startups"),
        "{:?}",
        res.key_terms
    );
    let found = states(&res);
    assert!(found.contains(&"HE".to_string()), "{found:?}");
    assert!(found.contains(&"SN".to_string()), "{found:?}");
    let he = res.rows.iter().find(|r| r.state == "HE").expect("HE row");
    assert!(he.finding.contains("Startups"), "{}", he.finding);
}

#[test]
fn a_plural_in_eln_matches_its_singular() {
    let mut engine = util::engine();
    // The analyser leaves "Gütesiegeln" whole (`gutesiegeln`); Saxony writes
    // "Gütesiegel". The plural is no unknown word, and the singular is searched for.
    let res = compare(
        &mut engine,
        "Welche Länder arbeiten mit Gütesiegeln für KI?",
    );
    assert!(res.unknown_terms.is_empty(), "{:?}", res.unknown_terms);
    assert!(
        res.key_terms.iter().any(|t| t == "gutesiegel"),
        "{:?}",
        res.key_terms
    );
    let sn = res.rows.iter().find(|r| r.state == "SN").expect("SN row");
    assert_eq!(sn.status, "finding", "{}", sn.finding);
    assert!(sn.finding.contains("Gütesiegel"), "{}", sn.finding);
}

#[test]
fn a_first_part_the_analyser_drops_still_narrows_the_word() {
    let mut engine = util::engine();
    // "IT" is no term of its own, yet "IT-Dienstleister" are no "Dienstleistungen" (both
    // `dienstleist`): the whole word, which the reports write, is the key term.
    let res = compare(&mut engine, "Welche Länder nennen IT-Dienstleister?");
    assert_eq!(res.key_terms, ["itdienstleist"]);
    assert!(!found(&res).is_empty());
    for row in res.rows.iter().filter(|r| r.status == "finding") {
        assert!(row.finding.contains("IT-Dienstleister"), "{}", row.finding);
    }
}

#[test]
fn a_loan_word_matches_in_either_number() {
    let mut engine = util::engine();
    // The analyser keeps "Risiko" (`risiko`) and "Risiken" (`risik`) apart; asked either
    // way, the comparison counts both and cites the same states.
    let singular = compare(
        &mut engine,
        "Welche Länder nennen das Risiko der Diskriminierung?",
    );
    let plural = compare(
        &mut engine,
        "Welche Länder nennen die Risiken der Diskriminierung?",
    );
    for res in [&singular, &plural] {
        for term in ["risiko", "risik"] {
            assert!(
                res.key_terms.iter().any(|t| t == term),
                "{:?}",
                res.key_terms
            );
        }
    }
    assert!(!found(&singular).is_empty());
    assert_eq!(found(&singular), found(&plural));
}

#[test]
fn a_long_form_counts_the_abbreviation_the_documents_define_for_it() {
    let mut engine = util::engine();
    // Both seeds define "kleine und mittlere Unternehmen (KMU)"; asked for them in any
    // inflection, a report writing "KMU" speaks of them.
    let kmu = engine
        .abbreviations()
        .spelled_out_in("kleinen und mittleren Unternehmen");
    assert!(kmu.iter().any(|(a, _)| a.short == "KMU"), "{kmu:?}");
    let res = compare(
        &mut engine,
        "Welche Länder helfen kleinen und mittleren Unternehmen bei der Einführung von KI?",
    );
    assert!(
        res.key_terms.iter().any(|t| t == "kmu"),
        "{:?}",
        res.key_terms
    );
    assert_eq!(
        res.topic, "helfen kleinen und mittleren Unternehmen bei der Einführung von KI",
        "the topic is shown as asked"
    );
    let bw = res.rows.iter().find(|r| r.state == "BW").expect("BW row");
    assert_eq!(bw.status, "finding", "{}", bw.finding);
    assert!(bw.finding.contains("KMU"), "{}", bw.finding);
}

#[test]
fn a_topic_with_alternatives_finds_the_states_of_either() {
    let mut engine = util::engine();
    let mut states = |topic: &str| -> Vec<String> {
        compare(&mut engine, topic)
            .rows
            .iter()
            .filter(|r| r.status == "finding")
            .map(|r| r.state.clone())
            .collect()
    };
    let chatbots = states("Welche Länder setzen Chatbots in der Verwaltung ein?");
    let models = states("Welche Länder setzen Sprachmodelle in der Verwaltung ein?");
    let either = states("Welche Länder setzen Chatbots oder Sprachmodelle in der Verwaltung ein?");
    // Judged as one topic, a state had to write of chatbots and language models; read
    // as alternatives, a state writing of either is found.
    assert!(!chatbots.is_empty() && !models.is_empty());
    let mut union: Vec<String> = chatbots.iter().chain(&models).cloned().collect();
    union.sort_by_key(|s| StateCode::parse(s));
    union.dedup();
    assert_eq!(either, union);
    assert!(
        either.len() > chatbots.len().max(models.len()),
        "{either:?}"
    );

    // A choice one of whose alternatives only frames the topic asks nothing of a state:
    // "als Einsatz- oder Förderfeld" is met by every report on using AI for medicine,
    // so "Förderfeld" (`Förderung`) is no condition.
    let res = compare(
        &mut engine,
        "Welche Länder nennen die Medizin als Einsatz- oder Förderfeld für KI?",
    );
    assert_eq!(res.key_terms, ["medizin"]);
    let plain = compare(
        &mut engine,
        "Welche Länder nennen die Medizin als Einsatzfeld für KI?",
    );
    assert!(!found(&plain).is_empty());
    assert_eq!(found(&res), found(&plain));
}

#[test]
fn ask_answers_questions_across_the_states_from_the_comparison() {
    let engine = util::engine();
    let req = SearchRequest::parse(
        "Welche Länder nennen Fraunhofer-Institute als Partner?",
        &[],
        &[],
        5,
    )
    .expect("valid request");
    let res = engine.ask(&req, None).expect("ask runs");
    let table = res.comparison.as_ref().expect("the comparison is attached");
    assert_table_is_sound(&engine, table);
    assert!(!res.abstained);
    let cited: Vec<&str> = res
        .citations
        .iter()
        .filter_map(|c| c.state.as_deref())
        .collect();
    let with_finding: Vec<&str> = table
        .rows
        .iter()
        .filter(|r| r.status == "finding")
        .map(|r| r.state.as_str())
        .collect();
    assert_eq!(cited, with_finding, "one citation per state with a finding");
    for (i, c) in res.citations.iter().enumerate() {
        assert!(
            res.answer.contains(&format!("[{}]", i + 1)),
            "{}",
            res.answer
        );
        assert_eq!(c.n, i + 1);
    }
    assert!(res.answer.contains("Kein Bericht: MV."), "{}", res.answer);
}

#[test]
fn ask_keeps_ordinary_questions_and_explicit_filters_as_they_were() {
    let engine = util::engine();
    for (q, states) in [
        ("Was plant Bayern für den Mittelstand?", vec![]),
        (
            "Welche Länder setzen KI in der Polizei ein?",
            vec!["BW".to_string()],
        ),
    ] {
        let req = SearchRequest::parse(q, &states, &[], 5).expect("valid request");
        let res = engine.ask(&req, None).expect("ask runs");
        assert!(res.comparison.is_none(), "{q}");
        assert_eq!(res.citations.len(), 5, "{q}");
    }
}

#[test]
fn the_cli_prints_the_table_and_its_json() {
    let out = cli::belegt_shared(&["compare", "--json", "KI-Schulungen für Beschäftigte"]);
    let v = cli::json_of(&out);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 16);
    assert_eq!(v["topic"], "KI-Schulungen für Beschäftigte");
    let out = cli::belegt_shared(&["compare", "Welche Länder setzen KI in der Polizei ein?"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("Mecklenburg-Vorpommern (MV) kein Bericht"),
        "{text}"
    );
    assert!(text.contains("keine Aussage im Bericht"), "{text}");
    assert!(text.contains("Belege:"), "{text}");
    let out = cli::belegt_shared(&["compare", "Welche Länder bieten Fortbildungen zu KI an?"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Gleichbedeutend gezählt (OpenThesaurus): Fortbildung = "),
        "{text}"
    );
    let out = cli::belegt_shared(&["compare", "Welche Länder nennen Mobilität als Thema?"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Englisch geschrieben gezählt (Wörterbuch): Mobilität = mobility"),
        "{text}"
    );
    let out = cli::belegt_shared(&["compare", "   "]);
    cli::assert_fails_with(&out, &["empty"]);
}

#[test]
fn an_english_question_is_translated_into_the_documents_terms() {
    let mut engine = util::engine();
    assert!(
        engine.dictionary().is_some(),
        "the English–German dictionary is installed (scripts/setup-dictionary.sh)"
    );
    let en = compare(&mut engine, "Which states use AI in the police?");
    assert_eq!(en.method, "translated");
    assert!(
        en.translations
            .iter()
            .any(|t| t.word == "police" && t.terms.iter().any(|w| w == "Polizei")),
        "{:?}",
        en.translations
    );
    let de = compare(&mut engine, "Welche Länder setzen KI in der Polizei ein?");
    assert!(!found(&de).is_empty());
    assert_eq!(found(&en), found(&de), "the same states in either language");
    assert!(de.translations.is_empty() && de.method == "terms");
    // The question's verb ("used") is frame, not topic: translated, it would add a key
    // term ("Verwendung") that finds states for using anything.
    let passive = compare(&mut engine, "In which states is AI used by the police?");
    assert_eq!(passive.key_terms, ["polizei"], "{:?}", passive.translations);
    assert_eq!(found(&passive), found(&de));
    // A word the dictionary knows only as an adjective ("dedicated") names no topic.
    let dedicated = compare(&mut engine, "Which states use dedicated AI for the police?");
    assert_eq!(
        dedicated.key_terms,
        ["polizei"],
        "{:?}",
        dedicated.translations
    );
    assert_eq!(found(&dedicated), found(&de));
    // Topics the documents never name have no translation, so no finding; a topic is
    // not judged by the half of its words that has one ("regulate", "intelligence").
    for q in [
        "Which states use AI in libraries?",
        "Which states use artificial intelligence in seafaring?",
        "Which states regulate whaling in Antarctica?",
    ] {
        let res = compare(&mut engine, q);
        assert_eq!(
            res.counts.finding, 0,
            "{q}: {:?} {:?}",
            res.translations, res.rows
        );
    }
}

#[test]
fn the_dictionary_translates_phrases_and_the_model_picks_the_nouns() {
    let mut engine = util::engine();
    // "data centres" is one term, `Rechenzentren`: the words alone have no German
    // neighbour in the documents. "building" is what the states do, not the topic.
    let res = compare(
        &mut engine,
        "Which states are building data centres for AI?",
    );
    assert!(
        res.translations
            .iter()
            .any(|t| t.word == "data centres"
                && t.terms.iter().any(|w| w.starts_with("Rechenzentr"))),
        "{:?}",
        res.translations
    );
    assert!(
        !res.translations.iter().any(|t| t.word == "building"),
        "{:?}",
        res.translations
    );
    // Bremen's report: "Anfangsinvestition in eine wirkungsvolle KI-Infrastruktur im
    // Dataport Rechenzentrum".
    let hb = res.rows.iter().find(|r| r.state == "HB").expect("HB row");
    assert_eq!(hb.status, "finding", "{:?}", res.rows);
    assert!(hb.finding.contains("Rechenzentrum"), "{}", hb.finding);

    // A phrase the dictionary lacks is the compound of its nouns the reports use:
    // "world of work" is `Arbeitswelt`, not any "Welt" and any "Arbeit".
    let res = compare(
        &mut engine,
        "Which states address the consequences of AI for the world of work?",
    );
    assert!(
        res.translations
            .iter()
            .any(|t| t.word == "world of work" && t.terms == ["Arbeitswelt"]),
        "{:?}",
        res.translations
    );
    assert!(
        !res.key_terms.contains(&"welt".to_string()),
        "{:?}",
        res.key_terms
    );

    // A phrase of five words whose entry has no German noun but an abbreviation note
    // ("Kleine und mittelständische Unternehmen /KMU/"), after an adverb that is no
    // topic word ("specifically"): the key term is `KMU`, as the reports write.
    let res = compare(
        &mut engine,
        "Which states specifically support small and medium-sized enterprises?",
    );
    assert_eq!(res.key_terms, ["kmu"], "{:?}", res.translations);
    assert!(found(&res).len() >= 3, "{:?}", res.rows);

    // A phrase whose German compound the reports never use ("environmental
    // protection": `Umweltschutz`) counts as the compound's parts, each a condition
    // bound to the other; the head also counts what "protection" translates to.
    // Word by word it was "protection" alone, which "Datenschutz" held.
    let res = compare(
        &mut engine,
        "Which states use AI for environmental protection?",
    );
    let parts: Vec<&[String]> = res
        .translations
        .iter()
        .filter(|t| t.word == "environmental protection")
        .map(|t| t.terms.as_slice())
        .collect();
    assert_eq!(parts.len(), 2, "{:?}", res.translations);
    assert_eq!(parts[0], ["Umwelt"], "{:?}", res.translations);
    assert_eq!(parts[1][0], "Schutz", "{:?}", res.translations);
    assert_eq!(res.key_terms[..2], ["umwelt", "schutz"]);
    for row in res.rows.iter().filter(|r| r.status == "finding") {
        assert!(
            row.finding.to_lowercase().contains("umwelt"),
            "{}: {}",
            row.state,
            row.finding
        );
    }
    // "administrative staff" (`Verwaltungspersonal`, unused): `Verwaltung` with
    // `Personal` or what "staff" translates to. Berlin's report: "Ausbildung und
    // Unterstützung der Mitarbeiterinnen und Mitarbeiter der Verwaltung".
    let res = compare(
        &mut engine,
        "Which states train their administrative staff in AI?",
    );
    let be = res.rows.iter().find(|r| r.state == "BE").expect("BE row");
    assert_eq!(be.status, "finding", "{:?}", res.translations);
    assert!(
        be.finding.contains("Mitarbeiter") && be.finding.contains("Verwaltung"),
        "{}",
        be.finding
    );
    for row in res.rows.iter().filter(|r| r.status == "finding") {
        assert!(
            row.finding.contains("Verwaltung"),
            "{}: {}",
            row.state,
            row.finding
        );
    }

    // An English word of the documents is no translation of another English word:
    // "lessons" was `Learning` (from "Machine Learning"); now the dictionary's nouns.
    let res = compare(&mut engine, "Which states use AI in lessons?");
    let lessons = res
        .translations
        .iter()
        .find(|t| t.word == "lessons")
        .expect("lessons translated");
    assert!(
        lessons.terms.iter().any(|t| t == "Unterricht")
            && !lessons.terms.iter().any(|t| t == "Learning"),
        "{:?}",
        lessons.terms
    );
    // A phrase's compound that the reports use only inside longer compounds ("road
    // construction": `Straßenbau`, in Saxony-Anhalt's "Landesstraßenbau") counts by
    // those; word by word it was "construction" (`Bau`, `Aufbau`, `Errichtung`).
    let res = compare(&mut engine, "Which states use AI in road construction?");
    assert!(
        res.key_terms.iter().any(|t| t == "landesstrassenbau")
            && !res.key_terms.iter().any(|t| t == "aufbau"),
        "{:?} {:?}",
        res.key_terms,
        res.translations
    );
    assert!(found(&res).contains(&"ST".to_string()), "{:?}", res.rows);
    // After an acronym both languages share, the compound the reports use: "IT service
    // providers" are "IT-Dienstleister", not every "Dienstleister". "play" of "what
    // role … play" is no topic word (`Spiel`).
    let res = compare(
        &mut engine,
        "What role do the IT service providers play in the administration?",
    );
    assert!(
        res.key_terms.contains(&"itdienstleist".to_string())
            && !res
                .key_terms
                .iter()
                .any(|t| t == "dienstleist" || t == "spiel"),
        "{:?} {:?}",
        res.key_terms,
        res.translations
    );
    // A verb said of the states opens no phrase: "address data" (`Adressdaten`) would
    // take "data" from "data protection".
    let res = compare(
        &mut engine,
        "Which states address data protection when using AI?",
    );
    assert_eq!(res.key_terms, ["datenschutz"], "{:?}", res.translations);

    // An English word the documents use ("Center") also takes the dictionary's German
    // nouns: the reports write "Zentrum" far more often.
    let res = compare(&mut engine, "Which states open AI centres?");
    let centres = res
        .translations
        .iter()
        .find(|t| t.word == "centres")
        .expect("centres translated");
    assert!(
        centres.terms.iter().any(|t| t == "Center")
            && centres.terms.iter().any(|t| t.starts_with("Zentr")),
        "{:?}",
        centres.terms
    );

    // The lexical ranking of an English question searches its German terms.
    let terms = engine
        .translated_query("Which states operate data centres?")
        .expect("translation runs")
        .expect("English");
    assert!(terms.contains("Rechenzentr"), "{terms}");
    // For the search, the dictionary checks the model's neighbours: "administration"
    // is `Verwaltung`, not the model's `Management`.
    let question = "Which states use AI in the administration?";
    let terms = engine
        .translated_query(question)
        .expect("translation runs")
        .expect("English");
    assert!(
        terms.contains("Verwaltung") && !terms.contains("Management"),
        "{terms}"
    );
    assert_eq!(
        engine
            .translated_query("Welche Länder betreiben Rechenzentren?")
            .expect("runs"),
        None
    );
}

#[test]
fn a_german_noun_also_matches_the_english_word_the_reports_write_for_it() {
    // Bavaria names its AI centre in Ingolstadt "(Mobility)": a German question on
    // "Mobilität" finds it, by the dictionary read backwards.
    let mut engine = util::engine();
    let res = compare(
        &mut engine,
        "Welche Länder nennen Mobilität als Anwendungsfeld von KI?",
    );
    let by = res.rows.iter().find(|r| r.state == "BY").expect("BY row");
    assert_eq!(by.status, "finding", "{:?}", res.key_terms);
    assert!(by.finding.contains("(Mobility)"), "{}", by.finding);
    // The response says which English words counted, and the CLI too.
    assert!(
        res.english_words
            .iter()
            .any(|s| s.word == "Mobilität" && s.synonyms == ["mobility"]),
        "{:?}",
        res.english_words
    );
    // Learned once per index and kept beside it: another engine over a copy reads them
    // from there (here with a word added to the file, which only reading can give).
    let learned = engine
        .english_words()
        .expect("learned")
        .of("mobilitat")
        .to_vec();
    assert_eq!(learned, ["mobility"]);
    drop(engine);
    let shared = util::shared();
    let dir = util::temp_dir();
    util::copy_dir(&shared.index_dir, dir.path());
    let opened = Engine::open_with(
        util::config_for(&shared.seeds_dir, dir.path()),
        util::load_model(),
    )
    .expect("the copied index");
    let file = util::embedded(&opened.index)
        .dir
        .join(belegt::retrieve::english::FILE_NAME);
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("kept beside the index"))
            .expect("JSON");
    json["words"]["mobilitat"] = serde_json::json!(["mobility", "motility"]);
    std::fs::write(&file, json.to_string()).expect("changed");
    assert_eq!(
        opened.english_words().expect("read").of("mobilitat"),
        ["mobility", "motility"]
    );
    // Without a dictionary there are none.
    let mut config = util::config_for(&shared.seeds_dir, dir.path());
    config.dictionary = None;
    let without = Engine::open_with(config, util::load_model()).expect("the copy");
    assert!(without.english_words().is_none());
}

#[test]
fn a_german_search_also_looks_for_the_documents_other_words() {
    // The full-text ranking of `search` and `ask` also searches the abbreviation a long
    // form stands for and the English words the reports write for a noun.
    let engine = util::engine();
    let widened = engine
        .widened_query("Wie helfen die Länder kleinen und mittleren Unternehmen bei KI?")
        .expect("widened");
    assert!(widened.ends_with("? KMU"), "{widened}");
    let widened = engine
        .widened_query("Was plant Bayern für die Mobilität?")
        .expect("widened");
    assert!(widened.ends_with(" mobility"), "{widened}");
    // Nothing to add, an abbreviation in most passages ("KI"), or an English question:
    // the question as it is.
    assert_eq!(
        engine.widened_query("Wie fördern die Länder die Künstliche Intelligenz?"),
        None
    );
    assert_eq!(engine.widened_query("Wie nutzt die Polizei KI?"), None);
    assert_eq!(
        engine.widened_query("What does Bavaria plan for mobility?"),
        None
    );
    let lexical = engine
        .lexical_query("Which states operate data centres?")
        .expect("runs");
    assert_eq!(
        lexical,
        engine
            .translated_query("Which states operate data centres?")
            .expect("runs")
    );
}

#[test]
fn an_english_search_never_waits_for_the_vocabulary() {
    // The shared index's vocabulary, embedded once (or already there).
    let stored = {
        let engine = util::engine();
        engine.lexicon().expect("the vocabulary");
        util::embedded(&engine.index)
            .dir
            .join(belegt::retrieve::lexicon::FILE_NAME)
    };
    assert!(stored.is_file());
    // A copy of the index without it: a search ranks by the English words, rather
    // than embed thousands of words first.
    let shared = util::shared();
    let dir = util::temp_dir();
    util::copy_dir(&shared.index_dir, dir.path());
    let engine = Engine::open_with(
        util::config_for(&shared.seeds_dir, dir.path()),
        util::load_model(),
    )
    .expect("the copied index");
    let copy = util::embedded(&engine.index)
        .dir
        .join(belegt::retrieve::lexicon::FILE_NAME);
    std::fs::remove_file(&copy).expect("remove the vocabulary");
    let question = "Which states operate data centres?";
    assert_eq!(engine.translated_query(question).expect("runs"), None);
    assert!(!engine.lexicon_loaded());
    // Once the file is there again, the search reads it and translates.
    std::fs::copy(&stored, &copy).expect("restore the vocabulary");
    let terms = engine
        .translated_query(question)
        .expect("runs")
        .expect("translated");
    assert!(terms.contains("Rechenzentr"), "{terms}");
    assert!(engine.lexicon_loaded());
}

#[test]
fn without_a_dictionary_english_words_take_their_nearest_vocabulary_words() {
    let shared = util::shared();
    let mut config = util::config_for(&shared.seeds_dir, &shared.index_dir);
    config.dictionary = None;
    let mut engine = Engine::open_with(config, util::load_model()).expect("the shared index");
    assert!(engine.dictionary().is_none());
    let de = compare(&mut engine, "Welche Länder setzen KI in der Polizei ein?");
    // A word without translation ("dedicated") is a condition no passage meets: it
    // weighs, but does not veto the topic.
    let en = compare(&mut engine, "Which states use dedicated AI for the police?");
    assert!(
        en.translations
            .iter()
            .any(|t| t.word == "dedicated" && t.terms.is_empty()),
        "{:?}",
        en.translations
    );
    assert!(!found(&de).is_empty());
    assert_eq!(found(&en), found(&de));
    // "data centres" word by word: no `Rechenzentren`.
    let dc = compare(
        &mut engine,
        "Which states are building data centres for AI?",
    );
    assert!(
        !dc.translations
            .iter()
            .any(|t| t.terms.iter().any(|w| w.starts_with("Rechenzentr"))),
        "{:?}",
        dc.translations
    );
}

#[test]
fn a_topic_word_also_counts_its_synonyms_from_the_thesaurus() {
    let shared = util::shared();
    let config = util::config_for(&shared.seeds_dir, &shared.index_dir);
    assert!(
        config.thesaurus.is_some(),
        "the German thesaurus is installed (scripts/setup-dictionary.sh)"
    );
    let mut with = Engine::open_with(config.clone(), util::load_model()).expect("the index");
    let mut without = Engine::open_with(
        belegt::config::Config {
            thesaurus: None,
            ..config
        },
        util::load_model(),
    )
    .expect("the index");
    assert!(with.thesaurus().is_some() && without.thesaurus().is_none());
    let topic = "Welche Länder bieten Fortbildungen zu KI an?";
    let plain = compare(&mut without, topic);
    let wide = compare(&mut with, topic);
    assert_eq!(plain.key_terms, ["fortbild"]);
    // Fortbildung;Schulung;Weiterbildung;Training is the word's only synonym set.
    for synonym in ["schulung", "weiterbild"] {
        assert!(
            wide.key_terms.iter().any(|t| t == synonym),
            "{:?}",
            wide.key_terms
        );
    }
    // The response says which synonyms counted.
    assert!(plain.synonyms.is_empty());
    assert_eq!(wide.synonyms.len(), 1, "{:?}", wide.synonyms);
    assert_eq!(wide.synonyms[0].word, "Fortbildung");
    assert!(wide.synonyms[0].synonyms.iter().any(|s| s == "Schulung"));
    // Rhineland-Palatinate writes of "Schulungen", not "Fortbildungen".
    let row = |r: &CompareResponse| {
        r.rows
            .iter()
            .find(|row| row.state == "RP")
            .map(|row| (row.status.clone(), row.finding.clone()))
            .expect("a row for RP")
    };
    assert_eq!(row(&plain).0, "no_statement");
    let (status, finding) = row(&wide);
    assert_eq!(status, "finding");
    assert!(finding.contains("Schulungen"), "{finding}");
    // Every state found on the word itself is still found.
    let wide_found = found(&wide);
    assert!(
        found(&plain).iter().all(|s| wide_found.contains(s)),
        "{:?} vs {wide_found:?}",
        found(&plain)
    );
    // A word of several senses takes no synonyms ("Verwaltung": administration,
    // management, government).
    let several = "Welche Länder nutzen KI in der Verwaltung?";
    assert!(with.thesaurus().expect("read").sets_of("verwalt").count() > 1);
    assert_eq!(
        compare(&mut with, several).key_terms,
        compare(&mut without, several).key_terms
    );
}

#[tokio::test]
async fn the_api_compares_and_ask_carries_the_table() {
    use reqwest::StatusCode;
    use serde_json::json;

    let (status, body) = api::post(
        "/api/compare",
        json!({"topic": "Welche Länder setzen KI in der Polizei ein?"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 16);
    assert_eq!(rows[7]["state"], "MV");
    assert_eq!(rows[7]["finding"], NO_REPORT);
    let (status, body) = api::post(
        "/api/ask",
        json!({"question": "In welchen Bundesländern gibt es Fraunhofer-Institute als Partner?"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["comparison"]["rows"].as_array().map(Vec::len),
        Some(16)
    );
    let (status, body) = api::post("/api/compare", json!({"topic": "  "})).await;
    api::assert_error(status, &body, StatusCode::BAD_REQUEST, "empty_question");
    let (status, body) = api::post("/api/compare", json!({"topic": "x", "k": 3})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = api::post("/api/compare", json!({"question": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[test]
fn a_question_in_lower_case_or_without_umlauts_is_read_as_the_documents_spell_it() {
    let mut engine = util::engine();
    let written = compare(&mut engine, "Welche Länder nutzen KI bei der Polizei?");
    assert!(!found(&written).is_empty(), "{:?}", written.rows);
    for typed in [
        "welche länder nutzen ki bei der polizei?",
        "Welche Laender nutzen KI bei der Polizei?",
        "welche laender nutzen ki bei der polizei",
    ] {
        let res = compare(&mut engine, typed);
        assert_eq!(res.key_terms, written.key_terms, "{typed}");
        assert_eq!(found(&res), found(&written), "{typed}");
        // The response keeps the question as it was asked.
        assert_eq!(res.question, typed);
    }
    // `ask` reads it the same way: a question across the states, answered by the table.
    let req = SearchRequest::parse("welche laender foerdern start-ups?", &[], &[], 5)
        .expect("valid request");
    let res = engine.ask(&req, None).expect("ask runs");
    let table = res.comparison.expect("a comparison table");
    let correct = compare(&mut engine, "Welche Länder fördern Start-ups?");
    assert_eq!(found(&table), found(&correct));
    assert!(!found(&correct).is_empty());
}
