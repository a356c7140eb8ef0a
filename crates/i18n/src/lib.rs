//! Japanese and English messages.
//!
//! Each language has one catalogue file (`i18n/ja.txt`, `i18n/en.txt`) of `key = text` lines,
//! compiled into the binary. A test checks that both files have exactly the same keys and
//! that every vocabulary code (sector, office, role...) has a label in both.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// What separates items of a list in running text.
    pub fn list_separator(self) -> &'static str {
        match self {
            Lang::Ja => "、",
            Lang::En => ", ",
        }
    }

    /// The first supported language in an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Lang::from_code(primary) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

fn parse_catalogue(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static JA: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse_catalogue(include_str!("../i18n/ja.txt")));
static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse_catalogue(include_str!("../i18n/en.txt")));

/// The message for `key`, or the key itself when missing (the catalogue test keeps that
/// from reaching users).
pub fn t(lang: Lang, key: &str) -> &str {
    let catalogue = match lang {
        Lang::Ja => &*JA,
        Lang::En => &*EN,
    };
    catalogue.get(key).copied().unwrap_or(key)
}

/// The message for `key` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_domain::{
        Bureau, IsacMembership, OrganisationKind, Prefecture, Role, Sector, SizeTier,
    };
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let ja: BTreeSet<_> = JA.keys().collect();
        let en: BTreeSet<_> = EN.keys().collect();
        let only_ja: Vec<_> = ja.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        assert!(
            only_ja.is_empty() && only_en.is_empty(),
            "only in ja: {only_ja:?}; only in en: {only_en:?}"
        );
        assert!(ja.len() > 100);
    }

    #[test]
    fn no_catalogue_line_is_malformed() {
        for (name, text) in [
            ("ja", include_str!("../i18n/ja.txt")),
            ("en", include_str!("../i18n/en.txt")),
        ] {
            for (n, line) in text.lines().enumerate() {
                let l = line.trim();
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                assert!(l.contains(" = "), "{name}.txt line {}: {line}", n + 1);
            }
        }
    }

    #[test]
    fn every_vocabulary_code_has_labels() {
        let mut keys = Vec::new();
        keys.extend(Sector::ALL.iter().map(|s| format!("sector.{}", s.code())));
        keys.extend(SizeTier::ALL.iter().map(|s| format!("tier.{}", s.code())));
        keys.extend(Bureau::ALL.iter().map(|s| format!("bureau.{}", s.code())));
        keys.extend(
            Prefecture::ALL
                .iter()
                .map(|s| format!("prefecture.{}", s.code())),
        );
        keys.extend(
            IsacMembership::ALL
                .iter()
                .map(|s| format!("membership.{}", s.code())),
        );
        keys.extend(
            OrganisationKind::ALL
                .iter()
                .map(|s| format!("orgkind.{}", s.code())),
        );
        keys.extend(Role::ALL.iter().map(|s| format!("role.{}", s.code())));
        for key in keys {
            assert!(JA.contains_key(key.as_str()), "ja lacks {key}");
            assert!(EN.contains_key(key.as_str()), "en lacks {key}");
        }
    }

    /// Every literal key the code passes to `t`/`tf`, or names as a message key, exists.
    #[test]
    fn every_key_used_in_the_code_exists() {
        // The web and report crates and the binary use every kind of key; the libraries only name validation messages
        // (their other dotted strings are audit action codes, not messages).
        let roots = [
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../web/src"), false),
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../report/src"), false),
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../mamori/src"), false),
            (
                concat!(env!("CARGO_MANIFEST_DIR"), "/../analytics/src"),
                true,
            ),
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/src"), true),
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../store/src"), true),
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../survey/src"), true),
            (concat!(env!("CARGO_MANIFEST_DIR"), "/../excel/src"), true),
        ];
        let all_prefixes = [
            "invalid.",
            "notice.",
            "error.",
            "soon.",
            "nav.",
            "field.",
            "login.",
            "account.",
            "registry.",
            "import.",
            "audit.",
            "admin.",
            "common.",
            "list.",
            "filter.",
            "home.",
            "layout.",
            "lang.",
            "form.",
            "orgs.",
            "csv.",
            "surveys.",
            "status.",
            "answer.",
            "tier_measure.",
            "event.",
            "supervision.",
            "report.",
            "risk.",
            "maturity.",
            "factor.",
            "peer.",
            "group.",
            "indicator.",
            "feedback.",
            "cli.",
        ];
        let mut missing = Vec::new();
        let mut stack: Vec<(std::path::PathBuf, bool)> = roots
            .iter()
            .map(|(p, lib)| (std::path::PathBuf::from(p), *lib))
            .collect();
        while let Some((path, library)) = stack.pop() {
            if !path.exists() {
                continue;
            }
            if path.is_dir() {
                for e in std::fs::read_dir(&path).unwrap() {
                    stack.push((e.unwrap().path(), library));
                }
                continue;
            }
            let prefixes: &[&str] = if library {
                &["invalid."]
            } else {
                &all_prefixes
            };
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let is_key = prefixes.iter().any(|p| literal.starts_with(p))
                    && literal.len() > 4
                    && literal.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'
                    })
                    && !literal.ends_with('.');
                if is_key && (!EN.contains_key(literal) || !JA.contains_key(literal)) {
                    missing.push(format!("{}: {literal}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "message keys without text:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,ja;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr, ja;q=0.5, en;q=0.4"),
            Some(Lang::Ja)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
    }
}
