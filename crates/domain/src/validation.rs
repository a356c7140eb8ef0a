//! Field-level validation errors. A field error carries a message key, so that the CLI, the
//! API and the UI can each say it in the user's language.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (for CSV rows, the column) at fault.
    pub field: String,
    /// A stable message key, e.g. `invalid.required`.
    pub key: String,
    /// The offending value when it helps the user, truncated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, key: &str) -> FieldError {
        FieldError {
            field: field.to_string(),
            key: key.to_string(),
            value: None,
        }
    }

    pub fn with_value(mut self, value: &str) -> FieldError {
        self.value = Some(value.chars().take(80).collect());
        self
    }
}

/// Collects field errors while validating one input.
#[derive(Debug, Default)]
pub struct Validator {
    pub errors: Vec<FieldError>,
}

impl Validator {
    /// A required, trimmed text of at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.errors.push(FieldError::new(field, "invalid.required"));
        } else if v.chars().count() > max {
            self.errors.push(FieldError::new(field, "invalid.too_long"));
        } else if v.chars().any(|c| c.is_control()) {
            self.errors
                .push(FieldError::new(field, "invalid.control_chars"));
        }
        v.to_string()
    }

    /// An optional trimmed text; empty becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        if v.chars().count() > max {
            self.errors.push(FieldError::new(field, "invalid.too_long"));
        } else if v.chars().any(|c| c.is_control()) {
            self.errors
                .push(FieldError::new(field, "invalid.control_chars"));
        }
        Some(v.to_string())
    }

    /// A code from a closed vocabulary.
    pub fn code<T>(
        &mut self,
        field: &str,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let v = value.trim();
        if v.is_empty() {
            self.errors.push(FieldError::new(field, "invalid.required"));
            return None;
        }
        let parsed = parse(v);
        if parsed.is_none() {
            self.errors
                .push(FieldError::new(field, "invalid.unknown_code").with_value(v));
        }
        parsed
    }

    /// A plausible e-mail address: one `@`, something on both sides, a dot in the domain.
    pub fn optional_email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let v = self.optional_text(field, value, 254)?;
        let ok = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.contains(char::is_whitespace)
                    && !domain.contains('@')
            }
            None => false,
        };
        if !ok {
            self.errors
                .push(FieldError::new(field, "invalid.email").with_value(&v));
        }
        Some(v)
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_and_length() {
        let mut v = Validator::default();
        v.text("name", "  ", 10);
        v.text("other", "12345678901", 10);
        assert_eq!(v.errors[0].key, "invalid.required");
        assert_eq!(v.errors[1].key, "invalid.too_long");
    }

    #[test]
    fn email() {
        let mut v = Validator::default();
        v.optional_email("e", Some("a@b.example"));
        assert!(v.errors.is_empty());
        v.optional_email("e", Some("a@b"));
        v.optional_email("e", Some("a b@c.example"));
        assert_eq!(v.errors.len(), 2);
    }
}
