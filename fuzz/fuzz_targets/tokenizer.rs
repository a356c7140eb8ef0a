//! Any bytes as a block of log lines: the scanner never panics, every reported value is a
//! piece of the input, and the fast path (each classifier this processor has) finds exactly
//! what the plain, byte-at-a-time statement of the rules finds — with and without tokens
//! shorter than a hash in the set (which change what the walker may skip).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori_scan::masks::Isa;
use mamori_scan::matcher::{match_block_plain, match_block_with};
use std::sync::OnceLock;

fn sets() -> &'static [mamori_scan::IndicatorSet; 2] {
    static SETS: OnceLock<[mamori_scan::IndicatorSet; 2]> = OnceLock::new();
    SETS.get_or_init(|| {
        use mamori_scan::{Indicator, Kind};
        let ind = |kind, value: &str| Indicator { id: "indicator--f".into(), kind, value: value.into(), tlp: None };
        let base = vec![
            ind(Kind::Ipv4, "1.2.3.4"),
            ind(Kind::Cidr, "10.0.0.0/8"),
            ind(Kind::Ipv6, "2001:db8::1"),
            ind(Kind::Cidr, "2001:db8:bad::/48"),
            ind(Kind::Domain, "evil.example"),
            ind(Kind::Url, "https://phish.test/pay"),
            ind(Kind::Email, "a@evil.example"),
            ind(Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        ];
        let mut with_others = base.clone();
        with_others.push(ind(Kind::CryptoAddress, "bc1qfuzz"));
        with_others.push(ind(Kind::BankAccount, "x1"));
        [
            mamori_scan::IndicatorSet::new(base).expect("fuzz indicators"),
            mamori_scan::IndicatorSet::new(with_others).expect("fuzz indicators"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for set in sets() {
        let want = match_block_plain(set, data, 1);
        for m in &want {
            assert!(text.contains(&m.value), "{} not in the input", m.value);
        }
        for isa in Isa::available() {
            assert_eq!(match_block_with(isa, set, data, 1), want, "{}", isa.name());
        }
    }
});
