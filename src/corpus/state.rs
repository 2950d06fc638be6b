//! The 16 German federal states: codes, names, and the words that name them.

use std::fmt;

/// A German federal state, identified by its two-letter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateCode(usize);

struct StateInfo {
    code: &'static str,
    name: &'static str,
    /// Lower-case words or phrases that name the state in a question, besides
    /// the name itself: adjectives, English names, common abbreviations.
    aliases: &'static [&'static str],
}

const STATES: [StateInfo; 16] = [
    StateInfo {
        code: "BW",
        name: "Baden-Württemberg",
        aliases: &[
            "baden-württembergische",
            "baden-wuerttemberg",
            "baden-württembergs",
        ],
    },
    StateInfo {
        code: "BY",
        name: "Bayern",
        aliases: &[
            "bayerische",
            "freistaat bayern",
            "bavaria",
            "bavarian",
            "bayerns",
        ],
    },
    StateInfo {
        code: "BE",
        name: "Berlin",
        aliases: &["berliner", "berlins"],
    },
    StateInfo {
        code: "BB",
        name: "Brandenburg",
        aliases: &["brandenburgische", "brandenburger", "brandenburgs"],
    },
    StateInfo {
        code: "HB",
        name: "Bremen",
        aliases: &["bremer", "bremische", "bremens"],
    },
    StateInfo {
        code: "HH",
        name: "Hamburg",
        aliases: &["hamburger", "hamburgische", "hamburgs"],
    },
    StateInfo {
        code: "HE",
        name: "Hessen",
        aliases: &["hessische", "hesse", "hessian", "hessens"],
    },
    StateInfo {
        code: "MV",
        name: "Mecklenburg-Vorpommern",
        aliases: &[
            "mecklenburg-vorpommerns",
            "mecklenburg-western pomerania",
            "mecklenburg",
        ],
    },
    StateInfo {
        code: "NI",
        name: "Niedersachsen",
        aliases: &["niedersächsische", "lower saxony", "niedersachsens"],
    },
    StateInfo {
        code: "NW",
        name: "Nordrhein-Westfalen",
        aliases: &[
            "nrw",
            "nordrhein-westfälische",
            "north rhine-westphalia",
            "nordrhein-westfalens",
        ],
    },
    StateInfo {
        code: "RP",
        name: "Rheinland-Pfalz",
        aliases: &[
            "rheinland-pfälzische",
            "rhineland-palatinate",
            "rheinland-pfalz'",
        ],
    },
    StateInfo {
        code: "SL",
        name: "Saarland",
        aliases: &["saarländische", "saarlands"],
    },
    StateInfo {
        code: "SN",
        name: "Sachsen",
        aliases: &[
            "sächsische",
            "freistaat sachsen",
            "saxony",
            "saxon",
            "sachsens",
        ],
    },
    StateInfo {
        code: "ST",
        name: "Sachsen-Anhalt",
        aliases: &["sachsen-anhaltische", "saxony-anhalt", "sachsen-anhalts"],
    },
    StateInfo {
        code: "SH",
        name: "Schleswig-Holstein",
        aliases: &["schleswig-holsteinische", "schleswig-holsteins"],
    },
    StateInfo {
        code: "TH",
        name: "Thüringen",
        aliases: &[
            "thüringer",
            "thüringische",
            "thuringia",
            "thuringian",
            "thüringens",
        ],
    },
];

impl StateCode {
    /// All 16 states in the order of the official list (BW … TH).
    pub fn all() -> impl Iterator<Item = StateCode> {
        (0..STATES.len()).map(StateCode)
    }

    /// Parses a two-letter code, case-insensitively (`"by"` → Bayern).
    pub fn parse(code: &str) -> Option<StateCode> {
        let code = code.trim();
        STATES
            .iter()
            .position(|s| s.code.eq_ignore_ascii_case(code))
            .map(StateCode)
    }

    /// The two-letter code, e.g. `"BY"`.
    pub fn code(self) -> &'static str {
        STATES[self.0].code
    }

    /// The German name, e.g. `"Bayern"`.
    pub fn name(self) -> &'static str {
        STATES[self.0].name
    }

    /// Every lower-case phrase that names this state: its name, code and aliases.
    /// Adjective forms are given by their stem ("bayerische") and match any ending.
    pub fn phrases(self) -> impl Iterator<Item = String> {
        let info = &STATES[self.0];
        [info.name.to_lowercase()]
            .into_iter()
            .chain(info.aliases.iter().map(|a| a.to_string()))
    }

    /// Finds a state from its German name or code as written in a document
    /// heading (`"BY"`, `"Bayern"`, `"Freistaat Bayern"`).
    pub fn from_name_or_code(word: &str) -> Option<StateCode> {
        let w = word.trim();
        StateCode::parse(w).or_else(|| {
            let lower = w.to_lowercase();
            let lower = lower
                .strip_prefix("freistaat ")
                .or_else(|| lower.strip_prefix("land "))
                .unwrap_or(&lower);
            STATES
                .iter()
                .position(|s| s.name.to_lowercase() == lower)
                .map(StateCode)
        })
    }

    /// Lists the valid codes, for error messages.
    pub fn valid_codes() -> String {
        STATES.iter().map(|s| s.code).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_case_insensitively() {
        assert_eq!(StateCode::parse("by").map(StateCode::name), Some("Bayern"));
        assert_eq!(StateCode::parse(" SN ").map(StateCode::code), Some("SN"));
        assert_eq!(StateCode::parse("XX"), None);
    }

    #[test]
    fn finds_states_from_heading_names() {
        assert_eq!(
            StateCode::from_name_or_code("Freistaat Sachsen").map(StateCode::code),
            Some("SN")
        );
        assert_eq!(
            StateCode::from_name_or_code("Sachsen-Anhalt").map(StateCode::code),
            Some("ST")
        );
        assert_eq!(StateCode::from_name_or_code("Europa"), None);
    }

    #[test]
    fn there_are_sixteen_states() {
        assert_eq!(StateCode::all().count(), 16);
    }
}
