//! The survey rules the UI and the API share: loading an assignment the caller may act on,
//! checking answers against the framework, and applying a transition. One implementation, so
//! that a browser and an API client are held to exactly the same rules.

use crate::error::{AppError, AppResult};
use crate::AppState;
use mamori_domain::policy::{check_assignment, survey_scope, AssignmentAction};
use mamori_domain::validation::FieldError;
use mamori_domain::Principal;
use mamori_store::campaigns::{AnswerChange, Assignment};
use mamori_store::Actor;
use mamori_survey::answer::{questions, validate, AnswerValue, Respondent};
use mamori_survey::assignment::{AssignmentStatus, Transition};
use mamori_survey::scoring::{score, Scores};
use mamori_survey::Framework;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// An assignment the caller may do `action` on, with its framework.
pub async fn assignment_for(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: AssignmentAction,
) -> AppResult<(Assignment, Framework)> {
    let a = state.store.assignment(survey_scope(p), id).await?;
    check_assignment(p, action, a.policy_ref())?;
    let f = state.store.framework(a.framework_id).await?;
    Ok((a, f))
}

pub fn respondent(a: &Assignment) -> Respondent {
    Respondent {
        sector: a.sector.0,
        size_tier: a.size_tier.0,
    }
}

/// Current answers as plain values.
pub async fn answer_values(
    state: &AppState,
    a: &Assignment,
) -> AppResult<HashMap<String, AnswerValue>> {
    Ok(state
        .store
        .answers(a.id)
        .await?
        .into_iter()
        .map(|(k, v)| (k, v.value))
        .collect())
}

pub async fn scores(state: &AppState, a: &Assignment, f: &Framework) -> AppResult<Scores> {
    Ok(score(f, respondent(a), &answer_values(state, a).await?))
}

/// One answer as sent by a form or the API; an empty value means "leave unanswered".
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub item: String,
    /// `yes`, `partial`, `no`, `not_applicable`, a level, a number, a date, a choice id; a
    /// list of choice ids for multiple choice.
    #[schema(value_type = Object)]
    pub value: AnswerValue,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Validates `inputs` against the framework and applies `transition`.
pub async fn apply(
    state: &AppState,
    p: &Principal,
    a: &Assignment,
    f: &Framework,
    transition: Transition,
    inputs: &[AnswerInput],
    comment: Option<&str>,
) -> AppResult<AssignmentStatus> {
    let mut errors = Vec::new();
    let mut changes = Vec::new();
    let mut merged = answer_values(state, a).await?;
    let walk = f.walk();
    let by_id: HashMap<&str, &mamori_survey::Item> =
        walk.iter().map(|(_, i)| (i.id.as_str(), *i)).collect();
    for input in inputs {
        let blank = matches!(&input.value, AnswerValue::One(v) if v.trim().is_empty())
            || matches!(&input.value, AnswerValue::Many(v) if v.is_empty());
        if blank && input.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(item) = by_id.get(input.item.as_str()).filter(|i| i.is_assessable()) else {
            errors
                .push(FieldError::new(&input.item, "invalid.unknown_item").with_value(&input.item));
            continue;
        };
        if blank {
            errors.push(FieldError::new(
                &input.item,
                "invalid.comment_without_answer",
            ));
            continue;
        }
        if input
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 2000)
        {
            errors.push(FieldError::new(&input.item, "invalid.too_long"));
            continue;
        }
        match validate(item, f.levels.len(), &input.value) {
            Ok(value) => {
                merged.insert(input.item.clone(), value.clone());
                changes.push(AnswerChange {
                    item_id: input.item.clone(),
                    value,
                    comment: input.comment.clone().filter(|c| !c.trim().is_empty()),
                });
            }
            Err(key) => errors.push(FieldError::new(&input.item, key)),
        }
    }
    if transition == Transition::Return && comment.is_none_or(|c| c.trim().is_empty()) {
        errors.push(FieldError::new("comment", "invalid.return_needs_comment"));
    }
    if transition == Transition::Submit {
        for q in questions(f, respondent(a), &merged) {
            if !merged.contains_key(&q.id) {
                errors.push(FieldError::new(&q.id, "invalid.unanswered"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(state
        .store
        .transition_assignment(
            &Actor::from(p),
            a,
            transition,
            &changes,
            comment.map(str::trim),
        )
        .await?)
}

/// The questionnaire as an .xlsx file, with the current answers filled in.
pub async fn questionnaire_xlsx(
    state: &AppState,
    a: &Assignment,
    f: &Framework,
    japanese: bool,
) -> AppResult<Vec<u8>> {
    let stored = state.store.answers(a.id).await?;
    let who = respondent(a);
    let mut rows = Vec::new();
    for domain in &f.items {
        let mut stack = vec![domain];
        let mut in_domain = Vec::new();
        while let Some(i) = stack.pop() {
            if i.is_assessable() && mamori_survey::answer::applies(i, who) {
                in_domain.push(i);
            }
            stack.extend(i.items.iter().rev());
        }
        for item in in_domain {
            let s = stored.get(&item.id);
            rows.push(mamori_excel::Row {
                domain: &domain.title,
                item,
                answer: s.map(|s| &s.value),
                comment: s.and_then(|s| s.comment.as_deref()),
            });
        }
    }
    mamori_excel::export(&excel_meta(a, f), &f.levels, &rows, japanese)
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn excel_meta(a: &Assignment, f: &Framework) -> mamori_excel::Meta {
    mamori_excel::Meta {
        assignment_id: a.id,
        framework_key: f.key.clone(),
        framework_version: f.version.clone(),
        institution_code: a.institution_code.clone(),
    }
}

/// Reads an uploaded questionnaire and saves it: nothing unless the whole file is valid, and
/// cells left as they were leave no history.
pub async fn import_xlsx(
    state: &AppState,
    p: &Principal,
    a: &Assignment,
    f: &Framework,
    bytes: &[u8],
) -> AppResult<AssignmentStatus> {
    let walk = f.walk();
    let items: HashMap<String, &mamori_survey::Item> = walk
        .iter()
        .filter(|(_, i)| i.is_assessable())
        .map(|(_, i)| (i.id.clone(), *i))
        .collect();
    let answers =
        mamori_excel::import(bytes, &excel_meta(a, f), &items, &f.levels).map_err(|errors| {
            AppError::Validation(
                errors
                    .into_iter()
                    .map(|e| {
                        let field = if e.cell.is_empty() {
                            "file".to_string()
                        } else {
                            format!("{}!{}", e.sheet, e.cell)
                        };
                        let fe = FieldError::new(&field, e.key);
                        match e.value {
                            Some(v) => fe.with_value(&v),
                            None => fe,
                        }
                    })
                    .collect(),
            )
        })?;
    let inputs: Vec<AnswerInput> = answers
        .into_iter()
        .map(|x| AnswerInput {
            item: x.item,
            value: x.value,
            comment: x.comment,
        })
        .collect();
    apply(state, p, a, f, Transition::Save, &inputs, None).await
}

/// Largest evidence file.
pub const MAX_EVIDENCE: usize = 4 * 1024 * 1024;

/// The content type of an acceptable evidence file, judged by its bytes and name: PDF, PNG,
/// JPEG, Office (xlsx, docx, pptx), or UTF-8 text (txt, csv). Anything else is refused.
pub fn evidence_type(filename: &str, bytes: &[u8]) -> Result<&'static str, FieldError> {
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if bytes.is_empty() {
        return Err(FieldError::new("file", "invalid.required"));
    }
    if bytes.len() > MAX_EVIDENCE {
        return Err(FieldError::new("file", "invalid.evidence_too_large"));
    }
    let t = match ext.as_str() {
        "pdf" if bytes.starts_with(b"%PDF-") => "application/pdf",
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => "image/png",
        "jpg" | "jpeg" if bytes.starts_with(b"\xFF\xD8\xFF") => "image/jpeg",
        "xlsx" if bytes.starts_with(b"PK\x03\x04") => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        "docx" if bytes.starts_with(b"PK\x03\x04") => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
        "pptx" if bytes.starts_with(b"PK\x03\x04") => {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        }
        "txt" | "csv" if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) => {
            "text/plain; charset=utf-8"
        }
        _ => return Err(FieldError::new("file", "invalid.evidence_type").with_value(filename)),
    };
    Ok(t)
}

/// A file name safe to store and to send back: no path, no control characters, bounded.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != ';')
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "evidence".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_judged_by_its_bytes_not_its_name() {
        assert_eq!(
            evidence_type("a.pdf", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert!(evidence_type("a.pdf", b"MZ\x90\x00 an exe").is_err());
        assert!(evidence_type("a.exe", b"%PDF-1.7").is_err());
        assert!(evidence_type("a.txt", b"\x00\x01").is_err());
        assert_eq!(
            evidence_type("notes.csv", "a,b\n".as_bytes()),
            Ok("text/plain; charset=utf-8")
        );
        assert!(evidence_type("big.txt", &vec![b'a'; MAX_EVIDENCE + 1]).is_err());
        assert_eq!(clean_filename("../../etc/pass\"wd;.txt"), "passwd.txt");
        assert_eq!(clean_filename("C:\\x\\計画書.pdf"), "計画書.pdf");
    }
}
