//! Any bytes as a STIX bundle: an error or indicators, never a panic; and whatever loads
//! must index or be refused with a reason.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = mamori_scan::stix::load(data) {
        let _ = mamori_scan::IndicatorSet::new(loaded.indicators);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mamori_scan::stix::parse_pattern("indicator--fuzz", text);
    }
});
