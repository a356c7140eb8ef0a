//! The domain core of mamori.
//!
//! Everything here is pure: no database, no network, no clock reads except where a caller
//! passes the time in. The storage layer and the web crate depend on these types; nothing
//! here depends on them.
//!
//! - [`registry`]: sectors, size tiers, supervising offices, prefectures, organisations.
//! - [`role`]: the roles an account can hold.
//! - [`policy`]: the tenant policy. Every read and write of tenant data asks it first.
//! - [`audit`]: the hash chain that makes the audit trail tamper-evident.
//! - [`sharing`]: mutual aid's vocabulary (severity, audience, the trial policy).
//! - [`totp`]: RFC 6238 one-time codes for the optional second factor.
//! - [`validation`]: field-level validation errors shared by the CLI, the API and the UI.

pub mod audit;
pub mod institution;
pub mod policy;
pub mod registry;
pub mod registry_csv;
pub mod role;
pub mod sharing;
pub mod tlp;
pub mod totp;
pub mod validation;

pub use institution::{Contact, Institution, InstitutionFields, InstitutionInput, Organisation};
pub use policy::{InstitutionScope, Permission, Principal};
pub use registry::{Bureau, IsacMembership, OrganisationKind, Prefecture, Sector, SizeTier};
pub use role::Role;
pub use tlp::Tlp;
