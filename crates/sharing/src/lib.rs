//! Mutual aid's STIX 2.1, in and out, for the pages, the API, exports, the TAXII server and
//! the demo alike: one reader of incoming objects (whatever arrives — a form, a bundle, a
//! TAXII POST, demo data — becomes a STIX object and passes [`parse_object`]) and one writer
//! ([`to_stix`]), which adds the marking and the source as the reader may see them.
//!
//! Architecture invariant: no I/O (callers pass objects and the time).

use chrono::{DateTime, SecondsFormat, Utc};
use mamori_domain::policy::SharingScope;
use mamori_domain::sharing::{Audience, Severity};
use mamori_domain::sharing::{NewShared, NewSighting, SharedObject, Sighting};
use mamori_domain::Tlp;
use mamori_scan::indicator::{check, Kind};
use rand::RngCore;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The OASIS TLP 2.0 extension definition that marking definitions carry.
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// Largest object we keep, as JSON.
pub const MAX_OBJECT_BYTES: usize = 64 * 1024;

fn uuid_shape(bytes: [u8; 16], version: u8) -> String {
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    uuid_shape(b, 4)
}

/// A version 4 UUID from the caller's generator (the demo's is seeded, so its ids repeat).
pub fn uuid_from(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    uuid_shape(b, 4)
}

/// A stable UUID for a name (SHA-256 based, shaped as version 5).
pub fn uuid_for(name: &str) -> String {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid_shape(b, 5)
}

pub fn identity_id(organisation_code: &str) -> String {
    format!(
        "identity--{}",
        uuid_for(&format!("mamori-organisation:{organisation_code}"))
    )
}

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// TAXII's date added: microseconds, so that `added_after` can tell batches apart.
pub fn date_added(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The TLP 2.0 marking definition object, as the OASIS extension defines it.
pub fn marking_definition(tlp: Tlp) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.stix_id(),
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.label(),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.code().replace('_', "+")
            }
        }
    })
}

/// The object as this reader may see it: with its marking, its source unless it was posted
/// anonymously (the author's organisation and ISAC staff still see it), and `revoked`.
pub fn to_stix(o: &SharedObject, scope: &SharingScope) -> Value {
    let mut v = o.body.clone();
    if let Some(m) = v.as_object_mut() {
        m.insert("object_marking_refs".into(), json!([o.tlp.stix_id()]));
        if !o.anonymous || scope.sees_source(o.author_organisation) {
            m.insert("created_by_ref".into(), json!(identity_id(&o.author_code)));
        } else {
            m.remove("created_by_ref");
        }
        if o.revoked {
            m.insert("revoked".into(), json!(true));
        }
    }
    v
}

/// The identity of a source organisation.
pub fn identity(code: &str, name_en: &str) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(code),
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": name_en,
        "identity_class": "organization",
        "sectors": ["financial-services"]
    })
}

/// A bundle of objects with the marking definitions and identities they refer to.
pub fn bundle(objects: &[SharedObject], extra: Vec<Value>, scope: &SharingScope) -> Value {
    let mut markings: Vec<Tlp> = objects.iter().map(|o| o.tlp).collect();
    markings.sort();
    markings.dedup();
    let mut sources: Vec<(&str, &str)> = objects
        .iter()
        .filter(|o| !o.anonymous || scope.sees_source(o.author_organisation))
        .map(|o| (o.author_code.as_str(), o.author_name_en.as_str()))
        .collect();
    sources.sort();
    sources.dedup();
    let mut out: Vec<Value> = markings.into_iter().map(marking_definition).collect();
    out.extend(sources.into_iter().map(|(c, n)| identity(c, n)));
    out.extend(objects.iter().map(|o| to_stix(o, scope)));
    out.extend(extra);
    json!({"type": "bundle", "id": format!("bundle--{}", random_uuid()), "objects": out})
}

/// A sighting as STIX, for its reporter and for those who may see who sighted.
pub fn sighting_to_stix(s: &Sighting) -> Value {
    json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": s.stix_id,
        "created": timestamp(s.created_at),
        "modified": timestamp(s.created_at),
        "sighting_of_ref": s.indicator_stix_id,
        "count": s.count,
        "first_seen": timestamp(s.first_seen),
        "last_seen": timestamp(s.last_seen),
        "where_sighted_refs": [identity_id(&s.organisation_code)],
        "x_mamori_false_positive": s.false_positive,
    })
}

/// What arrives without saying it in the object itself.
#[derive(Debug, Clone, Copy)]
pub struct ImportDefaults {
    /// The marking of objects that carry none; `None` refuses unmarked objects.
    pub tlp: Option<Tlp>,
    pub anonymous: bool,
}

/// One incoming object, understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Object(Box<NewShared>),
    Sighting(NewSighting),
    /// Identities and TLP marking definitions: they describe, they are not stored (sources
    /// are the publishing organisation; markings are ours).
    Described,
}

/// Why one object was refused: a message key, and detail for the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    pub id: String,
    pub version: String,
    pub key: &'static str,
    pub detail: String,
}

fn is_stix_id(id: &str, kind: &str) -> bool {
    let Some(u) = id.strip_prefix(kind).and_then(|r| r.strip_prefix("--")) else {
        return false;
    };
    u.len() == 36
        && u.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn time_of(m: &Map<String, Value>, field: &str) -> Result<Option<DateTime<Utc>>, String> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| format!("{field}: {s}")),
        Some(_) => Err(field.to_string()),
    }
}

fn text<'a>(m: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    m.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Validates one STIX object and turns it into what we store.
pub fn parse_object(v: &Value, defaults: ImportDefaults) -> Result<Parsed, ObjectError> {
    let m = v.as_object();
    let id = m.and_then(|m| text(m, "id")).unwrap_or("").to_string();
    let version = m
        .and_then(|m| text(m, "modified").or_else(|| text(m, "created")))
        .unwrap_or("")
        .to_string();
    let fail = |key: &'static str, detail: String| ObjectError {
        id: id.clone(),
        version: version.clone(),
        key,
        detail,
    };
    let Some(m) = m else {
        return Err(fail("stix.not_an_object", String::new()));
    };
    let kind = text(m, "type").unwrap_or("");
    if !is_stix_id(&id, kind) {
        return Err(fail("stix.bad_id", id.clone()));
    }
    if v.to_string().len() > MAX_OBJECT_BYTES {
        return Err(fail(
            "stix.too_large",
            format!("{} KB", MAX_OBJECT_BYTES / 1024),
        ));
    }
    if kind == "marking-definition" {
        return match Tlp::from_stix_id(&id) {
            Some(_) => Ok(Parsed::Described),
            None => Err(fail("stix.unknown_marking", id.clone())),
        };
    }
    if m.get("spec_version").and_then(Value::as_str) != Some("2.1") {
        return Err(fail("stix.spec_version", String::new()));
    }
    let created = time_of(m, "created").map_err(|d| fail("stix.bad_time", d))?;
    let modified = time_of(m, "modified").map_err(|d| fail("stix.bad_time", d))?;
    let Some(created) = created else {
        return Err(fail("stix.missing", "created".into()));
    };
    if kind == "identity" {
        return Ok(Parsed::Described);
    }
    if modified.is_some_and(|t| t < created) {
        return Err(fail("stix.bad_time", "modified < created".into()));
    }
    let mut tlp = None;
    for r in m
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match r.as_str().and_then(Tlp::from_stix_id) {
            Some(t) => tlp = tlp.max(Some(t)),
            None => return Err(fail("stix.unknown_marking", r.to_string())),
        }
    }
    let confidence = match m.get("confidence") {
        None | Some(Value::Null) => None,
        Some(c) => match c.as_i64() {
            Some(c) if (0..=100).contains(&c) => Some(c),
            _ => return Err(fail("stix.bad_confidence", c.to_string())),
        },
    };
    if kind == "sighting" {
        let of = text(m, "sighting_of_ref").unwrap_or("");
        if !is_stix_id(of, "indicator") {
            return Err(fail("stix.sighting_of_indicator", of.to_string()));
        }
        let count = match m.get("count") {
            None => 1,
            Some(c) => match c.as_i64() {
                Some(c) if (0..=999_999_999).contains(&c) => c,
                _ => return Err(fail("stix.bad_count", c.to_string())),
            },
        };
        let first = time_of(m, "first_seen").map_err(|d| fail("stix.bad_time", d))?;
        let last = time_of(m, "last_seen").map_err(|d| fail("stix.bad_time", d))?;
        let first_seen = first.unwrap_or(created);
        let last_seen = last.unwrap_or(first_seen);
        if last_seen < first_seen {
            return Err(fail("stix.bad_time", "last_seen < first_seen".into()));
        }
        return Ok(Parsed::Sighting(NewSighting {
            stix_id: id.clone(),
            indicator_stix_id: of.to_string(),
            count,
            first_seen,
            last_seen,
            false_positive: m
                .get("x_mamori_false_positive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            created,
        }));
    }
    let Some(tlp) = tlp.or(defaults.tlp) else {
        return Err(fail("stix.unmarked", String::new()));
    };
    if tlp == Tlp::Red {
        return Err(fail("stix.red_in_bulk", String::new()));
    }
    let mut body = m.clone();
    body.remove("object_marking_refs");
    body.remove("created_by_ref");
    body.remove("revoked");
    let anonymous = m
        .get("x_mamori_anonymous")
        .and_then(Value::as_bool)
        .unwrap_or(defaults.anonymous);
    let revoked = m.get("revoked").and_then(Value::as_bool).unwrap_or(false);
    let mut out = NewShared {
        stix_id: id.clone(),
        stix_type: kind.to_string(),
        version: version.clone(),
        tlp,
        audience: Audience::Community,
        anonymous,
        revoked,
        kind: None,
        value: None,
        title: String::new(),
        severity: None,
        confidence,
        valid_from: None,
        valid_until: None,
        body: Value::Object(body),
        recipient_organisations: vec![],
        recipient_accounts: vec![],
    };
    match kind {
        "indicator" => {
            let found = mamori_scan::stix::indicators_of(v)
                .map_err(|e| fail("stix.bad_pattern", e.to_string()))?
                .ok_or_else(|| {
                    fail(
                        "stix.unsupported_pattern",
                        text(m, "pattern").unwrap_or("").to_string(),
                    )
                })?;
            let mut values = Vec::new();
            for ind in &found {
                let v = check(ind.kind, &ind.value)
                    .map_err(|e| fail("stix.bad_value", e.to_string()))?;
                values.push(v);
            }
            out.kind = found.first().map(|i| i.kind.code().to_string());
            out.value = Some(values.join(" "));
            let from = time_of(m, "valid_from").map_err(|d| fail("stix.bad_time", d))?;
            let until = time_of(m, "valid_until").map_err(|d| fail("stix.bad_time", d))?;
            let Some(from) = from else {
                return Err(fail("stix.missing", "valid_from".into()));
            };
            if until.is_some_and(|u| u <= from) {
                return Err(fail("stix.bad_time", "valid_until <= valid_from".into()));
            }
            out.valid_from = Some(from);
            out.valid_until = until;
            out.title = text(m, "name")
                .map(str::to_string)
                .or_else(|| out.value.clone())
                .unwrap_or_default();
        }
        "report" => {
            out.title = text(m, "name")
                .ok_or_else(|| fail("stix.missing", "name".into()))?
                .to_string();
            time_of(m, "published")
                .map_err(|d| fail("stix.bad_time", d))?
                .ok_or_else(|| fail("stix.missing", "published".into()))?;
            if m.get("object_refs")
                .and_then(Value::as_array)
                .is_none_or(|r| r.is_empty())
            {
                return Err(fail("stix.missing", "object_refs".into()));
            }
            out.severity = match text(m, "x_mamori_severity") {
                None => None,
                Some(s) => Some(
                    Severity::from_code(s)
                        .ok_or_else(|| fail("stix.bad_severity", s.to_string()))?,
                ),
            };
        }
        "observed-data" => {
            for f in ["first_observed", "last_observed"] {
                time_of(m, f)
                    .map_err(|d| fail("stix.bad_time", d))?
                    .ok_or_else(|| fail("stix.missing", f.into()))?;
            }
            match m.get("number_observed").and_then(Value::as_i64) {
                Some(n) if (1..=999_999_999).contains(&n) => {}
                _ => return Err(fail("stix.missing", "number_observed".into())),
            }
            out.title = format!("observed-data {}", text(m, "first_observed").unwrap_or(""));
        }
        other => return Err(fail("stix.unsupported_type", other.to_string())),
    }
    out.title = out.title.chars().take(300).collect();
    if out.version.is_empty() {
        out.version = timestamp(created);
    }
    Ok(Parsed::Object(Box::new(out)))
}

/// The STIX indicator a member describes in the form or the API.
#[allow(clippy::too_many_arguments)]
pub fn indicator_object(
    id: &str,
    kind: Kind,
    value: &str,
    name: Option<&str>,
    description: Option<&str>,
    confidence: Option<i64>,
    valid_from: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": timestamp(now),
        "modified": timestamp(now),
        "name": name.unwrap_or(value),
        "indicator_types": ["malicious-activity"],
        "pattern": kind.stix_pattern(value.trim()),
        "pattern_type": "stix",
        "valid_from": timestamp(valid_from),
    });
    if let Some(m) = o.as_object_mut() {
        if let Some(d) = description {
            m.insert("description".into(), json!(d));
        }
        if let Some(c) = confidence {
            m.insert("confidence".into(), json!(c));
        }
        if let Some(u) = valid_until {
            m.insert("valid_until".into(), json!(timestamp(u)));
        }
    }
    o
}

/// An advisory as a STIX report, with Japanese and English text.
pub struct AdvisoryText<'a> {
    pub title_ja: &'a str,
    pub title_en: &'a str,
    pub body_ja: &'a str,
    pub body_en: &'a str,
    pub severity: Severity,
    pub affected_products: &'a [String],
    pub indicators: &'a [String],
}

/// A report must refer to something; an advisory without indicators refers to its marking.
pub fn advisory_object(id: &str, a: &AdvisoryText, tlp: Tlp, now: DateTime<Utc>) -> Value {
    let refs: Vec<String> = if a.indicators.is_empty() {
        vec![tlp.stix_id().to_string()]
    } else {
        a.indicators.to_vec()
    };
    json!({
        "type": "report",
        "spec_version": "2.1",
        "id": id,
        "created": timestamp(now),
        "modified": timestamp(now),
        "name": a.title_en,
        "description": a.body_en,
        "report_types": ["threat-report"],
        "published": timestamp(now),
        "object_refs": refs,
        "x_mamori_name_ja": a.title_ja,
        "x_mamori_description_ja": a.body_ja,
        "x_mamori_severity": a.severity.code(),
        "x_mamori_affected_products": a.affected_products,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> ImportDefaults {
        ImportDefaults {
            tlp: Some(Tlp::Green),
            anonymous: false,
        }
    }

    #[test]
    fn what_we_write_we_read_back() {
        let now = Utc::now();
        for (kind, value) in [
            (Kind::Ipv4, "192.0.2.7"),
            (Kind::Cidr, "2001:db8::/32"),
            (Kind::Domain, "Evil.Example."),
            (Kind::Sha256, &"AB".repeat(32)),
            (Kind::CryptoAddress, "bc1qsynthetic0000000000000000000000"),
            (Kind::Url, "http://phish.example/it's"),
        ] {
            let o = indicator_object(
                &format!("indicator--{}", random_uuid()),
                kind,
                value,
                None,
                None,
                Some(70),
                now,
                None,
                now,
            );
            let Parsed::Object(p) = parse_object(&o, defaults()).unwrap() else {
                panic!("not an object")
            };
            assert_eq!(p.kind.as_deref(), Some(kind.code()));
            assert_eq!(p.value, Some(check(kind, value).unwrap()));
            assert_eq!(p.confidence, Some(70));
            assert_eq!(p.tlp, Tlp::Green);
        }
    }

    #[test]
    fn bad_objects_are_refused_with_a_reason() {
        let now = Utc::now();
        let good = indicator_object(
            "indicator--6f9e1c2a-0000-4000-8000-000000000001",
            Kind::Ipv4,
            "192.0.2.7",
            None,
            None,
            None,
            now,
            None,
            now,
        );
        let with = |f: &str, v: Value| {
            let mut o = good.clone();
            o.as_object_mut().unwrap().insert(f.into(), v);
            parse_object(&o, defaults()).map(|_| ()).map_err(|e| e.key)
        };
        assert_eq!(with("id", json!("indicator--nope")), Err("stix.bad_id"));
        assert_eq!(with("spec_version", json!("2.0")), Err("stix.spec_version"));
        assert_eq!(
            with("pattern", json!("[ipv4-addr:value = '999.1.1.1']")),
            Err("stix.bad_value")
        );
        assert_eq!(
            with(
                "pattern",
                json!("[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'a.example']")
            ),
            Err("stix.unsupported_pattern")
        );
        assert_eq!(
            with("pattern", json!("[ipv4-addr:value = ")),
            Err("stix.bad_pattern")
        );
        assert_eq!(with("confidence", json!(101)), Err("stix.bad_confidence"));
        assert_eq!(
            with("valid_until", json!("2000-01-01T00:00:00Z")),
            Err("stix.bad_time")
        );
        assert_eq!(
            with(
                "object_marking_refs",
                json!(["marking-definition--00000000-0000-4000-8000-000000000000"])
            ),
            Err("stix.unknown_marking")
        );
        assert_eq!(
            with("object_marking_refs", json!([Tlp::Red.stix_id()])),
            Err("stix.red_in_bulk")
        );
        assert_eq!(with("type", json!("malware")), Err("stix.bad_id"));
        let unmarked = parse_object(
            &good,
            ImportDefaults {
                tlp: None,
                anonymous: false,
            },
        );
        assert_eq!(unmarked.map_err(|e| e.key), Err("stix.unmarked"));
        // TLP 1.0 ids are read as their 2.0 equivalents.
        let mut v1 = good.clone();
        v1["object_marking_refs"] =
            json!(["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]);
        let Ok(Parsed::Object(p)) = parse_object(&v1, defaults()) else {
            panic!()
        };
        assert_eq!(p.tlp, Tlp::Amber);
    }

    /// What the `stix_object` fuzz target checks, on a deterministic sample of mutated
    /// objects in the ordinary test run: no panic, and what is accepted reads back the same.
    #[test]
    fn mutated_objects_never_panic_and_round_trip() {
        let now = Utc::now();
        let seeds = [
            indicator_object(
                "indicator--6f9e1c2a-0000-4000-8000-000000000001",
                Kind::Domain,
                "evil.example",
                Some("n"),
                None,
                Some(5),
                now,
                None,
                now,
            ),
            indicator_object(
                "indicator--6f9e1c2a-0000-4000-8000-000000000002",
                Kind::Cidr,
                "10.0.0.0/8",
                None,
                Some("d"),
                None,
                now,
                Some(now + chrono::Duration::days(1)),
                now,
            ),
            advisory_object(
                "report--6f9e1c2a-0000-4000-8000-000000000003",
                &AdvisoryText {
                    title_ja: "題",
                    title_en: "t",
                    body_ja: "本文",
                    body_en: "b",
                    severity: Severity::High,
                    affected_products: &[],
                    indicators: &[],
                },
                Tlp::Amber,
                now,
            ),
        ];
        let junk = [
            json!(null),
            json!(7),
            json!(-1),
            json!("x"),
            json!("2026-13-01T00:00:00Z"),
            json!([]),
            json!({}),
            json!("[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'a.example']"),
            json!(Tlp::Red.stix_id()),
            json!("indicator--x"),
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let defaults = ImportDefaults {
            tlp: Some(Tlp::Green),
            anonymous: false,
        };
        for _ in 0..5_000 {
            let mut o = seeds[(next() % 3) as usize].clone();
            let keys: Vec<String> = o
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for _ in 0..(next() % 3) {
                let k = &keys[(next() as usize) % keys.len()];
                if next() % 4 == 0 {
                    o.as_object_mut().map(|m| m.remove(k));
                } else {
                    o[k] = junk[(next() as usize) % junk.len()].clone();
                }
            }
            if let Ok(Parsed::Object(n)) = parse_object(&o, defaults) {
                let mut again = n.body.clone();
                again["object_marking_refs"] = json!([n.tlp.stix_id()]);
                match parse_object(&again, defaults) {
                    Ok(Parsed::Object(m)) => assert_eq!(
                        (m.stix_id, m.version, m.tlp, m.kind, m.value),
                        (n.stix_id, n.version, n.tlp, n.kind, n.value)
                    ),
                    other => panic!("accepted {o}, then refused its own body: {other:?}"),
                }
            }
        }
    }
}
