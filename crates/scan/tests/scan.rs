//! The scanner's exactness on a corpus of tricky lines, STIX loading, and streaming (threads,
//! gzip, long lines) against the single-threaded result.

use mamori_scan::scanner::{match_line, open, scan, Match};
use mamori_scan::stix::{load, StixError};
use mamori_scan::{IndicatorSet, ScanOptions};
use std::io::Write;

const BUNDLE: &str = r#"{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "indicator", "id": "indicator--ip", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '1.2.3.4']", "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]},
 {"type": "indicator", "id": "indicator--net", "pattern_type": "stix", "pattern": "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"},
 {"type": "indicator", "id": "indicator--v6", "pattern_type": "stix", "pattern": "[ipv6-addr:value = '2001:db8::1']"},
 {"type": "indicator", "id": "indicator--v6net", "pattern_type": "stix", "pattern": "[ipv6-addr:value = '2001:db8:bad::/48']"},
 {"type": "indicator", "id": "indicator--dom", "pattern_type": "stix", "pattern": "[domain-name:value = 'evil.example']"},
 {"type": "indicator", "id": "indicator--url", "pattern_type": "stix", "pattern": "[url:value = 'https://phish.test/pay']"},
 {"type": "indicator", "id": "indicator--mail", "pattern_type": "stix", "pattern": "[email-addr:value = 'phish@evil-mail.example']"},
 {"type": "indicator", "id": "indicator--md5", "pattern_type": "stix", "pattern": "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] OR [file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"},
 {"type": "indicator", "id": "indicator--btc", "pattern_type": "stix", "pattern": "[x-mamori-crypto-address:value = 'bc1qsyntheticaddress0000000000000000000']"},
 {"type": "indicator", "id": "indicator--acct", "pattern_type": "stix", "pattern": "[x-mamori-bank-account:value = '0123-456-7890123']"},
 {"type": "indicator", "id": "indicator--and", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '9.9.9.9' AND domain-name:value = 'x.example']"},
 {"type": "indicator", "id": "indicator--sigma", "pattern_type": "sigma", "pattern": "title: x"},
 {"type": "identity", "id": "identity--1", "name": "Synthetic ISAC"}
]}"#;

fn set() -> IndicatorSet {
    let loaded = load(BUNDLE.as_bytes()).unwrap();
    assert_eq!(
        loaded.skipped, 2,
        "the AND pattern and the non-STIX pattern"
    );
    IndicatorSet::new(loaded.indicators).unwrap()
}

/// (line, expected (value, indicator id) pairs)
const CORPUS: &[(&str, &[(&str, &str)])] = &[
    ("conn from 11.2.3.45 to 1.2.3.40 and 21.2.3.4", &[]),
    ("conn from 1.2.3.4:443 ok", &[("1.2.3.4", "indicator--ip")]),
    ("GET http://1.2.3.4/x", &[("1.2.3.4", "indicator--ip")]),
    ("src=1.2.3.4, dst=8.8.8.8.", &[("1.2.3.4", "indicator--ip")]),
    (
        "::ffff:1.2.3.4 mapped",
        &[("::ffff:1.2.3.4", "indicator--ip")],
    ),
    (
        "inside 10.20.30.40 but not 110.0.0.1 or 1.0.0.10",
        &[("10.20.30.40", "indicator--net")],
    ),
    (
        "sub.evil.example resolved",
        &[("sub.evil.example", "indicator--dom")],
    ),
    (
        "notevil.example and evil.example.com and evil.examples",
        &[],
    ),
    (
        "query EVIL.Example. done.",
        &[("EVIL.Example", "indicator--dom")],
    ),
    ("see evil.example.", &[("evil.example", "indicator--dom")]),
    ("md5 d41d8cd98f00b204e9800998ecf8427e00 is longer", &[]),
    ("md5 0d41d8cd98f00b204e9800998ecf8427e is longer too", &[]),
    (
        "hash=D41D8CD98F00B204E9800998ECF8427E",
        &[("D41D8CD98F00B204E9800998ECF8427E", "indicator--md5")],
    ),
    (
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        &[(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "indicator--md5",
        )],
    ),
    (
        "v6 2001:0db8:0000:0000:0000:0000:0000:0001 full form",
        &[("2001:0db8:0000:0000:0000:0000:0000:0001", "indicator--v6")],
    ),
    (
        "v6 [2001:db8::1]:443 bracketed",
        &[("2001:db8::1", "indicator--v6")],
    ),
    ("v6 2001:db8::10 and 2001:db8::1:0 differ", &[]),
    (
        "v6 net 2001:db8:bad:1::5",
        &[("2001:db8:bad:1::5", "indicator--v6net")],
    ),
    (
        "From: Phish@Evil-Mail.example",
        &[("Phish@Evil-Mail.example", "indicator--mail")],
    ),
    ("notphish@evil-mail.example.org", &[]),
    (
        "GET https://PHISH.test/pay HTTP/1.1",
        &[("https://PHISH.test/pay", "indicator--url")],
    ),
    ("GET https://phish.test/payment HTTP/1.1", &[]),
    (
        "to bc1qsyntheticaddress0000000000000000000 sent",
        &[("bc1qsyntheticaddress0000000000000000000", "indicator--btc")],
    ),
    ("to xbc1qsyntheticaddress0000000000000000000 sent", &[]),
    (
        "acct=0123-456-7890123;",
        &[("0123-456-7890123", "indicator--acct")],
    ),
    ("acct=10123-456-7890123", &[]),
    ("at 12:30:45 nothing 9.9.9.9 x.example", &[]),
    (
        "{\"host\":\"evil.example\",\"ip\":\"1.2.3.4\"}",
        &[
            ("evil.example", "indicator--dom"),
            ("1.2.3.4", "indicator--ip"),
        ],
    ),
];

#[test]
fn the_tricky_corpus_matches_exactly() {
    let set = set();
    for (line, expected) in CORPUS {
        let mut out = Vec::new();
        match_line(&set, line.as_bytes(), 1, &mut out);
        let got: Vec<(String, String)> = out
            .iter()
            .map(|m| (m.value.clone(), set.get(m.indicator).id.clone()))
            .collect();
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(v, i)| (v.to_string(), i.to_string()))
            .collect();
        assert_eq!(got, want, "line: {line}");
    }
}

#[test]
fn bad_bundles_and_patterns_are_refused_clearly() {
    assert!(matches!(load(b"[1, 2]"), Err(StixError::NotABundle(_))));
    assert!(matches!(
        load(br#"{"type": "report"}"#),
        Err(StixError::NotABundle(_))
    ));
    let bad = r#"{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--x", "pattern": "[ipv4-addr:value = '1.2.3.4'"}]}"#;
    let e = load(bad.as_bytes()).unwrap_err();
    assert!(
        e.to_string().contains("indicator--x") && e.to_string().contains("unbalanced"),
        "{e}"
    );
    let unterminated = r#"{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--y", "pattern": "[domain-name:value = 'evil]"}]}"#;
    assert!(load(unterminated.as_bytes())
        .unwrap_err()
        .to_string()
        .contains("unterminated"));
    let bad_ip = r#"{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--z", "pattern": "[ipv4-addr:value = '1.2.3.999']"}]}"#;
    let loaded = load(bad_ip.as_bytes()).unwrap();
    assert!(IndicatorSet::new(loaded.indicators)
        .unwrap_err()
        .to_string()
        .contains("1.2.3.999"));
}

fn corpus_text(copies: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for k in 0..copies {
        for (line, _) in CORPUS {
            text.extend_from_slice(line.as_bytes());
            text.extend_from_slice(if k % 2 == 0 { b"\n" } else { b"\r\n" });
        }
    }
    // A line longer than a block, then a last line without a newline.
    text.extend(std::iter::repeat_n(b'a', 10_000));
    text.extend_from_slice(b" 1.2.3.4\nlast 1.2.3.4");
    text
}

fn run(input: Vec<u8>, threads: usize, block_size: usize) -> (Vec<Match>, u64) {
    let set = set();
    let mut all = Vec::new();
    let summary = scan(
        &set,
        open(std::io::Cursor::new(input)).unwrap(),
        ScanOptions {
            threads,
            block_size,
            ..Default::default()
        },
        |m| {
            all.extend_from_slice(m);
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(summary.matches as usize, all.len());
    (all, summary.lines)
}

#[test]
fn threads_gzip_and_long_lines_give_the_same_matches_in_order() {
    let text = corpus_text(200);
    let (one, lines) = run(text.clone(), 1, 1 << 20);
    assert_eq!(lines as usize, CORPUS.len() * 200 + 2);
    let expected_per_copy: usize = CORPUS.iter().map(|(_, e)| e.len()).sum();
    assert_eq!(one.len(), expected_per_copy * 200 + 2);
    // The last two matches are on the two last lines.
    let n = one.len();
    assert_eq!((one[n - 2].line, one[n - 1].line), (lines - 1, lines));
    // Small blocks on four threads: same matches, same order, same line numbers.
    let (four, _) = run(text.clone(), 4, 4096);
    assert_eq!(four, one);
    // The same bytes gzipped, in two members.
    let mut gz = Vec::new();
    let half = text.len() / 2;
    for part in [&text[..half], &text[half..]] {
        let mut e = flate2_writer();
        e.write_all(part).unwrap();
        gz.extend(e.finish().unwrap());
    }
    let (unzipped, _) = run(gz, 2, 8192);
    assert_eq!(unzipped, one);
}

fn flate2_writer() -> flate2::write::GzEncoder<Vec<u8>> {
    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())
}

/// What the fuzz targets (`fuzz/`) check, on a deterministic sample of random and mutated
/// input in the ordinary test run: no panic, and every reported value is a piece of the line.
#[test]
fn random_and_mutated_input_never_panics() {
    let set = set();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds: Vec<&[u8]> = CORPUS
        .iter()
        .map(|(l, _)| l.as_bytes())
        .chain([BUNDLE.as_bytes()])
        .collect();
    for round in 0..20_000 {
        let mut input: Vec<u8> = if round % 2 == 0 {
            (0..(next() % 200)).map(|_| (next() % 256) as u8).collect()
        } else {
            seeds[(next() as usize) % seeds.len()].to_vec()
        };
        for _ in 0..(next() % 8) {
            if input.is_empty() {
                break;
            }
            let at = (next() as usize) % input.len();
            match next() % 3 {
                0 => input[at] = (next() % 256) as u8,
                1 => {
                    input.remove(at);
                }
                _ => input.insert(at, b".:@/[]'\"\\0f"[(next() % 11) as usize]),
            }
        }
        let mut out = Vec::new();
        match_line(&set, &input, 1, &mut out);
        let text = String::from_utf8_lossy(&input);
        for m in &out {
            assert!(text.contains(&m.value), "{} not in {text:?}", m.value);
        }
        if let Ok(loaded) = load(&input) {
            let _ = IndicatorSet::new(loaded.indicators);
        }
        if let Ok(t) = std::str::from_utf8(&input) {
            let _ = mamori_scan::stix::parse_pattern("indicator--r", t);
        }
    }
}

/// The fast path (64 bytes at a time, every classifier this processor has) finds exactly
/// what the byte-at-a-time statement of the rules finds, on random blocks built from tricky
/// pieces: atoms crossing 64-byte windows, long hex runs, IPv6 forms, addresses, capitals.
#[test]
fn the_fast_path_agrees_with_the_plain_rules() {
    use mamori_scan::masks::Isa;
    use mamori_scan::matcher::{match_block_plain, match_block_with};
    use mamori_scan::{Indicator, Kind};
    let with_others = set();
    let ind = |kind, value: &str| Indicator {
        id: format!("indicator--{value}"),
        kind,
        value: value.into(),
        tlp: None,
    };
    let base = vec![
        ind(Kind::Ipv4, "1.2.3.4"),
        ind(Kind::Cidr, "10.0.0.0/8"),
        ind(Kind::Ipv6, "2001:db8::1"),
        ind(Kind::Cidr, "2001:db8:bad::/48"),
        ind(Kind::Domain, "evil.example"),
        ind(Kind::Domain, "deep.sub.bad.test"),
        ind(Kind::Url, "https://phish.test/pay"),
        ind(Kind::Url, "http://Evil.example"),
        ind(Kind::Email, "a@evil.example"),
        ind(Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        ind(Kind::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ind(
            Kind::Sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ];
    let without_others = IndicatorSet::new(base.clone()).unwrap();
    let mut short = base;
    short.push(ind(Kind::BankAccount, "x1"));
    short.push(ind(Kind::BankAccount, "44"));
    let short_others = IndicatorSet::new(short).unwrap();
    let pieces: &[&str] = &[
        "1.2.3.4",
        "1.2.3.4:443",
        "10.9.8.7:44",
        "10.1.2.3:",
        ":443",
        "1.2.3.4.:80",
        "11.2.3.45",
        "10.9.8.7",
        "2001:db8::1",
        "2001:DB8:BAD:1::5",
        "::ffff:1.2.3.4",
        "[2001:db8::1]:443",
        "1:2:3:4:5:6:7:8",
        "10:00:00",
        "2026-11-28T10:00:00Z",
        "evil.example",
        "sub.EVIL.example.",
        "notevil.example",
        "a.deep.sub.bad.test",
        "sub.bad.test",
        "a@evil.example",
        "A@Evil.Example:25",
        "https://phish.test/pay",
        "HTTPS://PHISH.TEST/pay",
        "https://phish.test/pay?u=https://x",
        "http://evil.example/",
        "http://evil.example.",
        "https://phish.test./pay",
        "d41d8cd98f00b204e9800998ecf8427e",
        "D41D8CD98F00B204E9800998ECF8427E",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "bc1qsyntheticaddress0000000000000000000",
        "0123-456-7890123",
        "x1",
        "-x1-",
        "_.x1.",
        " ",
        " ",
        "\n",
        "\"",
        ":",
        "::",
        ".",
        "@",
        "/",
        "=",
        ",",
        "-",
        "\u{3042}",
    ];
    let mut state = 0x51_7cc1_b727_220au64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let isas = Isa::available();
    // Every piece at every offset of a window, twice (so that one copy crosses windows).
    for piece in pieces {
        for offset in 0..130 {
            let mut block = vec![b' '; offset];
            block.extend_from_slice(piece.as_bytes());
            block.push(b' ');
            block.extend_from_slice(piece.as_bytes());
            for set in [&with_others, &without_others, &short_others] {
                let want = match_block_plain(set, &block, 1);
                for isa in &isas {
                    let got = match_block_with(*isa, set, &block, 1);
                    assert_eq!(got, want, "{piece:?} at {offset}, {}", isa.name());
                }
            }
        }
    }
    for round in 0..4_000 {
        let mut block = Vec::new();
        let target = (next() % 600) as usize;
        while block.len() < target {
            match next() % 10 {
                0 => block.extend(
                    (0..next() % 90).map(|_| b"0123456789abcdefABCDEF"[(next() % 22) as usize]),
                ),
                1 => block.extend((0..next() % 12).map(|_| (next() % 256) as u8)),
                2 => block.extend((0..next() % 80).map(|_| b"ab.-_:"[(next() % 6) as usize])),
                3 => block.extend((0..next() % 40).map(|_| b"0123445.:"[(next() % 9) as usize])),
                _ => block.extend_from_slice(pieces[(next() as usize) % pieces.len()].as_bytes()),
            }
        }
        for set in [&with_others, &without_others, &short_others] {
            let want = match_block_plain(set, &block, 1);
            for isa in &isas {
                let got = match_block_with(*isa, set, &block, 1);
                assert_eq!(
                    got,
                    want,
                    "round {round}, {}: {:?}",
                    isa.name(),
                    String::from_utf8_lossy(&block)
                );
            }
        }
    }
}
