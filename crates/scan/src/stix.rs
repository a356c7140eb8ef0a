//! Indicators from a STIX 2.1 bundle.
//!
//! Supported: `indicator` objects whose `pattern_type` is `stix` and whose pattern is one
//! comparison or several joined by `OR`, each `object:path = 'value'` (or `ISSUBSET` for a
//! range) on `ipv4-addr:value`, `ipv6-addr:value` (an address or a CIDR range),
//! `domain-name:value`, `url:value`, `email-addr:value`, `file:hashes.MD5` / `'SHA-1'` /
//! `'SHA-256'`, and mamori's finance-specific `x-mamori-bank-account:value` and
//! `x-mamori-crypto-address:value`. Patterns joining comparisons with `AND` or
//! `FOLLOWEDBY` describe combinations a single log token cannot show; they are skipped and
//! counted, never half-matched. An indicator's TLP marking comes from its
//! `object_marking_refs` (TLP 2.0 ids, and TLP 1.0 ids read as their 2.0 equivalents).

use crate::indicator::{Indicator, Kind};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StixError {
    #[error("not a STIX bundle: {0}")]
    NotABundle(String),
    #[error("{id}: bad pattern at character {at}: {reason}")]
    Pattern {
        id: String,
        at: usize,
        reason: &'static str,
    },
}

#[derive(Deserialize)]
struct Bundle {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    objects: Vec<serde_json::Value>,
}

/// What a bundle gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub indicators: Vec<Indicator>,
    /// Indicator objects with patterns this scanner cannot match token by token.
    pub skipped: usize,
}

/// One comparison of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub path: String,
    pub operator: String,
    pub value: String,
}

/// Parses a STIX pattern into its comparisons and the operators joining them.
pub fn parse_pattern(id: &str, p: &str) -> Result<(Vec<Comparison>, Vec<String>), StixError> {
    let err = |at, reason| StixError::Pattern {
        id: id.to_string(),
        at,
        reason,
    };
    let b = p.as_bytes();
    let mut i = 0;
    let mut comps = Vec::new();
    let mut joins = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let word = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && !b[*i].is_ascii_whitespace() && !matches!(b[*i], b'[' | b']' | b'\'')
        {
            *i += 1;
        }
        &p[s..*i]
    };
    let mut depth = 0usize;
    loop {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        match b[i] {
            b'[' | b'(' => {
                depth += 1;
                i += 1;
            }
            b']' | b')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| err(i, "unbalanced bracket"))?;
                i += 1;
            }
            _ => {
                let w = word(&mut i);
                if w.is_empty() {
                    return Err(err(i, "unexpected character"));
                }
                let upper = w.to_ascii_uppercase();
                if matches!(upper.as_str(), "AND" | "OR" | "FOLLOWEDBY") {
                    joins.push(upper);
                    continue;
                }
                if !w.contains(':') {
                    return Err(err(i, "expected object-type:property"));
                }
                // The path may continue with a quoted key: file:hashes.'SHA-256'.
                let mut path = w.to_string();
                if path.ends_with('.') && i < b.len() && b[i] == b'\'' {
                    let (key, next) = string(p, i).ok_or_else(|| err(i, "unterminated string"))?;
                    path.push_str(&key);
                    i = next;
                }
                skip_ws(&mut i);
                let op = word(&mut i).to_string();
                if op.is_empty() {
                    return Err(err(i, "expected an operator"));
                }
                skip_ws(&mut i);
                if i >= b.len() || b[i] != b'\'' {
                    return Err(err(i, "expected a quoted value"));
                }
                let (value, next) = string(p, i).ok_or_else(|| err(i, "unterminated string"))?;
                i = next;
                comps.push(Comparison {
                    path,
                    operator: op.to_ascii_uppercase(),
                    value,
                });
            }
        }
    }
    if depth != 0 {
        return Err(err(b.len(), "unbalanced bracket"));
    }
    if comps.is_empty() {
        return Err(err(0, "no comparison"));
    }
    Ok((comps, joins))
}

/// A quoted string starting at `i` (the quote): its value and the index after it.
fn string(p: &str, i: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = p[i + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '\'' => return Some((out, i + 1 + k + 1)),
            c => out.push(c),
        }
    }
    None
}

fn kind_of(path: &str, value: &str) -> Option<Kind> {
    let normal = path.to_ascii_lowercase().replace(['\'', '"'], "");
    Some(match normal.as_str() {
        "ipv4-addr:value" | "ipv6-addr:value" if value.contains('/') => Kind::Cidr,
        "ipv4-addr:value" => Kind::Ipv4,
        "ipv6-addr:value" => Kind::Ipv6,
        "domain-name:value" => Kind::Domain,
        "url:value" => Kind::Url,
        "email-addr:value" => Kind::Email,
        "file:hashes.md5" => Kind::Md5,
        "file:hashes.sha-1" | "file:hashes.sha1" => Kind::Sha1,
        "file:hashes.sha-256" | "file:hashes.sha256" => Kind::Sha256,
        "x-mamori-bank-account:value" => Kind::BankAccount,
        "x-mamori-crypto-address:value" => Kind::CryptoAddress,
        _ => return None,
    })
}

/// The indicators one STIX object stands for: `None` when it is not an indicator or its
/// pattern is not one this scanner matches token by token (not `stix`, joined by `AND` or
/// `FOLLOWEDBY`, or on another object path); an error when the pattern is malformed.
pub fn indicators_of(o: &serde_json::Value) -> Result<Option<Vec<Indicator>>, StixError> {
    if o.get("type").and_then(|t| t.as_str()) != Some("indicator") {
        return Ok(None);
    }
    let id = o
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    if o.get("pattern_type")
        .and_then(|v| v.as_str())
        .unwrap_or("stix")
        != "stix"
    {
        return Ok(None);
    }
    let Some(pattern) = o.get("pattern").and_then(|v| v.as_str()) else {
        return Err(StixError::Pattern {
            id,
            at: 0,
            reason: "no pattern",
        });
    };
    let (comps, joins) = parse_pattern(&id, pattern)?;
    if joins.iter().any(|j| j != "OR") {
        return Ok(None);
    }
    let tlp = o
        .get("object_marking_refs")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().and_then(mamori_domain::Tlp::from_stix_id))
        .max();
    let mut usable = Vec::new();
    for c in comps {
        match (kind_of(&c.path, &c.value), c.operator.as_str()) {
            (Some(kind), "=" | "ISSUBSET") => usable.push(Indicator {
                id: id.clone(),
                kind,
                value: c.value,
                tlp,
            }),
            _ => return Ok(None),
        }
    }
    Ok(Some(usable))
}

/// Reads a bundle.
pub fn load(json: &[u8]) -> Result<Loaded, StixError> {
    let bundle: Bundle =
        serde_json::from_slice(json).map_err(|e| StixError::NotABundle(e.to_string()))?;
    if bundle.kind != "bundle" {
        return Err(StixError::NotABundle(format!("type is {}", bundle.kind)));
    }
    let mut loaded = Loaded::default();
    for o in &bundle.objects {
        match indicators_of(o)? {
            Some(found) => loaded.indicators.extend(found),
            None if o.get("type").and_then(|t| t.as_str()) == Some("indicator") => {
                loaded.skipped += 1
            }
            None => {}
        }
    }
    Ok(loaded)
}
