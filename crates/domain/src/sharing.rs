//! Mutual aid's vocabulary: what members share (advisories and indicators), with whom
//! (an audience under a TLP marking), and the rights of trial members. Who may read what is
//! decided in [`crate::policy`] (`sharing_scope`, `SharingScope::can_read`).

use crate::tlp::Tlp;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::registry::vocabulary! {
    /// How severe an advisory says the threat is.
    Severity { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
}

crate::registry::vocabulary! {
    /// Whom a shared object is addressed to, within what its marking allows.
    /// `community`: everyone in the sharing community whose membership reaches the
    /// marking; `listed`: the listed organisations (AMBER, AMBER+STRICT) or the listed
    /// people (RED) only.
    Audience { Community => "community", Listed => "listed" }
}

crate::registry::vocabulary! {
    /// Outreach events: who organised them.
    Organiser { Fsa => "fsa", Bureau => "bureau", Fisc => "fisc", Isac => "isac" }
}

crate::registry::vocabulary! {
    /// Outreach events: for whom.
    EventAudience { Executives => "executives", Staff => "staff" }
}

crate::registry::vocabulary! {
    /// Outreach events: a seminar (talks) or a workshop (hands-on).
    EventKind { Seminar => "seminar", Workshop => "workshop" }
}

/// What trial members may do. The ISAC sets it; the defaults follow the idea of a trial:
/// read what the community shares openly, contribute, but no machine feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialPolicy {
    /// The most restricted marking a trial member reads when it is shared with the
    /// community (GREEN by default; AMBER+STRICT at most).
    pub max_tlp: Tlp,
    /// Whether trial members may post advisories, indicators and sightings.
    pub may_post: bool,
    /// Whether trial members may use the TAXII server.
    pub may_use_taxii: bool,
}

impl Default for TrialPolicy {
    fn default() -> Self {
        TrialPolicy {
            max_tlp: Tlp::Green,
            may_post: true,
            may_use_taxii: false,
        }
    }
}

/// What the policy needs to know about one shared object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRef {
    pub tlp: Tlp,
    pub audience: Audience,
    pub author_organisation: i64,
    pub author_account: Option<i64>,
    pub revoked: bool,
    /// Organisations listed as recipients (AMBER, AMBER+STRICT with a listed audience).
    pub recipient_organisations: Vec<i64>,
    /// People listed as recipients (RED).
    pub recipient_accounts: Vec<i64>,
}

/// Checks what an author asks for before anything is stored: RED goes to named people,
/// AMBER+STRICT and AMBER either to the community or to listed organisations, GREEN and
/// CLEAR to the community. Returns the message key of the first problem.
pub fn check_addressing(
    tlp: Tlp,
    audience: Audience,
    organisations: usize,
    accounts: usize,
) -> Result<(), &'static str> {
    match (tlp, audience) {
        (Tlp::Red, Audience::Listed) if accounts > 0 && organisations == 0 => Ok(()),
        (Tlp::Red, _) => Err("invalid.red_needs_people"),
        (Tlp::Amber | Tlp::AmberStrict, Audience::Listed) if organisations > 0 && accounts == 0 => {
            Ok(())
        }
        (Tlp::Amber | Tlp::AmberStrict, Audience::Listed) => {
            Err("invalid.listed_needs_organisations")
        }
        (_, Audience::Community) if organisations == 0 && accounts == 0 => Ok(()),
        _ => Err("invalid.audience"),
    }
}

/// One version of a shared object as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedObject {
    pub id: i64,
    pub stix_id: String,
    pub stix_type: String,
    /// The STIX `modified` timestamp as written: the version.
    pub version: String,
    /// When this version reached us (TAXII's date added).
    pub added_at: DateTime<Utc>,
    pub latest: bool,
    pub tlp: Tlp,
    pub audience: Audience,
    pub author_organisation: i64,
    pub author_code: String,
    pub author_name_ja: String,
    pub author_name_en: String,
    pub author_account: Option<i64>,
    pub anonymous: bool,
    pub revoked: bool,
    /// Indicators: the kind (`mamori_scan::indicator::Kind` code) and the value as compared.
    pub kind: Option<String>,
    pub value: Option<String>,
    pub title: String,
    pub severity: Option<Severity>,
    pub confidence: Option<i64>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// The STIX object without `created_by_ref` and `object_marking_refs`, which are added
    /// on the way out according to who reads it.
    pub body: serde_json::Value,
}

/// A new object or a new version of one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewShared {
    pub stix_id: String,
    pub stix_type: String,
    pub version: String,
    pub tlp: Tlp,
    pub audience: Audience,
    pub anonymous: bool,
    pub revoked: bool,
    pub kind: Option<String>,
    pub value: Option<String>,
    pub title: String,
    pub severity: Option<Severity>,
    pub confidence: Option<i64>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub body: serde_json::Value,
    pub recipient_organisations: Vec<i64>,
    pub recipient_accounts: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sighting {
    pub id: i64,
    pub stix_id: String,
    pub indicator_stix_id: String,
    pub organisation_id: i64,
    pub organisation_code: String,
    pub organisation_name_ja: String,
    pub organisation_name_en: String,
    pub count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub false_positive: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSighting {
    pub stix_id: String,
    pub indicator_stix_id: String,
    pub count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub false_positive: bool,
    /// When the reporter created it (a STIX sighting's `created`).
    pub created: DateTime<Utc>,
}

impl SharedObject {
    /// What the policy needs to decide about this object, with its recipients.
    pub fn policy_ref(&self, recipients: &Recipients) -> SharedRef {
        SharedRef {
            tlp: self.tlp,
            audience: self.audience,
            author_organisation: self.author_organisation,
            author_account: self.author_account,
            revoked: self.revoked,
            recipient_organisations: recipients.organisations.clone(),
            recipient_accounts: recipients.accounts.clone(),
        }
    }
}

/// Whom a listed object is addressed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recipients {
    pub organisations: Vec<i64>,
    pub accounts: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addressing_follows_the_marking() {
        use Audience::*;
        assert_eq!(check_addressing(Tlp::Red, Listed, 0, 2), Ok(()));
        assert!(check_addressing(Tlp::Red, Community, 0, 0).is_err());
        assert!(check_addressing(Tlp::Red, Listed, 1, 1).is_err());
        assert_eq!(check_addressing(Tlp::AmberStrict, Listed, 3, 0), Ok(()));
        assert_eq!(check_addressing(Tlp::Amber, Community, 0, 0), Ok(()));
        assert!(check_addressing(Tlp::Amber, Listed, 0, 0).is_err());
        assert!(check_addressing(Tlp::Green, Listed, 1, 0).is_err());
        assert_eq!(check_addressing(Tlp::Clear, Community, 0, 0), Ok(()));
    }
}
