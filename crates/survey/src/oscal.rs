//! OSCAL 1.x catalog import (JSON or YAML, already parsed into a value).
//!
//! Groups become group items; a control with (active) sub-controls becomes a group; a control
//! without becomes a question answered yes / partial / no, asked with its statement. Controls
//! marked `status: withdrawn` are left out, as they are no longer part of the catalog.

use crate::framework::{AnswerType, Applicability, Framework, Item, Text};
use crate::{err, FrameworkError};
use serde_yaml::Value;

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn seq<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn withdrawn(v: &Value) -> bool {
    seq(v, "props")
        .iter()
        .any(|p| str_at(p, "name") == Some("status") && str_at(p, "value") == Some("withdrawn"))
}

/// The prose of the parts named `name`, including their nested parts, joined.
fn prose(v: &Value, name: &str) -> Option<String> {
    fn collect(v: &Value, out: &mut Vec<String>) {
        if let Some(p) = str_at(v, "prose") {
            out.push(p.trim().to_string());
        }
        for part in seq(v, "parts") {
            collect(part, out);
        }
    }
    let mut out = Vec::new();
    for part in seq(v, "parts")
        .iter()
        .filter(|p| str_at(p, "name") == Some(name))
    {
        collect(part, &mut out);
    }
    (!out.is_empty()).then(|| out.join("\n"))
}

/// A key from a title: lowercase ASCII words joined by hyphens.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').chars().take(60).collect()
}

struct Importer<'a> {
    file: &'a str,
    errors: Vec<FrameworkError>,
}

impl Importer<'_> {
    fn control(&mut self, v: &Value, path: &str) -> Option<Item> {
        if withdrawn(v) {
            return None;
        }
        let id = self.id(v, path)?;
        let path = format!("{path}[{id}]");
        let children: Vec<Item> = seq(v, "controls")
            .iter()
            .filter_map(|c| self.control(c, &format!("{path}.controls")))
            .collect();
        let title = str_at(v, "title").unwrap_or(&id).to_string();
        let statement = prose(v, "statement");
        let examples = prose(v, "example").or_else(|| prose(v, "guidance"));
        let mut item = Item {
            id: id.clone(),
            title: Text::en(&title),
            question: None,
            guidance: None,
            answer: None,
            weight: 1.0,
            tier: None,
            applies_to: Applicability::default(),
            when: None,
            maps_to: Vec::new(),
            items: children,
        };
        if item.items.is_empty() {
            // A leaf control is a question. Its title is often just its id; the statement says
            // what is being asked about.
            let question = statement.clone().unwrap_or_else(|| title.clone());
            if title == id {
                item.title = Text::en(&question);
            }
            item.question = Some(Text::en(&question));
            item.guidance = examples.map(|e| Text::en(&e));
            item.answer = Some(AnswerType::YesPartialNo);
        } else if let Some(s) = statement {
            item.guidance = Some(Text::en(&s));
        }
        Some(item)
    }

    fn group(&mut self, v: &Value, path: &str) -> Option<Item> {
        if withdrawn(v) {
            return None;
        }
        let id = self.id(v, path)?;
        let path = format!("{path}[{id}]");
        let mut items: Vec<Item> = seq(v, "groups")
            .iter()
            .filter_map(|g| self.group(g, &format!("{path}.groups")))
            .collect();
        items.extend(
            seq(v, "controls")
                .iter()
                .filter_map(|c| self.control(c, &format!("{path}.controls"))),
        );
        Some(Item {
            id: id.clone(),
            title: Text::en(str_at(v, "title").unwrap_or(&id)),
            question: None,
            guidance: prose(v, "overview")
                .or_else(|| prose(v, "statement"))
                .map(|p| Text::en(&p)),
            answer: None,
            weight: 1.0,
            tier: None,
            applies_to: Applicability::default(),
            when: None,
            maps_to: Vec::new(),
            items,
        })
    }

    fn id(&mut self, v: &Value, path: &str) -> Option<String> {
        match str_at(v, "id") {
            Some(id) if !id.trim().is_empty() => Some(id.to_string()),
            _ => {
                self.errors
                    .push(err(self.file, None, path, "a group or control has no id"));
                None
            }
        }
    }
}

/// Imports a catalog. `key` overrides the framework key (by default, a slug of the title).
pub fn import_with_key(
    file: &str,
    value: &Value,
    key: Option<&str>,
) -> Result<Framework, Vec<FrameworkError>> {
    let Some(catalog) = value.get("catalog") else {
        return Err(vec![err(file, None, "catalog", "not an OSCAL catalog")]);
    };
    let metadata = catalog.get("metadata");
    let title = metadata.and_then(|m| str_at(m, "title"));
    let version = metadata.and_then(|m| str_at(m, "version"));
    let mut importer = Importer {
        file,
        errors: Vec::new(),
    };
    if title.is_none() {
        importer.errors.push(err(
            file,
            None,
            "catalog.metadata.title",
            "required by OSCAL",
        ));
    }
    if version.is_none() {
        importer.errors.push(err(
            file,
            None,
            "catalog.metadata.version",
            "required by OSCAL",
        ));
    }
    let mut items: Vec<Item> = seq(catalog, "groups")
        .iter()
        .filter_map(|g| importer.group(g, "catalog.groups"))
        .collect();
    items.extend(
        seq(catalog, "controls")
            .iter()
            .filter_map(|c| importer.control(c, "catalog.controls")),
    );
    let framework = Framework {
        key: key
            .map(str::to_string)
            .unwrap_or_else(|| slug(title.unwrap_or(""))),
        version: version.unwrap_or("").to_string(),
        name: Text::en(title.unwrap_or("")),
        description: None,
        source: None,
        levels: Vec::new(),
        items,
    };
    if framework.assessable_items() == 0 {
        importer.errors.push(err(
            file,
            None,
            "catalog",
            "the catalog has no (active) controls",
        ));
    }
    if let Err(mut more) = crate::format::check(file, "", &framework) {
        importer.errors.append(&mut more);
    }
    if importer.errors.is_empty() {
        Ok(framework)
    } else {
        Err(importer.errors)
    }
}

pub fn import(file: &str, value: &Value) -> Result<Framework, Vec<FrameworkError>> {
    import_with_key(file, value, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Electronic Version of NIST Cybersecurity Framework 2.0"),
            "electronic-version-of-nist-cybersecurity-framework-2-0"
        );
        assert_eq!(slug("  A--B  "), "a-b");
    }

    #[test]
    fn withdrawn_controls_are_left_out_and_leaves_become_questions() {
        let yaml = r#"
catalog:
  uuid: 00000000-0000-4000-8000-000000000000
  metadata: { title: Tiny, version: "1.0" }
  groups:
    - id: A
      title: Group A
      controls:
        - id: A-1
          title: A-1
          parts: [{ id: A-1_smt, name: statement, prose: "Do the thing" }]
        - id: A-2
          title: A-2
          props: [{ name: status, value: withdrawn }]
"#;
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        let f = import("tiny.yaml", &v).unwrap();
        assert_eq!(f.items_per_level(), vec![1, 1]);
        let q = &f.items[0].items[0];
        assert_eq!(q.question.as_ref().unwrap().en, "Do the thing");
        assert_eq!(q.title.en, "Do the thing");
        assert_eq!(f.key, "tiny");
    }

    #[test]
    fn a_catalog_without_metadata_or_controls_is_refused() {
        let v: Value = serde_yaml::from_str("catalog: { groups: [] }").unwrap();
        let errs = import("bad.yaml", &v).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"catalog.metadata.title") && fields.contains(&"catalog"),
            "{fields:?}"
        );
    }
}
