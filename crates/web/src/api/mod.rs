//! The JSON API under `/api/v1`, plus the operational endpoints.

pub mod audit;
pub mod institutions;
pub mod me;
pub mod openapi;
pub mod organisations;
pub mod outreach;
pub mod sharing;
pub mod supervision;
pub mod surveys;
pub mod system;
pub mod taxii;
