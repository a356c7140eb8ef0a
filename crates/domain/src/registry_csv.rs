//! The registry's CSV format: one institution per row, codes for every vocabulary. Export
//! and import use the same columns, so an export can be edited and imported back.
//!
//! Files are UTF-8; a leading byte-order mark (which Excel writes) is accepted and written,
//! so that Japanese names survive a round trip through Excel.

use crate::institution::{Institution, InstitutionFields, InstitutionInput};
use crate::validation::FieldError;
use std::collections::HashMap;

pub const COLUMNS: [&str; 10] = [
    "code",
    "name_ja",
    "name_en",
    "sector",
    "size_tier",
    "bureau",
    "prefecture",
    "group_name",
    "isac_membership",
    "require_totp",
];

pub const MAX_ROWS: usize = 100_000;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes institutions as CSV, with a byte-order mark.
pub fn write(institutions: &[Institution]) -> Vec<u8> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Writing to a Vec cannot fail; errors are ignored rather than unwrapped.
        let _ = w.write_record(COLUMNS);
        for i in institutions {
            let _ = w.write_record([
                i.code.as_str(),
                &i.name_ja,
                &i.name_en,
                i.sector.code(),
                i.size_tier.code(),
                i.bureau.code(),
                i.prefecture.code(),
                i.group_name.as_deref().unwrap_or(""),
                i.isac_membership.code(),
                if i.require_totp { "true" } else { "false" },
            ]);
        }
        let _ = w.flush();
    }
    out
}

fn row_error(row: usize, field: &str, key: &str) -> FieldError {
    FieldError::new(&format!("row:{row}:{field}"), key)
}

/// Parses and validates a whole file. Either every row is valid and the validated rows come
/// back, or every error is listed with its row (the header is row 1) and column.
pub fn parse(bytes: &[u8]) -> Result<Vec<InstitutionInput>, Vec<FieldError>> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![FieldError::new("file", "invalid.csv_encoding")]);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(vec![FieldError::new("file", "invalid.csv_empty")]);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(_) => return Err(vec![FieldError::new("file", "invalid.csv_syntax")]),
    };
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    let unknown: Vec<&str> = header
        .iter()
        .filter(|h| !COLUMNS.contains(&h.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        let mut errs = Vec::new();
        if !missing.is_empty() {
            errs.push(
                FieldError::new("file", "invalid.csv_missing_columns")
                    .with_value(&missing.join(", ")),
            );
        }
        if !unknown.is_empty() {
            errs.push(
                FieldError::new("file", "invalid.csv_unknown_columns")
                    .with_value(&unknown.join(", ")),
            );
        }
        return Err(errs);
    }
    let index = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
    let idx: HashMap<&str, usize> = COLUMNS.iter().map(|c| (*c, index(c))).collect();

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_row_of_code: HashMap<String, usize> = HashMap::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        if n >= MAX_ROWS {
            return Err(vec![FieldError::new("file", "invalid.csv_too_many_rows")]);
        }
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                errors.push(row_error(row, "file", "invalid.csv_syntax"));
                continue;
            }
        };
        let get = |c: &str| record.get(idx[c]).unwrap_or("").to_string();
        let require_totp = match get("require_totp").trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => Some(false),
            "true" | "1" | "yes" => Some(true),
            _ => {
                errors.push(row_error(row, "require_totp", "invalid.boolean"));
                None
            }
        };
        let fields = InstitutionFields {
            code: get("code"),
            name_ja: get("name_ja"),
            name_en: get("name_en"),
            sector: get("sector"),
            size_tier: get("size_tier"),
            bureau: get("bureau"),
            prefecture: get("prefecture"),
            group_name: Some(get("group_name")),
            isac_membership: Some(get("isac_membership")),
            require_totp,
        };
        match fields.validate() {
            Ok(input) => {
                if let Some(first) = first_row_of_code.get(&input.code) {
                    errors.push(
                        row_error(row, "code", "invalid.duplicate_in_file")
                            .with_value(&format!("{} = row {first}", input.code)),
                    );
                } else {
                    first_row_of_code.insert(input.code.clone(), row);
                    rows.push(input);
                }
            }
            Err(errs) => errors.extend(errs.into_iter().map(|mut e| {
                e.field = format!("row:{row}:{}", e.field);
                e
            })),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![FieldError::new("file", "invalid.csv_empty")]);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "code,name_ja,name_en,sector,size_tier,bureau,prefecture,group_name,isac_membership,require_totp\n\
        RB-0001,みどり銀行,Midori Bank,regional_bank,medium,kinki,osaka,,full,false\n\
        SK-0001,あおば信用金庫,Aoba Shinkin Bank,shinkin,small,tohoku,miyagi,,trial,\n";

    #[test]
    fn parses_good_file_with_or_without_bom() {
        assert_eq!(parse(GOOD.as_bytes()).unwrap().len(), 2);
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(GOOD.as_bytes());
        assert_eq!(parse(&with_bom).unwrap().len(), 2);
    }

    #[test]
    fn reports_every_bad_row_with_its_number() {
        let text = format!("{GOOD}XX-1,,Nameless,bank,medium,kinki,osaka,,full,maybe\nRB-0001,dup,Dup,regional_bank,medium,kinki,osaka,,full,false\n");
        let errs = parse(text.as_bytes()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"row:4:name_ja"), "{fields:?}");
        assert!(fields.contains(&"row:4:sector"));
        assert!(fields.contains(&"row:4:require_totp"));
        assert!(fields.contains(&"row:5:code"));
    }

    #[test]
    fn rejects_wrong_header_binary_and_empty_files() {
        assert_eq!(
            parse(b"code,name\nA,B\n").unwrap_err()[0].key,
            "invalid.csv_missing_columns"
        );
        assert_eq!(
            parse(b"\xff\xfe\x00binary").unwrap_err()[0].key,
            "invalid.csv_encoding"
        );
        assert_eq!(parse(b"").unwrap_err()[0].key, "invalid.csv_empty");
        let header_only = COLUMNS.join(",");
        assert_eq!(
            parse(header_only.as_bytes()).unwrap_err()[0].key,
            "invalid.csv_empty"
        );
    }

    #[test]
    fn ragged_rows_are_errors_not_panics() {
        let text = format!("{}\nA,B\n", COLUMNS.join(","));
        let errs = parse(text.as_bytes()).unwrap_err();
        assert_eq!(errs[0].key, "invalid.csv_syntax");
    }
}
