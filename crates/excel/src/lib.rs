//! A survey questionnaire as an Excel workbook, and back.
//!
//! The workbook has a `Questionnaire` sheet (one row per question: a hidden id column, the
//! domain and the question locked, the answer with a drop-down list and the comment unlocked)
//! and a hidden `_meta` sheet that names the template version, the assignment, the framework
//! version and the question ids in order. [`import`] accepts a file only when all of that is
//! intact and every filled cell is valid, and lists every problem by sheet and cell otherwise.

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use mamori_survey::answer::AnswerValue;
use mamori_survey::framework::{AnswerType, Item, Text};
use rust_xlsxwriter::{DataValidation, Format, Workbook};
use std::collections::HashMap;
use std::io::Cursor;

pub const TEMPLATE: &str = "mamori-questionnaire/1";
pub const SHEET: &str = "Questionnaire";
pub const META: &str = "_meta";
/// Larger files are refused before they are opened.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// What identifies a questionnaire file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub assignment_id: i64,
    pub framework_key: String,
    pub framework_version: String,
    pub institution_code: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the workbook: {0}")]
pub struct ExportError(String);

/// A problem with an uploaded file, at a sheet and cell when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub sheet: String,
    /// `D7`, or empty for the file as a whole.
    pub cell: String,
    /// A message key.
    pub key: &'static str,
    pub value: Option<String>,
}

fn file_error(key: &'static str) -> Vec<CellError> {
    vec![CellError {
        sheet: String::new(),
        cell: String::new(),
        key,
        value: None,
    }]
}

/// The labels offered for an answer type, each with the value it stands for.
fn choices(item: &Item, levels: &[Text], japanese: bool) -> Vec<(String, String)> {
    let label = |t: &Text| t.get(japanese).to_string();
    match &item.answer {
        Some(AnswerType::YesPartialNo) => {
            let (y, p, n, na) = if japanese {
                ("はい", "一部", "いいえ", "該当なし")
            } else {
                ("Yes", "Partially", "No", "Not applicable")
            };
            vec![
                (y.into(), "yes".into()),
                (p.into(), "partial".into()),
                (n.into(), "no".into()),
                (na.into(), "not_applicable".into()),
            ]
        }
        Some(AnswerType::MaturityLevel) => levels
            .iter()
            .enumerate()
            .map(|(i, l)| (label(l), (i + 1).to_string()))
            .collect(),
        Some(AnswerType::SingleChoice { options })
        | Some(AnswerType::MultipleChoice { options }) => options
            .iter()
            .map(|o| (label(&o.label), o.id.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// One row of the questionnaire.
pub struct Row<'a> {
    pub domain: &'a Text,
    pub item: &'a Item,
    pub answer: Option<&'a AnswerValue>,
    pub comment: Option<&'a str>,
}

fn col_name(col: u16) -> char {
    (b'A' + col as u8) as char
}

/// Writes the questionnaire, filled with the answers given.
pub fn export(
    meta: &Meta,
    levels: &[Text],
    rows: &[Row<'_>],
    japanese: bool,
) -> Result<Vec<u8>, ExportError> {
    let e = |x: rust_xlsxwriter::XlsxError| ExportError(x.to_string());
    let mut wb = Workbook::new();
    let locked = Format::new().set_text_wrap();
    let header = Format::new().set_bold().set_background_color("DDEBF7");
    let open = Format::new()
        .set_unlocked()
        .set_background_color("FFF2CC")
        .set_text_wrap();
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET).map_err(e)?;
        let titles = if japanese {
            ["ID", "領域", "設問", "回答", "コメント"]
        } else {
            ["ID", "Domain", "Question", "Answer", "Comment"]
        };
        for (c, t) in titles.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *t, &header)
                .map_err(e)?;
        }
        ws.set_column_width(1, 22).map_err(e)?;
        ws.set_column_width(2, 70).map_err(e)?;
        ws.set_column_width(3, 18).map_err(e)?;
        ws.set_column_width(4, 40).map_err(e)?;
        ws.set_column_hidden(0).map_err(e)?;
        for (n, r) in rows.iter().enumerate() {
            let row = n as u32 + 1;
            ws.write_string_with_format(row, 0, &r.item.id, &locked)
                .map_err(e)?;
            ws.write_string_with_format(row, 1, r.domain.get(japanese), &locked)
                .map_err(e)?;
            let q = r
                .item
                .question
                .as_ref()
                .unwrap_or(&r.item.title)
                .get(japanese);
            ws.write_string_with_format(row, 2, format!("{} {q}", r.item.id), &locked)
                .map_err(e)?;
            let options = choices(r.item, levels, japanese);
            let shown = match r.answer {
                Some(AnswerValue::One(v)) => options
                    .iter()
                    .find(|(_, code)| code == v)
                    .map(|(l, _)| l.clone())
                    .unwrap_or_else(|| v.clone()),
                Some(AnswerValue::Many(v)) => v
                    .iter()
                    .map(|x| {
                        options
                            .iter()
                            .find(|(_, code)| code == x)
                            .map(|(l, _)| l.clone())
                            .unwrap_or_else(|| x.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                None => String::new(),
            };
            ws.write_string_with_format(row, 3, &shown, &open)
                .map_err(e)?;
            ws.write_string_with_format(row, 4, r.comment.unwrap_or(""), &open)
                .map_err(e)?;
            if !options.is_empty()
                && !matches!(r.item.answer, Some(AnswerType::MultipleChoice { .. }))
            {
                let labels: Vec<&str> = options.iter().map(|(l, _)| l.as_str()).collect();
                let dv = DataValidation::new()
                    .allow_list_strings(&labels)
                    .map_err(e)?;
                ws.add_data_validation(row, 3, row, 3, &dv).map_err(e)?;
            }
        }
        ws.protect();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(META).map_err(e)?;
        let values = [
            TEMPLATE.to_string(),
            meta.assignment_id.to_string(),
            meta.framework_key.clone(),
            meta.framework_version.clone(),
            meta.institution_code.clone(),
            rows.iter()
                .map(|r| r.item.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ];
        for (n, v) in values.iter().enumerate() {
            ws.write_string(n as u32, 0, v).map_err(e)?;
        }
        ws.set_hidden(true);
        ws.protect();
    }
    wb.save_to_buffer().map_err(e)
}

fn cell_text(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.trim().to_string(),
        Some(Data::Float(f)) if f.fract() == 0.0 => format!("{}", *f as i64),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

/// One answer read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedAnswer {
    pub item: String,
    pub value: AnswerValue,
    pub comment: Option<String>,
}

/// Reads a filled questionnaire. `items` are the framework's questions by id.
pub fn import(
    bytes: &[u8],
    expected: &Meta,
    items: &HashMap<String, &Item>,
    levels: &[Text],
) -> Result<Vec<ImportedAnswer>, Vec<CellError>> {
    if bytes.len() > MAX_BYTES {
        return Err(file_error("invalid.xlsx_too_large"));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(file_error("invalid.xlsx_not_xlsx"));
    }
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| file_error("invalid.xlsx_not_xlsx"))?;
    let meta = wb
        .worksheet_range(META)
        .map_err(|_| file_error("invalid.xlsx_wrong_template"))?;
    let m = |r: u32| cell_text(meta.get_value((r, 0)));
    if m(0) != TEMPLATE {
        return Err(file_error("invalid.xlsx_wrong_template"));
    }
    if m(1) != expected.assignment_id.to_string() || m(4) != expected.institution_code {
        return Err(file_error("invalid.xlsx_other_assignment"));
    }
    if m(2) != expected.framework_key || m(3) != expected.framework_version {
        return Err(file_error("invalid.xlsx_wrong_version"));
    }
    let ids: Vec<String> = m(5)
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let sheet = wb
        .worksheet_range(SHEET)
        .map_err(|_| file_error("invalid.xlsx_wrong_template"))?;
    let formulas = wb
        .worksheet_formula(SHEET)
        .map_err(|_| file_error("invalid.xlsx_wrong_template"))?;
    let mut errors = Vec::new();
    let at = |col: u16, row: u32| format!("{}{}", col_name(col), row + 1);
    let mut err = |col: u16, row: u32, key: &'static str, value: Option<String>| {
        errors.push(CellError {
            sheet: SHEET.into(),
            cell: at(col, row),
            key,
            value,
        });
    };
    // Formulas are refused anywhere: a questionnaire holds answers, not calculations.
    for (row, col, f) in formulas.used_cells() {
        if !f.is_empty() {
            let (r, c) = (
                row as u32 + formulas.start().map(|s| s.0).unwrap_or(0),
                col as u16 + formulas.start().map(|s| s.1 as u16).unwrap_or(0),
            );
            err(
                c,
                r,
                "invalid.xlsx_formula",
                Some(f.chars().take(40).collect()),
            );
        }
    }
    let mut out = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let row = n as u32 + 1;
        let found = cell_text(sheet.get_value((row, 0)));
        if &found != id {
            err(0, row, "invalid.xlsx_edited_id", Some(found));
            continue;
        }
        let Some(item) = items.get(id) else {
            err(0, row, "invalid.xlsx_edited_id", Some(id.clone()));
            continue;
        };
        let answer = cell_text(sheet.get_value((row, 3)));
        let comment = cell_text(sheet.get_value((row, 4)));
        if answer.is_empty() {
            if !comment.is_empty() {
                err(3, row, "invalid.comment_without_answer", None);
            }
            continue;
        }
        let options = choices(item, levels, true)
            .into_iter()
            .chain(choices(item, levels, false))
            .collect::<Vec<_>>();
        let to_code = |label: &str| {
            options
                .iter()
                .find(|(l, code)| l.eq_ignore_ascii_case(label) || code.eq_ignore_ascii_case(label))
                .map(|(_, c)| c.clone())
        };
        let value = match &item.answer {
            Some(AnswerType::MultipleChoice { .. }) => {
                let parts: Vec<Option<String>> = answer
                    .split([',', '、'])
                    .map(|p| to_code(p.trim()))
                    .collect();
                if parts.iter().any(Option::is_none) {
                    err(3, row, "invalid.answer_choice", Some(answer.clone()));
                    continue;
                }
                AnswerValue::Many(parts.into_iter().flatten().collect())
            }
            Some(AnswerType::YesPartialNo)
            | Some(AnswerType::MaturityLevel)
            | Some(AnswerType::SingleChoice { .. }) => match to_code(&answer) {
                Some(c) => AnswerValue::One(c),
                None => {
                    err(3, row, "invalid.answer_choice", Some(answer.clone()));
                    continue;
                }
            },
            _ => AnswerValue::One(answer.clone()),
        };
        if let Err(key) = mamori_survey::answer::validate(item, levels.len(), &value) {
            err(3, row, key, Some(answer.clone()));
            continue;
        }
        if comment.chars().count() > 2000 {
            err(4, row, "invalid.too_long", None);
            continue;
        }
        out.push(ImportedAnswer {
            item: id.clone(),
            value,
            comment: (!comment.is_empty()).then_some(comment),
        });
    }
    // A row added below the last question is an answer to nothing.
    let extra = cell_text(sheet.get_value((ids.len() as u32 + 1, 3)));
    if !extra.is_empty() {
        err(
            3,
            ids.len() as u32 + 1,
            "invalid.xlsx_extra_row",
            Some(extra),
        );
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A plain table as a workbook: a bold header row, then the rows (exports for supervisors).
pub fn table(sheet: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    let e = |x: rust_xlsxwriter::XlsxError| ExportError(x.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(e)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(e)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).map_err(e)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    wb.save_to_buffer().map_err(e)
}
