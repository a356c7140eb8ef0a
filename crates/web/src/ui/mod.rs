//! Server-rendered pages. Every form posts without JavaScript and carries the CSRF token;
//! every string comes from the message catalogues.

pub mod account;
pub mod admin;
pub mod audit;
pub mod home;
pub mod layout;
pub mod login;
pub mod organisations;
pub mod outreach;
pub mod registry;
pub mod reports;
pub mod sharing;
pub mod soon;
pub mod supervision;
pub mod surveys;
