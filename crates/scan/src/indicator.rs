//! Indicators and the exact matcher.

use crate::filter::{self, Filter};
use rustc_hash::FxHashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Ipv4,
    Ipv6,
    /// An IPv4 or IPv6 range.
    Cidr,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    BankAccount,
    CryptoAddress,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Cidr,
        Kind::Domain,
        Kind::Url,
        Kind::Email,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha256,
        Kind::BankAccount,
        Kind::CryptoAddress,
    ];

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The STIX pattern that stands for `value` of this kind: what mamori writes, and what
    /// [`crate::stix::load`] reads back.
    pub fn stix_pattern(self, value: &str) -> String {
        let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
        let path = match self {
            Kind::Ipv4 => "ipv4-addr:value",
            Kind::Ipv6 => "ipv6-addr:value",
            Kind::Cidr if value.contains(':') => "ipv6-addr:value",
            Kind::Cidr => "ipv4-addr:value",
            Kind::Domain => "domain-name:value",
            Kind::Url => "url:value",
            Kind::Email => "email-addr:value",
            Kind::Md5 => "file:hashes.MD5",
            Kind::Sha1 => "file:hashes.'SHA-1'",
            Kind::Sha256 => "file:hashes.'SHA-256'",
            Kind::BankAccount => "x-mamori-bank-account:value",
            Kind::CryptoAddress => "x-mamori-crypto-address:value",
        };
        let op = if self == Kind::Cidr { "ISSUBSET" } else { "=" };
        format!("[{path} {op} '{quoted}']")
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Cidr => "cidr",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Email => "email",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha256 => "sha256",
            Kind::BankAccount => "bank_account",
            Kind::CryptoAddress => "crypto_address",
        }
    }
}

/// One indicator: what to look for, and the shared object it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// The STIX id of the indicator object.
    pub id: String,
    pub kind: Kind,
    /// As written in the pattern.
    pub value: String,
    /// The indicator's TLP marking (the most restrictive of its markings), when it has one:
    /// what a member may do with a match, for example report it as a sighting.
    pub tlp: Option<mamori_domain::Tlp>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value}: {reason}")]
pub struct InvalidIndicator {
    pub value: String,
    pub reason: &'static str,
}

type Ids = Vec<u32>;

/// The shortest hash: MD5, 32 hex digits.
const HASH_MIN_LEN: usize = 32;

/// Where the dots of a host name are (a name is at most 253 bytes): one bit per byte,
/// as the scanner's masks already have them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dots(pub [u64; 4]);

impl Dots {
    pub fn of(name: &[u8]) -> Dots {
        let mut d = Dots::default();
        for (i, b) in name.iter().enumerate().take(256) {
            if *b == b'.' {
                d.0[i / 64] |= 1 << (i % 64);
            }
        }
        d
    }

    /// The position of the last dot.
    #[inline(always)]
    pub fn last(&self) -> Option<usize> {
        (0..4)
            .rev()
            .find(|w| self.0[*w] != 0)
            .map(|w| w * 64 + 63 - self.0[w].leading_zeros() as usize)
    }

    /// How many dots there are.
    #[inline(always)]
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// One lookup of a token, in two steps: [`IndicatorSet`]'s `probe_*` methods hash the key
/// and [`IndicatorSet::answer`] asks the filter, then (rarely) the map. Between the two the
/// scanner gathers a batch and prefetches their filter words, so that their cache misses
/// overlap instead of stalling the walker one at a time (they were a third of its time with
/// 1M indicators).
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    key: filter::Key,
    ask: Ask<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Ask<'a> {
    /// An address (`slot` 0), or its network for the prefix length `cidr4[slot - 1]`.
    Ipv4 {
        net: u32,
        slot: u8,
    },
    /// A host name or parent domain as written; `upper`: it has capital letters.
    Domain {
        name: &'a [u8],
        upper: bool,
    },
    Hash {
        hex: &'a [u8],
        upper: bool,
    },
}

/// The bit of [`IndicatorSet`]'s `domain_labels` for a name with `labels` labels.
#[inline(always)]
fn label_bit(labels: usize) -> u64 {
    1 << labels.min(63)
}

/// `s` in lower case: itself when it has no capital letter, else a copy in `buf`.
#[inline(always)]
pub fn lower_into<'b>(s: &'b [u8], upper: bool, buf: &'b mut Vec<u8>) -> &'b [u8] {
    if !upper {
        return s;
    }
    buf.clear();
    buf.extend(s.iter().map(u8::to_ascii_lowercase));
    buf
}

/// Every indicator, indexed for exact lookups.
#[derive(Debug, Default)]
pub struct IndicatorSet {
    indicators: Vec<Indicator>,
    ipv4: FxHashMap<u32, Ids>,
    ipv6: FxHashMap<u128, Ids>,
    /// Per prefix length present, the masked network → indicators.
    cidr4: Vec<(u8, FxHashMap<u32, Ids>)>,
    cidr6: Vec<(u8, FxHashMap<u128, Ids>)>,
    /// Lower case, without a trailing dot.
    domains: FxHashMap<Box<[u8]>, Ids>,
    /// The last labels (top-level domains) of `domains`: a host whose last label is not
    /// here cannot match, and most junk with a dot (`file.dll`, `HTTP/1.1`) is turned away
    /// by this one small lookup.
    tlds: Filter,
    urls: FxHashMap<Box<[u8]>, Ids>,
    /// The hosts of `urls`: a URL in a log is read whole only when its host is here.
    url_hosts: rustc_hash::FxHashSet<Box<[u8]>>,
    /// The first two bytes of every host in `url_hosts`, one bit per pair (8 KiB), or
    /// `None` when a host is shorter than two bytes.
    url_host_starts: Option<Box<[u64; 1024]>>,
    emails: FxHashMap<Box<[u8]>, Ids>,
    /// Lower-case hex.
    hashes: FxHashMap<Box<[u8]>, Ids>,
    /// Bank accounts and crypto-asset addresses, exactly as written.
    others: FxHashMap<Box<[u8]>, Ids>,
    /// See [`IndicatorSet::min_plain_len`].
    min_plain_len: usize,
    /// In front of `ipv4` (tag 32) and `cidr4` (tag = prefix length).
    ipv4_filter: Filter,
    /// In front of `domains`.
    domain_filter: Filter,
    /// Bit `k` (up to 63, which stands for 63 or more): some domain indicator has `k`
    /// labels. A parent domain with a label count no indicator has is not looked up
    /// (`www.shop.example` is probed only as `shop.example` when every indicator has two).
    domain_labels: u64,
    /// In front of `hashes`.
    hash_filter: Filter,
}

fn push<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, Ids>, k: K, i: u32) {
    map.entry(k).or_default().push(i);
}

fn lower(s: &str) -> Box<[u8]> {
    s.to_ascii_lowercase().into_bytes().into_boxed_slice()
}

/// Where the host of a URL is: after `://`, up to `/`, `?`, `#` or the end.
pub fn host_bounds(u: &[u8]) -> Option<(usize, usize)> {
    let host_start = memchr::memmem::find(u, b"://")? + 3;
    let host_end = u[host_start..]
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .map_or(u.len(), |p| host_start + p);
    Some((host_start, host_end))
}

/// A URL as compared: scheme and host in lower case, the rest as written, no trailing slash
/// on a bare host.
pub fn normalize_url(u: &[u8]) -> Vec<u8> {
    let Some((_, host_end)) = host_bounds(u) else {
        return u.to_vec();
    };
    let mut out = Vec::with_capacity(u.len());
    out.extend(u[..host_end].iter().map(u8::to_ascii_lowercase));
    let rest = &u[host_end..];
    if rest != b"/" {
        out.extend_from_slice(rest);
    }
    out
}

/// Checks one value as the scanner would read it, and gives it in the form it is compared
/// in (lower-case hosts, hashes and addresses, trimmed): the one rule of what a valid
/// indicator is, for the scanner and for what members post.
pub fn check(kind: Kind, value: &str) -> Result<String, InvalidIndicator> {
    let v = value.trim();
    if v.is_empty() || v.len() > 2048 || v.chars().any(char::is_whitespace) {
        return Err(InvalidIndicator {
            value: value.to_string(),
            reason: "empty, too long or with spaces",
        });
    }
    IndicatorSet::new(vec![Indicator {
        id: String::new(),
        kind,
        value: v.to_string(),
        tlp: None,
    }])?;
    Ok(match kind {
        Kind::Url => String::from_utf8_lossy(&normalize_url(v.as_bytes())).into_owned(),
        Kind::BankAccount | Kind::CryptoAddress => v.to_string(),
        Kind::Domain => v.trim_end_matches('.').to_ascii_lowercase(),
        _ => v.to_ascii_lowercase(),
    })
}

fn is_hex(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_hexdigit)
}

impl IndicatorSet {
    pub fn new(indicators: Vec<Indicator>) -> Result<IndicatorSet, InvalidIndicator> {
        let mut set = IndicatorSet::default();
        let bad = |v: &str, reason| InvalidIndicator {
            value: v.to_string(),
            reason,
        };
        let mut tlds = Vec::new();
        let mut cidr4: FxHashMap<u8, FxHashMap<u32, Ids>> = FxHashMap::default();
        let mut cidr6: FxHashMap<u8, FxHashMap<u128, Ids>> = FxHashMap::default();
        for (i, ind) in indicators.iter().enumerate() {
            let i = i as u32;
            let v = ind.value.trim();
            match ind.kind {
                Kind::Ipv4 => {
                    let a: Ipv4Addr = v.parse().map_err(|_| bad(v, "not an IPv4 address"))?;
                    push(&mut set.ipv4, u32::from(a), i);
                }
                Kind::Ipv6 => {
                    let a: Ipv6Addr = v.parse().map_err(|_| bad(v, "not an IPv6 address"))?;
                    push(&mut set.ipv6, u128::from(a), i);
                }
                Kind::Cidr => {
                    let (addr, len) = v
                        .split_once('/')
                        .ok_or_else(|| bad(v, "not a CIDR range"))?;
                    let len: u8 = len.parse().map_err(|_| bad(v, "bad prefix length"))?;
                    if let Ok(a) = addr.parse::<Ipv4Addr>() {
                        if len > 32 {
                            return Err(bad(v, "prefix longer than 32"));
                        }
                        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                        push(cidr4.entry(len).or_default(), u32::from(a) & mask, i);
                    } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
                        if len > 128 {
                            return Err(bad(v, "prefix longer than 128"));
                        }
                        let mask = if len == 0 {
                            0
                        } else {
                            u128::MAX << (128 - len)
                        };
                        push(cidr6.entry(len).or_default(), u128::from(a) & mask, i);
                    } else {
                        return Err(bad(v, "not a CIDR range"));
                    }
                }
                Kind::Domain => {
                    let d = v.trim_end_matches('.');
                    if d.is_empty() || d.len() > 253 {
                        return Err(bad(v, "not a domain name"));
                    }
                    // No top-level domain is a number; `1.2.3.4` is an address.
                    if d.rsplit('.')
                        .next()
                        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
                    {
                        return Err(bad(v, "not a domain name: its last label is a number"));
                    }
                    let l = lower(d);
                    let tld = l.rsplit(|b| *b == b'.').next().unwrap_or(&l);
                    tlds.push(filter::of_bytes(tld));
                    push(&mut set.domains, l, i);
                }
                Kind::Url => {
                    let u = normalize_url(v.as_bytes());
                    if let Some((s, e)) = host_bounds(&u) {
                        set.url_hosts.insert(u[s..e].to_vec().into_boxed_slice());
                    }
                    push(&mut set.urls, u.into_boxed_slice(), i)
                }
                Kind::Email => {
                    if !v.contains('@') {
                        return Err(bad(v, "not an e-mail address"));
                    }
                    push(&mut set.emails, lower(v), i)
                }
                Kind::Md5 | Kind::Sha1 | Kind::Sha256 => {
                    let want = match ind.kind {
                        Kind::Md5 => 32,
                        Kind::Sha1 => 40,
                        _ => 64,
                    };
                    if v.len() != want || !is_hex(v.as_bytes()) {
                        return Err(bad(v, "not a hash of that kind"));
                    }
                    push(&mut set.hashes, lower(v), i)
                }
                Kind::BankAccount | Kind::CryptoAddress => {
                    push(&mut set.others, v.as_bytes().to_vec().into_boxed_slice(), i)
                }
            }
        }
        set.ipv4_filter =
            Filter::with_keys(set.ipv4.len() + cidr4.values().map(|m| m.len()).sum::<usize>());
        for a in set.ipv4.keys() {
            set.ipv4_filter.insert(filter::of_int(*a as u128, 32));
        }
        for (len, nets) in &cidr4 {
            for net in nets.keys() {
                set.ipv4_filter.insert(filter::of_int(*net as u128, *len));
            }
        }
        if set.url_hosts.iter().all(|h| h.len() >= 2) {
            let mut starts = Box::new([0u64; 1024]);
            for h in &set.url_hosts {
                let pair = (h[0] as usize) << 8 | h[1] as usize;
                starts[pair >> 6] |= 1 << (pair & 63);
            }
            set.url_host_starts = Some(starts);
        }
        tlds.sort_unstable();
        tlds.dedup();
        set.tlds = Filter::with_keys(tlds.len());
        for t in tlds {
            set.tlds.insert(t);
        }
        set.domain_filter = Filter::with_keys(set.domains.len());
        for d in set.domains.keys() {
            set.domain_filter.insert(filter::of_bytes(d));
            set.domain_labels |= label_bit(d.iter().filter(|b| **b == b'.').count() + 1);
        }
        set.hash_filter = Filter::with_keys(set.hashes.len());
        for h in set.hashes.keys() {
            set.hash_filter.insert(filter::of_bytes(h));
        }
        set.min_plain_len = set
            .others
            .keys()
            .map(|k| k.len())
            .fold(HASH_MIN_LEN, usize::min)
            .max(1);
        set.cidr4 = cidr4.into_iter().collect();
        set.cidr4.sort_by_key(|(l, _)| *l);
        set.cidr6 = cidr6.into_iter().collect();
        set.cidr6.sort_by_key(|(l, _)| *l);
        set.indicators = indicators;
        Ok(set)
    }

    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    pub fn get(&self, i: u32) -> &Indicator {
        &self.indicators[i as usize]
    }

    pub fn has_urls(&self) -> bool {
        !self.urls.is_empty()
    }

    /// Can a host starting with these two bytes (in any case) be a URL indicator's? When it
    /// is shorter than two bytes, the bytes after it are passed: false then means no.
    #[inline]
    pub fn url_host_may_start(&self, first: u8, second: u8) -> bool {
        match &self.url_host_starts {
            None => true,
            Some(starts) => {
                let pair = (first.to_ascii_lowercase() as usize) << 8
                    | second.to_ascii_lowercase() as usize;
                starts[pair >> 6] & (1 << (pair & 63)) != 0
            }
        }
    }

    /// Is this (lower-case) host the host of a URL indicator?
    pub fn url_host(&self, lower_case: &[u8]) -> bool {
        self.url_hosts.contains(lower_case)
    }

    /// Atoms without a dot, colon or at sign that are shorter than this can match nothing:
    /// they are neither a hash (32 hex digits or more) nor one of the set's other tokens.
    #[inline(always)]
    pub fn min_plain_len(&self) -> usize {
        self.min_plain_len
    }

    pub fn url(&self, word: &[u8]) -> Option<&Ids> {
        self.urls.get(normalize_url(word).as_slice())
    }

    pub fn email(&self, lower_case: &[u8]) -> Option<&Ids> {
        self.emails.get(lower_case)
    }

    /// The probes for an IPv4 address: itself, and its network for each prefix length the
    /// set has ranges of.
    #[inline(always)]
    pub fn probe_ipv4(&self, a: u32, mut f: impl FnMut(Probe<'static>)) {
        f(Probe {
            key: filter::of_int(a as u128, 32),
            ask: Ask::Ipv4 { net: a, slot: 0 },
        });
        for (slot, (len, _)) in self.cidr4.iter().enumerate() {
            let mask = if *len == 0 { 0 } else { u32::MAX << (32 - len) };
            let net = a & mask;
            f(Probe {
                key: filter::of_int(net as u128, *len),
                ask: Ask::Ipv4 {
                    net,
                    slot: slot as u8 + 1,
                },
            });
        }
    }

    /// The probes for a host name (`upper`: it has capital letters) with the dots `dots`:
    /// itself, then every parent domain; none when its top-level domain is no indicator's.
    /// `buf` is scratch space for the lower-case name.
    #[inline(always)]
    pub fn probe_domain<'a>(
        &self,
        name: &'a [u8],
        upper: bool,
        dots: &Dots,
        buf: &mut Vec<u8>,
        mut f: impl FnMut(Probe<'a>),
    ) {
        let lower_case = lower_into(name, upper, buf);
        let tld = match dots.last() {
            Some(p) => &lower_case[p + 1..],
            None => lower_case,
        };
        if !self.tlds.may_hold(filter::of_bytes(tld)) {
            return;
        }
        // The name has `labels` labels; each parent one fewer.
        let mut labels = dots.count() + 1;
        let probe = |from: usize| Probe {
            key: filter::of_bytes(&lower_case[from..]),
            ask: Ask::Domain {
                name: &name[from..],
                upper,
            },
        };
        if self.domain_labels & label_bit(labels) != 0 {
            f(probe(0));
        }
        for (w, word) in dots.0.iter().enumerate() {
            let mut m = *word;
            while m != 0 {
                labels -= 1;
                if self.domain_labels & label_bit(labels) != 0 {
                    f(probe(w * 64 + m.trailing_zeros() as usize + 1));
                }
                m &= m - 1;
            }
        }
    }

    /// The probe for 32, 40 or 64 hex digits (`upper`: some are capitals).
    #[inline(always)]
    pub fn probe_hash<'a>(&self, hex: &'a [u8], upper: bool, buf: &mut Vec<u8>) -> Probe<'a> {
        Probe {
            key: filter::of_bytes(lower_into(hex, upper, buf)),
            ask: Ask::Hash { hex, upper },
        }
    }

    /// Asks the processor to fetch the filter word `p` needs, so that it is in the cache
    /// when [`IndicatorSet::answer`] reads it.
    #[inline(always)]
    pub fn prefetch(&self, p: &Probe) {
        self.filter_of(p).prefetch(p.key);
    }

    /// The indicators a probe finds (nearly always none, decided by the filter alone).
    /// `buf` is scratch space for lower-case keys.
    #[inline(always)]
    pub fn answer(&self, p: &Probe, buf: &mut Vec<u8>) -> &[u32] {
        if !self.filter_of(p).may_hold(p.key) {
            return &[];
        }
        let found = match p.ask {
            Ask::Ipv4 { net, slot: 0 } => self.ipv4.get(&net),
            Ask::Ipv4 { net, slot } => self
                .cidr4
                .get(slot as usize - 1)
                .and_then(|(_, nets)| nets.get(&net)),
            Ask::Domain { name, upper } => self.domains.get(lower_into(name, upper, buf)),
            Ask::Hash { hex, upper } => self.hashes.get(lower_into(hex, upper, buf)),
        };
        found.map_or(&[], |ids| ids.as_slice())
    }

    #[inline(always)]
    fn filter_of(&self, p: &Probe) -> &Filter {
        match p.ask {
            Ask::Ipv4 { .. } => &self.ipv4_filter,
            Ask::Domain { .. } => &self.domain_filter,
            Ask::Hash { .. } => &self.hash_filter,
        }
    }

    pub fn ipv6(&self, a: u128, out: &mut Vec<u32>) {
        if let Some(ids) = self.ipv6.get(&a) {
            out.extend(ids);
        }
        for (len, nets) in &self.cidr6 {
            let mask = if *len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            if let Some(ids) = nets.get(&(a & mask)) {
                out.extend(ids);
            }
        }
        // An IPv4-mapped address (::ffff:a.b.c.d) is also that IPv4 address.
        if let Some(v4) = Ipv6Addr::from(a).to_ipv4_mapped() {
            self.probe_ipv4(u32::from(v4), |p| {
                out.extend(self.answer(&p, &mut Vec::new()))
            });
        }
    }

    #[inline(always)]
    pub fn other(&self, atom: &[u8]) -> Option<&Ids> {
        if self.others.is_empty() {
            None
        } else {
            self.others.get(atom)
        }
    }

    pub fn has_others(&self) -> bool {
        !self.others.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_checked() {
        assert_eq!(
            check(Kind::Domain, "Evil.Example.").unwrap(),
            "evil.example"
        );
        assert_eq!(check(Kind::Domain, "localhost").unwrap(), "localhost");
        for bad in ["1.2.3.4", "example.123", ".", &"a".repeat(254)] {
            assert!(check(Kind::Domain, bad).is_err(), "{bad}");
        }
    }
}
