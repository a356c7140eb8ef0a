//! The tenant policy: the one place that decides who may see and change what.
//!
//! Handlers never filter by organisation themselves. They ask this module for a scope
//! ([`institution_scope`], [`audit_scope`]) and hand it to the storage layer, which turns it
//! into a `WHERE` clause; or they ask [`check_institution`] about one record they fetched
//! through such a scope. An auditor who wants to know why a user could see a record reads
//! this file and nothing else.

use crate::registry::{Bureau, IsacMembership};
use crate::role::Role;
use crate::sharing::{Audience, SharedRef, TrialPolicy};
use crate::tlp::Tlp;
use serde::Serialize;

/// The authenticated account on whose behalf a request runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub account_id: i64,
    pub username: String,
    pub role: Role,
    pub organisation_id: i64,
    /// The regional office of the account's organisation, when that organisation is a bureau
    /// (for bureau supervisors) or an institution.
    pub organisation_bureau: Option<Bureau>,
    /// The organisation requires a second factor and this account has none yet: until it
    /// enrols, the account may only reach its own account page.
    pub must_enrol_totp: bool,
    /// The ISAC membership of the account's organisation (`None` for every organisation that
    /// is not a member institution): who belongs to the sharing community.
    pub isac_membership: IsacMembership,
}

/// Which institutions a principal may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstitutionScope {
    All,
    Bureau(Bureau),
    Only(i64),
    Nothing,
}

/// The attributes of an institution that the policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstitutionRef {
    pub id: i64,
    pub bureau: Bureau,
}

impl InstitutionScope {
    pub fn contains(self, inst: InstitutionRef) -> bool {
        match self {
            InstitutionScope::All => true,
            InstitutionScope::Bureau(b) => inst.bureau == b,
            InstitutionScope::Only(id) => inst.id == id,
            InstitutionScope::Nothing => false,
        }
    }
}

/// The institutions a principal may read: supervisors their jurisdiction, institution staff
/// their own institution, the ISAC and exercise controllers the whole population (they run
/// membership and exercises for it), council members none (they see only escalated
/// summaries, which are not registry data).
pub fn institution_scope(p: &Principal) -> InstitutionScope {
    match p.role {
        Role::SystemAdmin | Role::FsaSupervisor | Role::IsacAnalyst | Role::ExerciseController => {
            InstitutionScope::All
        }
        Role::BureauSupervisor => match p.organisation_bureau {
            Some(b) if b != Bureau::Fsa => InstitutionScope::Bureau(b),
            _ => InstitutionScope::Nothing,
        },
        Role::InstitutionAdmin | Role::InstitutionMember => {
            InstitutionScope::Only(p.organisation_id)
        }
        Role::CouncilMember => InstitutionScope::Nothing,
    }
}

/// Whose survey answers a principal may read: supervisors their jurisdiction, institution
/// staff their own. Answers are supervisory information: the ISAC, exercise controllers,
/// council members and the system administrator do not see them.
pub fn survey_scope(p: &Principal) -> InstitutionScope {
    match p.role {
        Role::FsaSupervisor => InstitutionScope::All,
        Role::BureauSupervisor | Role::InstitutionAdmin | Role::InstitutionMember => {
            institution_scope(p)
        }
        Role::SystemAdmin | Role::IsacAnalyst | Role::ExerciseController | Role::CouncilMember => {
            InstitutionScope::Nothing
        }
    }
}

/// Actions on one institution's survey assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentAction {
    Read,
    /// Save answers and submit: the institution's own staff.
    Answer,
    /// Return, accept, extend the deadline: its supervisors.
    Review,
}

pub fn check_assignment(
    p: &Principal,
    action: AssignmentAction,
    inst: InstitutionRef,
) -> Result<(), Denied> {
    if !survey_scope(p).contains(inst) {
        return Err(Denied::NotFound);
    }
    let allowed = match action {
        AssignmentAction::Read => true,
        AssignmentAction::Answer => p.role.is_institution_role(),
        AssignmentAction::Review => matches!(p.role, Role::FsaSupervisor | Role::BureauSupervisor),
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// Whether a principal may read one institution's results: its scores, risk profile,
/// benchmark and feedback. The same people who may read its answers may read what is
/// computed from them. Peer figures in a benchmark are computed over the whole population but
/// reach the reader only as anonymised distributions (`mamori_analytics::MIN_PEER_GROUP`).
pub fn check_results(p: &Principal, inst: InstitutionRef) -> Result<(), Denied> {
    if survey_scope(p).contains(inst) {
        Ok(())
    } else {
        Err(Denied::NotFound)
    }
}

/// Which audit records a principal may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    All,
    /// Records about the bureau's institutions and about the bureau itself.
    Bureau {
        bureau: Bureau,
        own_organisation: i64,
    },
    Organisation(i64),
    Nothing,
}

pub fn audit_scope(p: &Principal) -> AuditScope {
    match p.role {
        Role::SystemAdmin | Role::FsaSupervisor => AuditScope::All,
        Role::BureauSupervisor => match p.organisation_bureau {
            Some(b) if b != Bureau::Fsa => AuditScope::Bureau {
                bureau: b,
                own_organisation: p.organisation_id,
            },
            _ => AuditScope::Organisation(p.organisation_id),
        },
        Role::InstitutionAdmin => AuditScope::Organisation(p.organisation_id),
        Role::IsacAnalyst | Role::ExerciseController | Role::CouncilMember => {
            AuditScope::Organisation(p.organisation_id)
        }
        Role::InstitutionMember => AuditScope::Nothing,
    }
}

/// Actions that are not about one particular institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Browse the institution registry (within [`institution_scope`]).
    ViewRegistry,
    /// Create institutions and import the registry from CSV.
    CreateInstitution,
    /// Browse the non-supervised organisations (FSA, bureaus, ISAC, FISC, associations).
    ViewOrganisations,
    /// Browse the audit trail (within [`audit_scope`]).
    ViewAudit,
    /// Manage accounts of every organisation.
    ManageAccounts,
    /// See survey campaigns (an institution sees those it takes part in).
    ViewSurveys,
    /// Create and close campaigns.
    ManageCampaigns,
    /// Import frameworks into the library.
    ManageFrameworks,
    /// Review survey answers of the institutions in one's survey scope (return, accept,
    /// extend, remind). Which assignment exactly is decided by `check_assignment`.
    ReviewSurveys,
    /// See risk profiles and the supervisory priority list of the institutions in one's
    /// survey scope.
    ViewSupervision,
    /// Generate the sector report. It holds only aggregates that obey the anonymity rule
    /// (no group of fewer than five), so every supervisor may produce it.
    SectorReports,
    /// See outreach events and participation rates (aggregates by sector and region).
    ViewOutreach,
    /// Record seminars and workshops with their attendance: their organisers.
    ManageOutreach,
}

pub fn allows(p: &Principal, permission: Permission) -> bool {
    use Role::*;
    match permission {
        Permission::ViewRegistry => institution_scope(p) != InstitutionScope::Nothing,
        Permission::CreateInstitution => matches!(p.role, SystemAdmin | FsaSupervisor),
        Permission::ViewOrganisations => !p.role.is_institution_role(),
        Permission::ViewAudit => audit_scope(p) != AuditScope::Nothing,
        Permission::ManageAccounts => p.role == SystemAdmin,
        Permission::ViewSurveys => survey_scope(p) != InstitutionScope::Nothing,
        Permission::ManageCampaigns => p.role == FsaSupervisor,
        Permission::ManageFrameworks => matches!(p.role, SystemAdmin | FsaSupervisor),
        Permission::ReviewSurveys => matches!(p.role, FsaSupervisor | BureauSupervisor),
        Permission::ViewSupervision | Permission::SectorReports => {
            matches!(p.role, FsaSupervisor | BureauSupervisor)
        }
        Permission::ViewOutreach | Permission::ManageOutreach => {
            matches!(p.role, FsaSupervisor | BureauSupervisor | IsacAnalyst)
        }
    }
}

/// Actions on one institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstitutionAction {
    Read,
    /// Change registry attributes: name, sector, tier, office, prefecture, group, membership.
    EditAttributes,
    /// Add or remove contacts.
    EditContacts,
}

/// Why a request about one institution is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Outside the principal's scope: answered as if the record did not exist, so that an
    /// institution cannot probe which ids exist.
    #[error("not found")]
    NotFound,
    /// Visible, but the principal's role may not do this.
    #[error("forbidden")]
    Forbidden,
}

pub fn check_institution(
    p: &Principal,
    action: InstitutionAction,
    inst: InstitutionRef,
) -> Result<(), Denied> {
    if !institution_scope(p).contains(inst) {
        return Err(Denied::NotFound);
    }
    let allowed = match action {
        InstitutionAction::Read => true,
        InstitutionAction::EditAttributes => matches!(
            p.role,
            Role::SystemAdmin | Role::FsaSupervisor | Role::BureauSupervisor
        ),
        InstitutionAction::EditContacts => matches!(
            p.role,
            Role::SystemAdmin
                | Role::FsaSupervisor
                | Role::BureauSupervisor
                | Role::InstitutionAdmin
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// What a principal may read of what members share (advisories, indicators, their
/// sightings). Computed by [`sharing_scope`]; `store::Sql::sharing_scope` is its only
/// translation into SQL, and a conformance test checks the two agree on every combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharingScope {
    pub organisation_id: i64,
    pub account_id: i64,
    /// The most restricted marking this principal reads when an object is shared with the
    /// whole community; `None` outside the community (then CLEAR, and what is addressed to
    /// one's organisation or oneself by name).
    pub community: Option<Tlp>,
    /// ISAC staff: curate, and read GREEN and AMBER whoever they are addressed to, with the
    /// sources of anonymous posts and every sighting. AMBER+STRICT and RED still reach them
    /// only when the ISAC or they themselves are named: those markings leave no exception.
    pub staff: bool,
    /// A feed (TAXII, STIX export): AMBER+STRICT and RED never go out in one.
    pub feed: bool,
}

/// The sharing community: full members read up to AMBER+STRICT, trial members up to what the
/// trial policy allows, ISAC staff everything shared with the community. Supervisors are not
/// members: the FSA and the bureaus see CLEAR and what is addressed to them, so mutual aid
/// stays a members' space, as the source document intends.
pub fn sharing_scope(p: &Principal, trial: &TrialPolicy) -> SharingScope {
    let member = p.role.is_institution_role();
    let community = match (p.role, p.isac_membership) {
        (Role::IsacAnalyst, _) => Some(Tlp::AmberStrict),
        (_, IsacMembership::Full) if member => Some(Tlp::AmberStrict),
        (_, IsacMembership::Trial) if member => Some(trial.max_tlp.min(Tlp::AmberStrict)),
        _ => None,
    };
    SharingScope {
        organisation_id: p.organisation_id,
        account_id: p.account_id,
        community,
        staff: p.role == Role::IsacAnalyst,
        feed: false,
    }
}

impl SharingScope {
    pub fn for_feed(self) -> SharingScope {
        SharingScope { feed: true, ..self }
    }

    fn reaches(self, tlp: Tlp) -> bool {
        self.community.is_some_and(|c| tlp <= c)
    }

    /// Whether the principal may read this object. The SQL translation must say the same.
    pub fn can_read(&self, o: &SharedRef) -> bool {
        if self.feed && !o.tlp.may_be_fed() {
            return false;
        }
        // Revoked objects stay visible to their authors and the ISAC, who must see what
        // was withdrawn; everyone else stops seeing them.
        if o.revoked && !self.staff && o.author_organisation != self.organisation_id {
            return false;
        }
        if o.author_account == Some(self.account_id) {
            return true;
        }
        let listed_org = o.recipient_organisations.contains(&self.organisation_id);
        match o.tlp {
            Tlp::Clear => true,
            Tlp::Green => {
                o.author_organisation == self.organisation_id
                    || self.staff
                    || self.reaches(Tlp::Green)
            }
            Tlp::Amber | Tlp::AmberStrict => {
                o.author_organisation == self.organisation_id
                    || (self.staff && o.tlp == Tlp::Amber)
                    || match o.audience {
                        Audience::Community => self.reaches(o.tlp),
                        Audience::Listed => listed_org,
                    }
            }
            Tlp::Red => o.recipient_accounts.contains(&self.account_id),
        }
    }

    /// Whether the principal may see which organisation posted an anonymous object: its
    /// own organisation and ISAC staff.
    pub fn sees_source(&self, author_organisation: i64) -> bool {
        self.staff || author_organisation == self.organisation_id
    }

    /// Whether the principal may see which organisations reported sightings of an
    /// indicator: its author organisation and ISAC staff. Everyone else who can read the
    /// indicator sees how many organisations saw it, and its own sightings.
    pub fn sees_sighters(&self, author_organisation: i64) -> bool {
        self.sees_source(author_organisation)
    }
}

/// Actions in mutual aid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharingAction {
    /// Post advisories and indicators, import bundles, report sightings.
    Post,
    /// Revoke or restore anyone's object, change the trial policy: ISAC analysts.
    Curate,
    /// Use the TAXII server.
    Taxii,
}

pub fn check_sharing(
    p: &Principal,
    action: SharingAction,
    trial: &TrialPolicy,
) -> Result<(), Denied> {
    let member = p.role.is_institution_role();
    let allowed = match action {
        SharingAction::Post => {
            p.role == Role::IsacAnalyst
                || (member && p.isac_membership == IsacMembership::Full)
                || (member && p.isac_membership == IsacMembership::Trial && trial.may_post)
        }
        SharingAction::Curate => p.role == Role::IsacAnalyst,
        // Anyone signed in reads CLEAR and what is addressed to them; only trial members may
        // be held back by the trial policy.
        SharingAction::Taxii => {
            !(member && p.isac_membership == IsacMembership::Trial && !trial.may_use_taxii)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// Whether the principal may revoke (or restore) this object: its author organisation's
/// members, and ISAC staff.
pub fn may_revoke(p: &Principal, author_organisation: i64) -> bool {
    p.role == Role::IsacAnalyst
        || (p.role.is_institution_role() && p.organisation_id == author_organisation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, org: i64, bureau: Option<Bureau>) -> Principal {
        Principal {
            account_id: 1,
            username: "u".into(),
            role,
            organisation_id: org,
            organisation_bureau: bureau,
            must_enrol_totp: false,
            isac_membership: IsacMembership::None,
        }
    }

    const IN_KINKI: InstitutionRef = InstitutionRef {
        id: 10,
        bureau: Bureau::Kinki,
    };
    const IN_KANTO: InstitutionRef = InstitutionRef {
        id: 11,
        bureau: Bureau::Kanto,
    };

    #[test]
    fn bureau_supervisor_sees_only_its_bureau() {
        let p = principal(Role::BureauSupervisor, 2, Some(Bureau::Kinki));
        assert_eq!(
            check_institution(&p, InstitutionAction::Read, IN_KINKI),
            Ok(())
        );
        assert_eq!(
            check_institution(&p, InstitutionAction::Read, IN_KANTO),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn institution_member_sees_itself_and_cannot_edit() {
        let p = principal(Role::InstitutionMember, 10, Some(Bureau::Kinki));
        assert_eq!(
            check_institution(&p, InstitutionAction::Read, IN_KINKI),
            Ok(())
        );
        assert_eq!(
            check_institution(&p, InstitutionAction::EditContacts, IN_KINKI),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            check_institution(&p, InstitutionAction::Read, IN_KANTO),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn a_bureau_supervisor_attached_to_the_fsa_sees_nothing() {
        let p = principal(Role::BureauSupervisor, 2, Some(Bureau::Fsa));
        assert_eq!(institution_scope(&p), InstitutionScope::Nothing);
        assert!(!allows(&p, Permission::ViewRegistry));
    }

    #[test]
    fn survey_answers_are_for_supervisors_and_the_institution_itself() {
        let member = principal(Role::InstitutionMember, 10, Some(Bureau::Kinki));
        assert_eq!(
            check_assignment(&member, AssignmentAction::Answer, IN_KINKI),
            Ok(())
        );
        assert_eq!(
            check_assignment(&member, AssignmentAction::Review, IN_KINKI),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            check_assignment(&member, AssignmentAction::Read, IN_KANTO),
            Err(Denied::NotFound)
        );
        let kinki = principal(Role::BureauSupervisor, 2, Some(Bureau::Kinki));
        assert_eq!(
            check_assignment(&kinki, AssignmentAction::Review, IN_KINKI),
            Ok(())
        );
        assert_eq!(
            check_assignment(&kinki, AssignmentAction::Answer, IN_KINKI),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            check_assignment(&kinki, AssignmentAction::Review, IN_KANTO),
            Err(Denied::NotFound)
        );
        let isac = principal(Role::IsacAnalyst, 3, None);
        assert_eq!(
            check_assignment(&isac, AssignmentAction::Read, IN_KINKI),
            Err(Denied::NotFound)
        );
        let admin = principal(Role::SystemAdmin, 1, None);
        assert!(!allows(&admin, Permission::ViewSurveys));
    }

    #[test]
    fn council_members_see_no_registry() {
        let p = principal(Role::CouncilMember, 3, None);
        assert!(!allows(&p, Permission::ViewRegistry));
        assert!(allows(&p, Permission::ViewAudit));
    }

    fn shared(tlp: Tlp, audience: Audience, author: i64) -> SharedRef {
        SharedRef {
            tlp,
            audience,
            author_organisation: author,
            author_account: Some(900),
            revoked: false,
            recipient_organisations: vec![],
            recipient_accounts: vec![],
        }
    }

    #[test]
    fn tlp_is_enforced_by_membership_and_addressing() {
        let trial = TrialPolicy::default();
        let mut full = principal(Role::InstitutionMember, 10, Some(Bureau::Kinki));
        full.isac_membership = IsacMembership::Full;
        let mut trialist = principal(Role::InstitutionMember, 11, Some(Bureau::Kanto));
        trialist.isac_membership = IsacMembership::Trial;
        let outsider = principal(Role::InstitutionMember, 12, Some(Bureau::Kanto));
        let fsa = principal(Role::FsaSupervisor, 1, Some(Bureau::Fsa));
        let isac = principal(Role::IsacAnalyst, 3, None);
        let s = |p: &Principal| sharing_scope(p, &trial);

        let green = shared(Tlp::Green, Audience::Community, 50);
        assert!(
            s(&full).can_read(&green) && s(&trialist).can_read(&green) && s(&isac).can_read(&green)
        );
        assert!(!s(&outsider).can_read(&green) && !s(&fsa).can_read(&green));

        let amber = shared(Tlp::Amber, Audience::Community, 50);
        assert!(s(&full).can_read(&amber) && !s(&trialist).can_read(&amber));
        assert!(s(&isac).can_read(&amber) && s(&isac).for_feed().can_read(&amber));

        let mut strict = shared(Tlp::AmberStrict, Audience::Listed, 50);
        strict.recipient_organisations = vec![1];
        assert!(s(&fsa).can_read(&strict), "addressed to the FSA");
        assert!(!s(&full).can_read(&strict) && !s(&isac).can_read(&strict));
        assert!(!s(&fsa).for_feed().can_read(&strict), "never in a feed");

        let mut red = shared(Tlp::Red, Audience::Listed, 10);
        red.recipient_accounts = vec![fsa.account_id + 100];
        let mut named = fsa.clone();
        named.account_id += 100;
        assert!(s(&named).can_read(&red));
        assert!(
            !s(&full).can_read(&red),
            "the author's colleagues are not named"
        );
        assert!(!s(&isac).can_read(&red));

        let clear = shared(Tlp::Clear, Audience::Community, 50);
        assert!(s(&outsider).can_read(&clear) && s(&fsa).for_feed().can_read(&clear));
        let mut revoked = clear.clone();
        revoked.revoked = true;
        assert!(!s(&outsider).can_read(&revoked) && s(&isac).can_read(&revoked));
    }

    #[test]
    fn the_trial_policy_sets_trial_rights() {
        let mut trialist = principal(Role::InstitutionAdmin, 11, Some(Bureau::Kanto));
        trialist.isac_membership = IsacMembership::Trial;
        let strict = TrialPolicy {
            max_tlp: Tlp::Clear,
            may_post: false,
            may_use_taxii: false,
        };
        assert_eq!(
            sharing_scope(&trialist, &strict).community,
            Some(Tlp::Clear)
        );
        assert_eq!(
            check_sharing(&trialist, SharingAction::Post, &strict),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            check_sharing(&trialist, SharingAction::Taxii, &strict),
            Err(Denied::Forbidden)
        );
        let open = TrialPolicy {
            max_tlp: Tlp::Red,
            may_post: true,
            may_use_taxii: true,
        };
        assert_eq!(
            sharing_scope(&trialist, &open).community,
            Some(Tlp::AmberStrict),
            "RED is never for a community"
        );
        assert_eq!(check_sharing(&trialist, SharingAction::Post, &open), Ok(()));
        let fsa = principal(Role::FsaSupervisor, 1, Some(Bureau::Fsa));
        assert_eq!(
            check_sharing(&fsa, SharingAction::Post, &open),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            check_sharing(&fsa, SharingAction::Curate, &open),
            Err(Denied::Forbidden)
        );
    }
}
