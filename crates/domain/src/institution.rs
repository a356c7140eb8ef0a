//! Institutions and their contacts: the records of the registry, and the one validation rule
//! that the API, the web forms and CSV import all share.

use crate::registry::{Bureau, IsacMembership, OrganisationKind, Prefecture, Sector, SizeTier};
use crate::validation::{FieldError, Validator};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A supervised institution.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Institution {
    pub id: i64,
    /// Stable registry code, unique across organisations (e.g. `RB-0012`).
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub sector: Sector,
    pub size_tier: SizeTier,
    /// Supervising office: `fsa` for institutions the FSA supervises itself.
    pub bureau: Bureau,
    pub prefecture: Prefecture,
    /// Financial group the institution belongs to, if any.
    pub group_name: Option<String>,
    pub isac_membership: IsacMembership,
    /// Whether every account of this institution must use a second factor.
    pub require_totp: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Institution {
    /// The attributes that an edit form or a CSV row would carry.
    pub fn input(&self) -> InstitutionInput {
        InstitutionInput {
            code: self.code.clone(),
            name_ja: self.name_ja.clone(),
            name_en: self.name_en.clone(),
            sector: self.sector,
            size_tier: self.size_tier,
            bureau: self.bureau,
            prefecture: self.prefecture,
            group_name: self.group_name.clone(),
            isac_membership: self.isac_membership,
            require_totp: self.require_totp,
        }
    }

    pub fn policy_ref(&self) -> crate::policy::InstitutionRef {
        crate::policy::InstitutionRef {
            id: self.id,
            bureau: self.bureau,
        }
    }
}

/// An organisation that is not supervised: the FSA, a bureau, the ISAC, FISC, an association.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub code: String,
    pub kind: OrganisationKind,
    pub name_ja: String,
    pub name_en: String,
    /// For bureaus, the office they are.
    pub bureau: Option<Bureau>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Institution fields as they arrive from a form, a CSV row or a JSON body: all text, so that
/// every source gets the same validation and the same messages.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionFields {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub sector: String,
    pub size_tier: String,
    pub bureau: String,
    pub prefecture: String,
    #[serde(default)]
    pub group_name: Option<String>,
    #[serde(default)]
    pub isac_membership: Option<String>,
    #[serde(default)]
    pub require_totp: Option<bool>,
}

/// Validated institution attributes, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct InstitutionInput {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub sector: Sector,
    pub size_tier: SizeTier,
    pub bureau: Bureau,
    pub prefecture: Prefecture,
    pub group_name: Option<String>,
    pub isac_membership: IsacMembership,
    pub require_totp: bool,
}

impl InstitutionFields {
    pub fn validate(&self) -> Result<InstitutionInput, Vec<FieldError>> {
        let mut v = Validator::default();
        let code = v.text("code", &self.code, 32);
        if !code.is_empty()
            && !code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            v.errors
                .push(FieldError::new("code", "invalid.code_format").with_value(&code));
        }
        let name_ja = v.text("name_ja", &self.name_ja, 200);
        let name_en = v.text("name_en", &self.name_en, 200);
        let sector = v.code("sector", &self.sector, Sector::from_code);
        let size_tier = v.code("size_tier", &self.size_tier, SizeTier::from_code);
        let bureau = v.code("bureau", &self.bureau, Bureau::from_code);
        let prefecture = v.code("prefecture", &self.prefecture, Prefecture::from_code);
        let group_name = v.optional_text("group_name", self.group_name.as_deref(), 200);
        let isac_membership = match self.isac_membership.as_deref().map(str::trim) {
            None | Some("") => Some(IsacMembership::None),
            Some(m) => v.code("isac_membership", m, IsacMembership::from_code),
        };
        // The supervising office is either the FSA itself or the office of the prefecture.
        if let (Some(b), Some(p)) = (bureau, prefecture) {
            if b != Bureau::Fsa && b != p.bureau() {
                v.errors.push(
                    FieldError::new("bureau", "invalid.bureau_prefecture").with_value(b.code()),
                );
            }
        }
        match (sector, size_tier, bureau, prefecture, isac_membership) {
            (
                Some(sector),
                Some(size_tier),
                Some(bureau),
                Some(prefecture),
                Some(isac_membership),
            ) => v.finish(InstitutionInput {
                code,
                name_ja,
                name_en,
                sector,
                size_tier,
                bureau,
                prefecture,
                group_name,
                isac_membership,
                require_totp: self.require_totp.unwrap_or(false),
            }),
            _ => Err(v.errors),
        }
    }
}

impl From<&InstitutionInput> for InstitutionFields {
    fn from(i: &InstitutionInput) -> Self {
        InstitutionFields {
            code: i.code.clone(),
            name_ja: i.name_ja.clone(),
            name_en: i.name_en.clone(),
            sector: i.sector.code().into(),
            size_tier: i.size_tier.code().into(),
            bureau: i.bureau.code().into(),
            prefecture: i.prefecture.code().into(),
            group_name: i.group_name.clone(),
            isac_membership: Some(i.isac_membership.code().into()),
            require_totp: Some(i.require_totp),
        }
    }
}

impl From<&Institution> for InstitutionFields {
    fn from(i: &Institution) -> Self {
        InstitutionFields::from(&i.input())
    }
}

/// Contact fields as they arrive from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactFields {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactInput {
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl ContactFields {
    pub fn validate(&self) -> Result<ContactInput, Vec<FieldError>> {
        let mut v = Validator::default();
        let name = v.text("name", &self.name, 120);
        let title = v.optional_text("title", self.title.as_deref(), 120);
        let email = v.optional_email("email", self.email.as_deref());
        let phone = v.optional_text("phone", self.phone.as_deref(), 40);
        if let Some(p) = &phone {
            if !p.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c)) {
                v.errors
                    .push(FieldError::new("phone", "invalid.phone").with_value(p));
            }
        }
        v.finish(ContactInput {
            name,
            title,
            email,
            phone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> InstitutionFields {
        InstitutionFields {
            code: "RB-0001".into(),
            name_ja: "みどり銀行".into(),
            name_en: "Midori Bank".into(),
            sector: "regional_bank".into(),
            size_tier: "medium".into(),
            bureau: "kinki".into(),
            prefecture: "osaka".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_fields() {
        let i = fields().validate().unwrap();
        assert_eq!(i.sector, Sector::RegionalBank);
        assert_eq!(i.isac_membership, IsacMembership::None);
    }

    #[test]
    fn bureau_must_match_prefecture_unless_fsa() {
        let mut f = fields();
        f.bureau = "kanto".into();
        let errs = f.validate().unwrap_err();
        assert_eq!(errs[0].key, "invalid.bureau_prefecture");
        f.bureau = "fsa".into();
        assert!(f.validate().is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let f = InstitutionFields {
            code: "bad code".into(),
            sector: "bank".into(),
            ..Default::default()
        };
        let errs = f.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "code",
            "name_ja",
            "name_en",
            "sector",
            "size_tier",
            "bureau",
            "prefecture",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }
}
