//! Self-assessment frameworks as data.
//!
//! A [`Framework`] is a versioned hierarchy of items; the items that take an answer are the
//! questions of a survey. Frameworks come from two kinds of file, both read here without I/O
//! (the caller passes the text):
//!
//! - mamori's own YAML format ([`format`]), documented in `docs/framework-format.md`, which
//!   carries Japanese and English text, answer types, weights, tiers, applicability,
//!   conditions and mappings to other frameworks;
//! - OSCAL 1.x catalogs in JSON or YAML ([`oscal`]), such as NIST's own CSF 2.0 catalog.
//!
//! [`load`] tells the two apart.

pub mod answer;
pub mod assignment;
pub mod format;
pub mod framework;
pub mod oscal;
pub mod scoring;

pub use framework::{AnswerType, Applicability, Condition, Framework, Item, Text, Tier};

/// A problem with a framework file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {field}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FrameworkError {
    pub file: String,
    /// 1-based line, when it can be told.
    pub line: Option<usize>,
    /// The field or item at fault, as a path (`items[GV].items[GV.OC-01].answer`).
    pub field: String,
    pub message: String,
}

/// Reads a framework file of either kind. `file` names it in errors.
pub fn load(file: &str, text: &str) -> Result<Framework, Vec<FrameworkError>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let is_json = trimmed.starts_with('{');
    let value: serde_yaml::Value = if is_json {
        match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(v) => match serde_yaml::to_value(v) {
                Ok(v) => v,
                Err(e) => return Err(vec![err(file, None, "", &e.to_string())]),
            },
            Err(e) => {
                return Err(vec![err(
                    file,
                    Some(e.line()),
                    "",
                    &format!("not valid JSON: {e}"),
                )])
            }
        }
    } else {
        match serde_yaml::from_str(trimmed) {
            Ok(v) => v,
            Err(e) => {
                return Err(vec![err(
                    file,
                    e.location().map(|l| l.line()),
                    "",
                    &format!("not valid YAML: {e}"),
                )])
            }
        }
    };
    if value.get("catalog").is_some() {
        oscal::import(file, &value)
    } else if value.get("format").is_some() {
        format::parse(file, text)
    } else {
        Err(vec![err(
            file,
            Some(1),
            "",
            "neither a mamori framework (no `format:` key) nor an OSCAL catalog (no `catalog` key)",
        )])
    }
}

pub(crate) fn err(file: &str, line: Option<usize>, field: &str, message: &str) -> FrameworkError {
    FrameworkError {
        file: file.to_string(),
        line,
        field: field.to_string(),
        message: message.to_string(),
    }
}
