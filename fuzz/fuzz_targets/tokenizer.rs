//! Any bytes as a log line: the tokenizer and the matcher never panic, and every reported
//! value is a piece of the line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn set() -> &'static mamori_scan::IndicatorSet {
    static SET: OnceLock<mamori_scan::IndicatorSet> = OnceLock::new();
    SET.get_or_init(|| {
        use mamori_scan::{Indicator, Kind};
        let ind = |kind, value: &str| Indicator { id: "indicator--f".into(), kind, value: value.into(), tlp: None };
        mamori_scan::IndicatorSet::new(vec![
            ind(Kind::Ipv4, "1.2.3.4"),
            ind(Kind::Cidr, "10.0.0.0/8"),
            ind(Kind::Ipv6, "2001:db8::1"),
            ind(Kind::Domain, "evil.example"),
            ind(Kind::Url, "https://phish.test/pay"),
            ind(Kind::Email, "a@evil.example"),
            ind(Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
            ind(Kind::CryptoAddress, "bc1qfuzz"),
        ])
        .expect("fuzz indicators")
    })
}

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    mamori_scan::scanner::match_line(set(), data, 1, &mut out);
    let text = String::from_utf8_lossy(data);
    for m in out {
        assert!(text.contains(&m.value), "{} not in the line", m.value);
    }
});
