//! Roles an account can hold. What each role may do is decided in [`crate::policy`], not here.

use crate::registry::OrganisationKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    FsaSupervisor,
    BureauSupervisor,
    InstitutionAdmin,
    InstitutionMember,
    IsacAnalyst,
    ExerciseController,
    CouncilMember,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SystemAdmin,
        Role::FsaSupervisor,
        Role::BureauSupervisor,
        Role::InstitutionAdmin,
        Role::InstitutionMember,
        Role::IsacAnalyst,
        Role::ExerciseController,
        Role::CouncilMember,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::FsaSupervisor => "fsa_supervisor",
            Role::BureauSupervisor => "bureau_supervisor",
            Role::InstitutionAdmin => "institution_admin",
            Role::InstitutionMember => "institution_member",
            Role::IsacAnalyst => "isac_analyst",
            Role::ExerciseController => "exercise_controller",
            Role::CouncilMember => "council_member",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Roles that belong to a supervised institution rather than to the FSA, a bureau or
    /// another non-supervised body. Used when checking that an account's organisation fits.
    pub fn is_institution_role(self) -> bool {
        matches!(self, Role::InstitutionAdmin | Role::InstitutionMember)
    }

    /// Whether an account with this role may belong to an organisation of this kind: a
    /// bureau supervisor works at a bureau, institution staff at an institution, and so on.
    pub fn fits(self, kind: OrganisationKind) -> bool {
        use OrganisationKind as K;
        match self {
            Role::SystemAdmin => matches!(kind, K::Operator | K::Fsa),
            Role::FsaSupervisor => kind == K::Fsa,
            Role::BureauSupervisor => kind == K::Bureau,
            Role::InstitutionAdmin | Role::InstitutionMember => kind == K::Institution,
            Role::IsacAnalyst => kind == K::Isac,
            Role::ExerciseController => {
                matches!(kind, K::Fsa | K::Bureau | K::Fisc | K::Isac | K::Operator)
            }
            Role::CouncilMember => {
                matches!(kind, K::Association | K::Fisc | K::Isac | K::Government)
            }
        }
    }
}
