//! `mamori scan`: checks a member's own logs against shared indicators, on the member's
//! machine, at the speed of reading the files.
//!
//! - [`stix`] reads indicators from a STIX 2.1 bundle (the supported patterns are listed
//!   there);
//! - [`tokens`] cuts a log line into the words and atoms that can be indicators;
//! - [`indicator::IndicatorSet`] decides, exactly, whether an atom is one: IP addresses whole
//!   or inside a CIDR range, a domain itself or any subdomain of it, hashes, e-mail addresses
//!   and other tokens only as whole tokens — never as part of a longer one;
//! - [`scanner`] streams files (plain, JSON lines, gzip, stdin) in constant memory, on one
//!   core or several, and reports each match with file, line, value and indicator.
//!
//! Architecture invariant: no database and no network; this crate is a library the binary
//! wraps.

mod candidates;
mod filter;
pub mod indicator;
pub mod masks;
pub mod matcher;
pub mod scanner;
pub mod stix;
pub mod tokens;

pub use indicator::{Indicator, IndicatorSet, Kind};
pub use scanner::{Match, ScanOptions, ScanSummary};

/// Deterministic pseudo-random numbers for the unit tests' random inputs.
#[cfg(test)]
fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
