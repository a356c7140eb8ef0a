//! The message catalogue lives in `mamori-i18n`, shared with the reports.
pub use mamori_i18n::{t, tf, Lang};
