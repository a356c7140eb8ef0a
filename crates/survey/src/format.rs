//! mamori's framework file format, version 1 (`format: mamori-framework/1`), in YAML.
//! The format is documented in `docs/framework-format.md`; [`check`] holds every rule beyond
//! the shape that serde checks.

use crate::framework::{AnswerType, Framework, Item, Text};
use crate::{err, FrameworkError};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

pub const FORMAT_V1: &str = "mamori-framework/1";

/// The file as written: the framework's fields plus `format`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    format: String,
    key: String,
    version: serde_yaml::Value,
    name: Text,
    #[serde(default)]
    description: Option<Text>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    levels: Vec<Text>,
    items: Vec<Item>,
}

/// Parses and checks a framework file.
pub fn parse(file: &str, text: &str) -> Result<Framework, Vec<FrameworkError>> {
    let text = text.trim_start_matches('\u{feff}');
    let raw: FileV1 = serde_yaml::from_str(text).map_err(|e| {
        // serde_yaml names the path (items[3].answer) and the position.
        let message = e.to_string();
        let (field, message) = match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => (path.to_string(), rest.to_string()),
            _ => (String::new(), message),
        };
        vec![FrameworkError {
            file: file.to_string(),
            line: e.location().map(|l| l.line()),
            field,
            message,
        }]
    })?;
    if raw.format != FORMAT_V1 {
        return Err(vec![err(
            file,
            find_line(text, "format:"),
            "format",
            &format!(
                "unsupported format {:?}; this version reads {FORMAT_V1}",
                raw.format
            ),
        )]);
    }
    let version = match &raw.version {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        _ => {
            return Err(vec![err(
                file,
                find_line(text, "version:"),
                "version",
                "must be text, e.g. \"2024.1\"",
            )]);
        }
    };
    let framework = Framework {
        key: raw.key,
        version,
        name: raw.name,
        description: raw.description,
        source: raw.source,
        levels: raw.levels,
        items: raw.items,
    };
    check(file, text, &framework)?;
    Ok(framework)
}

/// The first line containing `needle`, 1-based.
fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|n| n + 1)
}

/// The line where item `id` is declared.
fn item_line(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ").trim();
            t == format!("id: {id}") || t == format!("id: \"{id}\"") || t == format!("id: '{id}'")
        })
        .map(|n| n + 1)
}

const YES_PARTIAL_NO: [&str; 4] = ["yes", "partial", "no", "not_applicable"];

/// Every rule of a valid framework beyond its shape.
pub fn check(file: &str, text: &str, f: &Framework) -> Result<(), Vec<FrameworkError>> {
    let mut errors = Vec::new();
    let mut push = |line: Option<usize>, field: &str, message: &str| {
        errors.push(err(file, line, field, message))
    };

    if f.key.is_empty()
        || !f
            .key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        push(
            find_line(text, "key:"),
            "key",
            "lowercase letters, digits and hyphens only",
        );
    }
    if f.version.trim().is_empty() {
        push(find_line(text, "version:"), "version", "required");
    }
    if f.name.en.trim().is_empty() {
        push(find_line(text, "name:"), "name.en", "required");
    }
    if f.items.is_empty() {
        push(
            find_line(text, "items:"),
            "items",
            "a framework needs at least one item",
        );
    }

    // Assessable items seen so far, with their answer type, for conditions.
    let mut earlier: HashMap<&str, &AnswerType> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (_, item) in f.walk() {
        let line = item_line(text, &item.id);
        let path = format!("items[{}]", item.id);
        if item.id.trim().is_empty() || item.id.contains(char::is_whitespace) {
            push(line, &path, "an id is required and may not contain spaces");
        }
        if !seen.insert(item.id.as_str()) {
            push(line, &path, "this id is used twice");
        }
        if item.title.en.trim().is_empty() {
            push(line, &format!("{path}.title.en"), "required");
        }
        match (&item.answer, item.items.is_empty()) {
            (Some(_), false) => push(
                line,
                &path,
                "an item is either a group (items) or a question (answer), not both",
            ),
            (None, true) => push(line, &path, "an item needs an answer type or child items"),
            _ => {}
        }
        if !(item.weight.is_finite() && item.weight >= 0.0) {
            push(
                line,
                &format!("{path}.weight"),
                "must be a number of 0 or more",
            );
        }
        if let Some(answer) = &item.answer {
            match answer {
                AnswerType::SingleChoice { options } | AnswerType::MultipleChoice { options } => {
                    if options.len() < 2 {
                        push(
                            line,
                            &format!("{path}.answer.options"),
                            "a choice needs at least two options",
                        );
                    }
                    let mut ids = HashSet::new();
                    for o in options {
                        if !ids.insert(o.id.as_str()) {
                            push(
                                line,
                                &format!("{path}.answer.options[{}]", o.id),
                                "this option id is used twice",
                            );
                        }
                        if o.score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
                            push(
                                line,
                                &format!("{path}.answer.options[{}].score", o.id),
                                "must be between 0 and 1",
                            );
                        }
                    }
                }
                AnswerType::Number {
                    min: Some(a),
                    max: Some(b),
                    ..
                } if a > b => {
                    push(line, &format!("{path}.answer"), "min is greater than max");
                }
                AnswerType::MaturityLevel if f.levels.is_empty() => {
                    push(
                        line,
                        &format!("{path}.answer"),
                        "maturity_level needs the framework's `levels`",
                    );
                }
                _ => {}
            }
        }
        if let Some(cond) = &item.when {
            match earlier.get(cond.item.as_str()) {
                None => push(
                    line,
                    &format!("{path}.when.item"),
                    "must name an earlier question of this framework",
                ),
                Some(answer) => {
                    let allowed: Vec<String> = match answer {
                        AnswerType::YesPartialNo => {
                            YES_PARTIAL_NO.iter().map(|s| s.to_string()).collect()
                        }
                        AnswerType::SingleChoice { options }
                        | AnswerType::MultipleChoice { options } => {
                            options.iter().map(|o| o.id.clone()).collect()
                        }
                        _ => Vec::new(),
                    };
                    if cond.is.is_empty() {
                        push(
                            line,
                            &format!("{path}.when.is"),
                            "list the answers that make this question apply",
                        );
                    }
                    for v in &cond.is {
                        if !allowed.contains(v) {
                            push(
                                line,
                                &format!("{path}.when.is"),
                                &format!("{v:?} is not a possible answer of {}", cond.item),
                            );
                        }
                    }
                }
            }
        }
        for m in &item.maps_to {
            let ok = m
                .split_once(':')
                .is_some_and(|(k, i)| !k.is_empty() && !i.is_empty());
            if !ok {
                push(
                    line,
                    &format!("{path}.maps_to"),
                    &format!("{m:?} is not framework-key:item-id"),
                );
            }
        }
        if let Some(answer) = &item.answer {
            earlier.insert(item.id.as_str(), answer);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format: mamori-framework/1
key: tiny
version: "1"
name: { ja: 小さな枠組み, en: Tiny framework }
items:
  - id: G
    title: { ja: 統制, en: Governance }
    items:
      - id: G-1
        title: { ja: 計画, en: Plan }
        question: { ja: 計画はありますか。, en: Is there a plan? }
        answer: { type: yes_partial_no }
        tier: basic
      - id: G-2
        title: { en: Plan approved }
        answer: { type: single_choice, options: [{ id: board, label: { en: Board } }, { id: none, label: { en: Nobody } }] }
        when: { item: G-1, is: [yes, partial] }
        applies_to: { sectors: [shinkin, shinkumi] }
        maps_to: ["nist-csf:GV.OC-01"]
"#;

    #[test]
    fn parses_a_good_file() {
        let f = parse("tiny.yaml", GOOD).unwrap();
        assert_eq!(f.assessable_items(), 2);
        assert_eq!(f.items_per_level(), vec![1, 2]);
        assert_eq!(f.version, "1");
    }

    #[test]
    fn shape_errors_name_line_and_field() {
        let bad = GOOD.replace("type: yes_partial_no", "type: maybe");
        let e = &parse("tiny.yaml", &bad).unwrap_err()[0];
        assert_eq!(e.line, Some(12), "{e}");
        assert!(e.field.contains("items[0].items[0].answer"), "{e}");
        let unknown = GOOD.replace("tier: basic", "teir: basic");
        let e = &parse("tiny.yaml", &unknown).unwrap_err()[0];
        assert!(e.message.contains("teir"), "{e}");
    }

    #[test]
    fn rule_errors_name_the_item_and_its_line() {
        let bad = GOOD
            .replace(
                "when: { item: G-1, is: [yes, partial] }",
                "when: { item: G-1, is: [perhaps] }",
            )
            .replace("id: G-2", "id: G-1");
        let errs = parse("tiny.yaml", &bad).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(text.iter().any(|t| t.contains("used twice")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("perhaps")), "{text:?}");
        assert!(errs.iter().all(|e| e.line.is_some()), "{text:?}");
        let unsupported = GOOD.replace("mamori-framework/1", "mamori-framework/9");
        assert_eq!(
            parse("tiny.yaml", &unsupported).unwrap_err()[0].field,
            "format"
        );
    }

    #[test]
    fn a_condition_must_point_backwards() {
        let bad = GOOD.replace(
            "when: { item: G-1, is: [yes, partial] }",
            "when: { item: G-3, is: [yes] }",
        );
        let errs = parse("tiny.yaml", &bad).unwrap_err();
        assert!(errs[0].field.ends_with("when.item"), "{errs:?}");
    }
}
