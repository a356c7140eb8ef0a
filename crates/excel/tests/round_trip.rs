//! Export, fill, import: identical answers; and every kind of bad file refused by cell.

use mamori_excel::{export, import, CellError, Meta, Row, META, SHEET, TEMPLATE};
use mamori_survey::answer::AnswerValue;
use mamori_survey::{Framework, Item};
use rust_xlsxwriter::{Formula, Workbook};
use std::collections::HashMap;

const F: &str = r#"format: mamori-framework/1
key: t
version: "1"
name: { en: T }
items:
  - id: D
    title: { ja: 領域, en: Domain }
    items:
      - { id: Q1, title: { en: q1 }, question: { ja: 計画はありますか, en: A plan? }, answer: { type: yes_partial_no } }
      - id: Q2
        title: { en: q2 }
        answer: { type: single_choice, options: [{ id: full, label: { ja: 正会員, en: Full } }, { id: none, label: { ja: 非会員, en: None } }] }
      - { id: Q3, title: { en: q3 }, answer: { type: number, min: 0 } }
      - { id: Q4, title: { en: q4 }, answer: { type: text } }
"#;

fn framework() -> Framework {
    mamori_survey::format::parse("t.yaml", F).unwrap()
}

fn meta() -> Meta {
    Meta {
        assignment_id: 7,
        framework_key: "t".into(),
        framework_version: "1".into(),
        institution_code: "RB-1".into(),
    }
}

fn items(f: &Framework) -> HashMap<String, &Item> {
    f.walk()
        .into_iter()
        .filter(|(_, i)| i.is_assessable())
        .map(|(_, i)| (i.id.clone(), i))
        .collect()
}

fn workbook(f: &Framework, answers: &HashMap<&str, AnswerValue>, japanese: bool) -> Vec<u8> {
    let domain = &f.items[0].title;
    let comments: HashMap<&str, &str> = [("Q1", "取締役会で承認")].into_iter().collect();
    let rows: Vec<Row> = f.items[0]
        .items
        .iter()
        .map(|i| Row {
            domain,
            item: i,
            answer: answers.get(i.id.as_str()),
            comment: comments
                .get(i.id.as_str())
                .copied()
                .filter(|_| answers.contains_key("Q1")),
        })
        .collect();
    export(&meta(), &f.levels, &rows, japanese).unwrap()
}

#[test]
fn export_fill_import_gives_identical_answers_in_both_languages() {
    let f = framework();
    let answers: HashMap<&str, AnswerValue> = [
        ("Q1", AnswerValue::One("partial".into())),
        ("Q2", AnswerValue::One("full".into())),
        ("Q3", AnswerValue::One("12".into())),
        ("Q4", AnswerValue::One("外部委託先と年1回".into())),
    ]
    .into_iter()
    .collect();
    for japanese in [true, false] {
        let bytes = workbook(&f, &answers, japanese);
        let got = import(&bytes, &meta(), &items(&f), &f.levels).unwrap();
        let by_item: HashMap<&str, &AnswerValue> =
            got.iter().map(|a| (a.item.as_str(), &a.value)).collect();
        for (k, v) in &answers {
            assert_eq!(by_item.get(k), Some(&v), "{k} (japanese: {japanese})");
        }
        assert_eq!(
            got.iter()
                .find(|a| a.item == "Q1")
                .unwrap()
                .comment
                .as_deref(),
            Some("取締役会で承認")
        );
    }
    // An empty questionnaire imports as no answers.
    let empty = workbook(&f, &HashMap::new(), true);
    assert!(import(&empty, &meta(), &items(&f), &f.levels)
        .unwrap()
        .is_empty());
}

/// A workbook shaped like ours, with one thing changed.
fn tampered(change: impl Fn(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET).unwrap();
        for (row, id) in ["Q1", "Q2", "Q3", "Q4"].iter().enumerate() {
            ws.write_string(row as u32 + 1, 0, *id).unwrap();
        }
        change(ws);
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(META).unwrap();
        for (n, v) in [TEMPLATE, "7", "t", "1", "RB-1", "Q1,Q2,Q3,Q4"]
            .iter()
            .enumerate()
        {
            ws.write_string(n as u32, 0, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn keys(
    r: Result<Vec<mamori_excel::ImportedAnswer>, Vec<CellError>>,
) -> Vec<(String, &'static str)> {
    r.unwrap_err()
        .into_iter()
        .map(|e| (e.cell, e.key))
        .collect()
}

#[test]
fn every_bad_cell_is_named_and_nothing_is_returned() {
    let f = framework();
    let its = items(&f);
    let check = |bytes: Vec<u8>| keys(import(&bytes, &meta(), &its, &f.levels));
    assert_eq!(
        check(tampered(|ws| {
            ws.write_string(1, 3, "maybe").unwrap();
        })),
        [("D2".to_string(), "invalid.answer_choice")]
    );
    assert_eq!(
        check(tampered(|ws| {
            ws.write_string(3, 3, "-5").unwrap();
        })),
        [("D4".to_string(), "invalid.answer_number")]
    );
    assert_eq!(
        check(tampered(|ws| {
            ws.write_string(2, 0, "Q9").unwrap();
        })),
        [("A3".to_string(), "invalid.xlsx_edited_id")]
    );
    assert_eq!(
        check(tampered(|ws| {
            ws.write_formula(1, 3, Formula::new("=1+1")).unwrap();
        }))[0]
            .1,
        "invalid.xlsx_formula"
    );
    assert_eq!(
        check(tampered(|ws| {
            ws.write_string(5, 3, "yes").unwrap();
        })),
        [("D6".to_string(), "invalid.xlsx_extra_row")]
    );
    assert_eq!(
        check(tampered(|ws| {
            ws.write_string(1, 4, "a comment alone").unwrap();
        })),
        [("D2".to_string(), "invalid.comment_without_answer")]
    );
    // Several problems are all reported.
    let many = check(tampered(|ws| {
        ws.write_string(1, 3, "maybe").unwrap();
        ws.write_string(2, 3, "gold").unwrap();
    }));
    assert_eq!(many.len(), 2);
}

#[test]
fn wrong_files_are_refused_whole() {
    let f = framework();
    let its = items(&f);
    let check = |bytes: &[u8], m: &Meta| keys(import(bytes, m, &its, &f.levels))[0].1;
    assert_eq!(
        check(b"name,answer\nQ1,yes\n", &meta()),
        "invalid.xlsx_not_xlsx"
    );
    assert_eq!(
        check(b"PK\x03\x04 not really a zip", &meta()),
        "invalid.xlsx_not_xlsx"
    );
    let mut big = b"PK\x03\x04".to_vec();
    big.resize(3 * 1024 * 1024, 0);
    assert_eq!(check(&big, &meta()), "invalid.xlsx_too_large");
    let mut plain = Workbook::new();
    plain.add_worksheet().write_string(0, 0, "hello").unwrap();
    assert_eq!(
        check(&plain.save_to_buffer().unwrap(), &meta()),
        "invalid.xlsx_wrong_template"
    );
    let good = workbook(&f, &HashMap::new(), true);
    let other = Meta {
        assignment_id: 8,
        ..meta()
    };
    assert_eq!(check(&good, &other), "invalid.xlsx_other_assignment");
    let newer = Meta {
        framework_version: "2".into(),
        ..meta()
    };
    assert_eq!(check(&good, &newer), "invalid.xlsx_wrong_version");
}
