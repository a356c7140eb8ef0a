//! The matching rules: which pieces of a log block are compared with which indicators.
//!
//! The rules are written once, in [`match_token`], over a [`Token`]: an atom (see
//! [`crate::tokens`]) or a piece of one, with what the rules ask of its bytes — does it hold
//! a dot, a colon, an at sign, a capital letter; is it all hex? Two kinds of token answer:
//! [`Masked`] from the bit masks the walker ([`crate::candidates`]) already holds, for atoms
//! up to 64 bytes (nearly all), and [`Plain`] by reading the bytes, for longer atoms and for
//! [`match_block_plain`], the byte-at-a-time form of the same rules that tests and the fuzz
//! target hold the fast path to.
//!
//! The rules, for one atom:
//! - with an `@`: trimmed, an e-mail address; what follows the last `@` is matched again as
//!   a host;
//! - with a `:`: an IPv6 address when it is one (a trailing dot aside); otherwise each piece
//!   between colons is matched on its own (`host:port`, `1.2.3.4:443`, times);
//! - otherwise, trimmed of what ends a sentence or a field ([`crate::tokens::trim`]): an
//!   IPv4 address; else, if 32, 40 or 64 hex digits, a hash; else, with a dot and not ending
//!   in a number, a host (itself and every parent domain); and any token exactly equal to a
//!   bank account or crypto-asset indicator.
//!
//! URLs are words holding `://`: the walker reports where each `://` is, and [`urls`] reads
//! the words around them.

use crate::candidates;
use crate::indicator::{lower_into as lower, Dots, IndicatorSet, Probe};
use crate::masks::{low, Classifier, Isa, Masks, Portable};
use crate::tokens::{
    atoms, class_of, is_word, trim, trim_bounds, trim_end, AT, COLON, DOT, HEX, UPPER, V6,
};
use crate::Match;
use std::net::Ipv6Addr;

/// What a block has matched so far: each value (a slice of the block) with an indicator.
struct Hits<'a> {
    /// Scratch space for lower-cased keys.
    buf: Vec<u8>,
    /// Scratch space for the indicators one lookup finds.
    ids: Vec<u32>,
    hits: Vec<(&'a [u8], u32)>,
    pending: Pending<'a>,
    /// Where the block's `://`s are, as the walker finds them.
    schemes: Vec<usize>,
    /// The line feeds before every [`candidates::CHECKPOINT`]th byte, as the walker counts
    /// them.
    checkpoints: Vec<u64>,
}

/// Lookups whose filter words are on their way, with the value each would match (a field
/// of its own, so that a lookup can be queued while the scratch buffer is borrowed).
struct Pending<'a>(Vec<(Probe<'a>, &'a [u8])>);

impl<'a> Pending<'a> {
    /// Queues a lookup whose matches are `value`'s.
    #[inline(always)]
    fn ask(&mut self, set: &IndicatorSet, p: Probe<'a>, value: &'a [u8]) {
        set.prefetch(&p);
        self.0.push((p, value));
    }
}

/// How many lookups wait for their filter words before they are answered together: enough
/// to overlap their cache misses, few enough that the first have not been evicted again.
const BATCH: usize = 16;

impl<'a> Hits<'a> {
    fn new() -> Self {
        Hits {
            buf: Vec::with_capacity(256),
            ids: Vec::new(),
            hits: Vec::new(),
            pending: Pending(Vec::with_capacity(BATCH + 8)),
            schemes: Vec::new(),
            checkpoints: Vec::new(),
        }
    }

    /// Records what the last lookup put in `ids` as matches of `value`.
    #[inline(always)]
    fn found(&mut self, value: &'a [u8]) {
        if !self.ids.is_empty() {
            self.hits.extend(self.ids.drain(..).map(|i| (value, i)));
        }
    }

    /// Answers the queued lookups, when there are enough of them to be worth it.
    #[inline(always)]
    fn settle_batch(&mut self, set: &IndicatorSet) {
        if self.pending.0.len() >= BATCH {
            self.settle(set);
        }
    }

    fn settle(&mut self, set: &IndicatorSet) {
        for (p, value) in self.pending.0.drain(..) {
            let ids = set.answer(&p, &mut self.buf);
            if !ids.is_empty() {
                self.hits.extend(ids.iter().map(|i| (value, *i)));
            }
        }
    }
}

/// A dotted-quad IPv4 address, strictly: four decimal parts of at most three digits, no
/// leading zeros, each at most 255 (what `std` accepts, without the UTF-8 check).
fn ipv4(s: &[u8]) -> Option<u32> {
    if s.len() > 15 {
        return None;
    }
    let mut value = 0u32;
    let mut parts = 0;
    for part in s.split(|b| *b == b'.') {
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        let mut n = 0u32;
        for b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n * 10 + (b - b'0') as u32;
        }
        if n > 255 {
            return None;
        }
        value = (value << 8) | n;
        parts += 1;
        if parts > 4 {
            return None;
        }
    }
    (parts == 4).then_some(value)
}

/// [`ipv4`] for a token of at most 64 bytes whose digits and dots are known as masks:
/// the parts are found from the dots, and each is read without a branch per byte
/// (branches on the digits of varying parts are what a log's addresses mispredict).
#[inline(always)]
fn ipv4_masked(b: &[u8], digit: u64, dot: u64) -> Option<u32> {
    let len = b.len();
    if !(7..=15).contains(&len) || dot.count_ones() != 3 || digit | dot != low(len) {
        return None;
    }
    let d1 = dot.trailing_zeros() as usize;
    let rest = dot & (dot - 1);
    let d2 = rest.trailing_zeros() as usize;
    let d3 = (rest & (rest - 1)).trailing_zeros() as usize;
    let (a, bad_a) = ipv4_part(b, 0, d1);
    let (b2, bad_b) = ipv4_part(b, d1 + 1, d2);
    let (c, bad_c) = ipv4_part(b, d2 + 1, d3);
    let (d, bad_d) = ipv4_part(b, d3 + 1, len);
    (!(bad_a | bad_b | bad_c | bad_d)).then_some(a << 24 | b2 << 16 | c << 8 | d)
}

/// One part `b[s..e]` of a dotted quad (digits only, as the masks said): its value, and
/// whether it is bad (empty, over three digits, a leading zero, over 255).
#[inline(always)]
fn ipv4_part(b: &[u8], s: usize, e: usize) -> (u32, bool) {
    // A digit's value, or 0 outside the token.
    #[inline(always)]
    fn at(b: &[u8], i: usize) -> u32 {
        b.get(i).map_or(0, |c| c.wrapping_sub(b'0') as u32)
    }
    let l = e.wrapping_sub(s);
    // Bytes before the part (a dot, or outside the token) are read and multiplied by 0:
    // `&` and `|` on the conditions instead of `&&` and `||`, so that no branch depends on
    // the address.
    let n = at(b, e.wrapping_sub(1))
        + 10 * at(b, e.wrapping_sub(2)) * (l >= 2) as u32
        + 100 * at(b, e.wrapping_sub(3)) * (l >= 3) as u32;
    let bad = (l.wrapping_sub(1) > 2) | ((l > 1) & (at(b, s) == 0)) | (n > 255);
    (n, bad)
}

/// Can text with these colons (and dots) be an IPv6 address at all? Without `::`, an
/// address has eight groups (seven colons) or six and an IPv4 address (six colons and
/// dots). Times like `10:00:00` are turned away here, before a parse.
pub(crate) fn could_be_ipv6(colons: usize, double_colon: bool, dot: bool) -> bool {
    double_colon || colons == 7 || (colons == 6 && dot)
}

fn ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// An atom or a piece of one, with what the rules ask of its bytes.
trait Token<'a>: Copy {
    fn bytes(&self) -> &'a [u8];
    /// The union of [`DOT`], [`COLON`], [`AT`] and [`UPPER`] over its bytes.
    fn any(&self) -> u8;
    fn all_hex(&self) -> bool;
    /// All hex digits, colons and dots.
    fn all_v6(&self) -> bool;
    fn colons(&self) -> usize;
    fn has_double_colon(&self) -> bool;
    /// The first colon at or after `from`.
    fn next_colon(&self, from: usize) -> Option<usize>;
    /// The token as a dotted-quad IPv4 address.
    fn ipv4(&self) -> Option<u32>;
    /// The token as `address` or `address:port` (the port digits only, perhaps none): the
    /// address, and where it ends. `None` may also mean "not known this quickly": the
    /// general rules then decide, and give the same answer for these shapes.
    fn ipv4_and_port(&self) -> Option<(u32, usize)> {
        None
    }
    /// Where its dots are (of its first 256 bytes).
    fn dots(&self) -> Dots;
    /// Is what follows its last dot (or all of it, without one) digits only? No host
    /// name ends so (`HTTP/1.1`, `Mozilla/5.0`, versions).
    fn ends_in_number(&self) -> bool;
    fn sub(&self, start: usize, end: usize) -> Self;
}

/// A token of at most 64 bytes, asked through its masks.
#[derive(Clone, Copy)]
struct Masked<'a> {
    bytes: &'a [u8],
    m: Masks,
}

impl<'a> Token<'a> for Masked<'a> {
    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    #[inline(always)]
    fn any(&self) -> u8 {
        let flag = |mask: u64, class: u8| (mask != 0) as u8 * class;
        flag(self.m.dot, DOT)
            | flag(self.m.colon, COLON)
            | flag(self.m.at, AT)
            | flag(self.m.upper, UPPER)
    }
    #[inline(always)]
    fn all_hex(&self) -> bool {
        self.m.hex == low(self.bytes.len())
    }
    #[inline(always)]
    fn all_v6(&self) -> bool {
        self.m.hex | self.m.colon | self.m.dot == low(self.bytes.len())
    }
    #[inline(always)]
    fn colons(&self) -> usize {
        self.m.colon.count_ones() as usize
    }
    #[inline(always)]
    fn has_double_colon(&self) -> bool {
        self.m.colon & (self.m.colon >> 1) != 0
    }
    #[inline(always)]
    fn next_colon(&self, from: usize) -> Option<usize> {
        let rest = self.m.colon & !low(from);
        (rest != 0).then(|| rest.trailing_zeros() as usize)
    }
    #[inline(always)]
    fn ipv4(&self) -> Option<u32> {
        ipv4_masked(self.bytes, self.m.digit, self.m.dot)
    }
    #[inline(always)]
    fn ipv4_and_port(&self) -> Option<(u32, usize)> {
        let len = self.bytes.len();
        let end = if self.m.colon == 0 {
            len
        } else {
            let c = self.m.colon.trailing_zeros() as usize;
            let port = low(len) & !low(c + 1);
            if self.m.digit & port != port {
                return None;
            }
            c
        };
        let ip = ipv4_masked(
            &self.bytes[..end],
            self.m.digit & low(end),
            self.m.dot & low(end),
        )?;
        Some((ip, end))
    }
    #[inline(always)]
    fn dots(&self) -> Dots {
        Dots([self.m.dot, 0, 0, 0])
    }
    #[inline(always)]
    fn ends_in_number(&self) -> bool {
        let label = low(self.bytes.len()) & !low(64 - self.m.dot.leading_zeros() as usize);
        self.m.digit & label == label
    }
    #[inline(always)]
    fn sub(&self, start: usize, end: usize) -> Self {
        Masked {
            bytes: &self.bytes[start..end],
            m: self.m.range(start, end),
        }
    }
}

/// A token of any length, asked by reading its bytes.
#[derive(Clone, Copy)]
struct Plain<'a> {
    bytes: &'a [u8],
    any: u8,
    all: u8,
}

impl<'a> Plain<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let (mut any, mut all) = (0u8, 0xffu8);
        for b in bytes {
            let c = class_of(*b);
            any |= c;
            all &= c;
        }
        Plain {
            bytes,
            any: any & (DOT | COLON | AT | UPPER),
            all,
        }
    }
}

impl<'a> Token<'a> for Plain<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    fn any(&self) -> u8 {
        self.any
    }
    fn all_hex(&self) -> bool {
        self.all & HEX != 0
    }
    fn all_v6(&self) -> bool {
        self.all & V6 != 0
    }
    fn colons(&self) -> usize {
        memchr::memchr_iter(b':', self.bytes).count()
    }
    fn has_double_colon(&self) -> bool {
        memchr::memmem::find(self.bytes, b"::").is_some()
    }
    fn next_colon(&self, from: usize) -> Option<usize> {
        memchr::memchr(b':', &self.bytes[from..]).map(|p| from + p)
    }
    fn ipv4(&self) -> Option<u32> {
        ipv4(self.bytes)
    }
    fn dots(&self) -> Dots {
        Dots::of(self.bytes)
    }
    fn ends_in_number(&self) -> bool {
        let label = self
            .bytes
            .rsplit(|b| *b == b'.')
            .next()
            .unwrap_or(self.bytes);
        label.iter().all(u8::is_ascii_digit)
    }
    fn sub(&self, start: usize, end: usize) -> Self {
        Plain::new(&self.bytes[start..end])
    }
}

/// The rules for one atom (or piece of one); see the module's documentation. Inlined into
/// the walker: only an e-mail address's domain comes back through [`match_domain_part`].
#[inline(always)]
fn match_token<'a, T: Token<'a>>(set: &IndicatorSet, t: T, cx: &mut Hits<'a>) {
    let b = t.bytes();
    let any = t.any();
    // What the walker skips: no dot, colon or at sign, and too short for a hash or any of
    // the set's other tokens.
    if any & (DOT | COLON | AT) == 0 && b.len() < set.min_plain_len() {
        return;
    }
    // The commonest candidate, without the general rules' detour through the pieces.
    if let Some((ip, end)) = t.ipv4_and_port() {
        set.probe_ipv4(ip, |p| cx.pending.ask(set, p, &b[..end]));
        if end < b.len() && b.len() - end > set.min_plain_len() {
            match_plain(set, t.sub(end + 1, b.len()), cx);
        }
        return;
    }
    if any & AT != 0 {
        let (s, e) = trim_bounds(b);
        let a = &b[s..e];
        if let Some(ids) = set.email(lower(a, any & UPPER != 0, &mut cx.buf)) {
            cx.hits.extend(ids.iter().map(|i| (a, *i)));
        }
        // The domain of the address is also a host.
        if let Some(p) = memchr::memrchr(b'@', a) {
            match_domain_part(set, t.sub(s + p + 1, e), cx);
        }
        return;
    }
    if any & COLON != 0 {
        if t.all_v6() && could_be_ipv6(t.colons(), t.has_double_colon(), any & DOT != 0) {
            // An address may end a sentence.
            let untrailed = b.strip_suffix(b".").unwrap_or(b);
            if let Some(a) = ipv6(untrailed) {
                set.ipv6(u128::from(a), &mut cx.ids);
                cx.found(untrailed);
                return;
            }
        }
        // The pieces between colons hold neither a colon nor (see above) an at sign.
        let mut start = 0;
        loop {
            let end = t.next_colon(start).unwrap_or(b.len());
            if end > start {
                let piece = t.sub(start, end);
                if piece.any() & DOT != 0 || end - start >= set.min_plain_len() {
                    match_plain(set, piece, cx);
                }
            }
            if end == b.len() {
                break;
            }
            start = end + 1;
        }
        return;
    }
    match_plain(set, t, cx);
}

/// An e-mail address's domain, which may be `host:port` or even hold another `@`.
#[inline(never)]
fn match_domain_part<'a, T: Token<'a>>(set: &IndicatorSet, t: T, cx: &mut Hits<'a>) {
    match_token(set, t, cx)
}

/// The rules for a token without a colon or an at sign.
#[inline(always)]
fn match_plain<'a, T: Token<'a>>(set: &IndicatorSet, t: T, cx: &mut Hits<'a>) {
    let b = t.bytes();
    let (s, e) = trim_bounds(b);
    if s == e {
        return;
    }
    // Most tokens have nothing to trim.
    let t = if s == 0 && e == b.len() {
        t
    } else {
        t.sub(s, e)
    };
    let a = t.bytes();
    let any = t.any();
    let has_dot = any & DOT != 0;
    if has_dot && a[0].is_ascii_digit() {
        if let Some(ip) = t.ipv4() {
            set.probe_ipv4(ip, |p| cx.pending.ask(set, p, a));
            return;
        }
    }
    if matches!(a.len(), 32 | 40 | 64) && t.all_hex() {
        let p = set.probe_hash(a, any & UPPER != 0, &mut cx.buf);
        cx.pending.ask(set, p, a);
        return;
    }
    if has_dot && a.len() <= 253 && !t.ends_in_number() {
        let pending = &mut cx.pending;
        set.probe_domain(a, any & UPPER != 0, &t.dots(), &mut cx.buf, |p| {
            pending.ask(set, p, a)
        });
    }
    if let Some(ids) = set.other(a) {
        cx.hits.extend(ids.iter().map(|i| (a, *i)));
    }
}

/// The host of a URL whose `://` ends at `at`, as [`crate::indicator::host_bounds`] reads it in the trimmed
/// word: up to `/`, `?`, `#` or the end of the word (trimmed, then, like the word); and
/// whether it has a capital letter.
fn host_after(block: &[u8], at: usize) -> (&[u8], bool) {
    let mut end = at;
    let mut upper = false;
    while end < block.len() {
        let b = block[end];
        if !is_word(b) || matches!(b, b'/' | b'?' | b'#') {
            break;
        }
        upper |= b.is_ascii_uppercase();
        end += 1;
    }
    let host = &block[at..end];
    if end == block.len() || !is_word(block[end]) {
        (trim_end(host), upper)
    } else {
        (host, upper)
    }
}

/// URLs: words holding `://`, each compared whole (scheme and host in lower case). With
/// `host_filter`, a word is read whole only when its host is one of the URL indicators'.
/// `schemes` are the positions of every `://` in the block, in order.
fn urls<'a>(
    set: &IndicatorSet,
    block: &'a [u8],
    schemes: impl IntoIterator<Item = usize>,
    cx: &mut Hits<'a>,
    host_filter: bool,
) {
    if !set.has_urls() {
        return;
    }
    // The start of the word of the last `://` seen.
    let mut word_of_previous = usize::MAX;
    for p in schemes {
        // Only the first `://` of a word says where its host is; a later one in the same
        // word (`?next=https://…`) is part of that URL. The word's start is found by looking
        // back over the scheme (at most as far as the previous `://`, so this stays linear
        // however the `://`s fall).
        let floor = if word_of_previous == usize::MAX {
            0
        } else {
            word_of_previous
        };
        let start = block[floor..p]
            .iter()
            .rposition(|b| !is_word(*b))
            .map_or(floor, |q| floor + q + 1);
        let same_word = word_of_previous != usize::MAX && start == word_of_previous;
        word_of_previous = start;
        if same_word {
            continue;
        }
        if host_filter {
            // Two bytes say no to nearly every host; a host shorter than that is no
            // indicator's either (the set says so when one is).
            let (first, second) = match block.get(p + 3..p + 5) {
                Some(&[a, b]) => (a, b),
                _ => (0, 0),
            };
            if !set.url_host_may_start(first, second) {
                continue;
            }
            let (host, has_upper) = host_after(block, p + 3);
            if !set.url_host(lower(host, has_upper, &mut cx.buf)) {
                continue;
            }
        }
        let (s, e) = crate::tokens::word_around(block, p);
        let w = trim(&block[s..e]);
        if let Some(ids) = set.url(w) {
            cx.hits.extend(ids.iter().map(|i| (w, *i)));
        }
    }
}

/// Matching each candidate atom of a block.
struct Matching<'s, 'a, 'c> {
    set: &'s IndicatorSet,
    block: &'a [u8],
    cx: &'c mut Hits<'a>,
}

impl candidates::Sink for Matching<'_, '_, '_> {
    #[inline(always)]
    fn wants_schemes(&self) -> bool {
        self.set.has_urls()
    }

    #[inline(always)]
    fn scheme(&mut self, at: usize) {
        self.cx.schemes.push(at);
    }

    #[inline(always)]
    fn checkpoint(&mut self, _at: usize, newlines: u64) {
        self.cx.checkpoints.push(newlines);
    }

    #[inline(always)]
    fn candidate(&mut self, s: usize, e: usize, m: Option<Masks>) {
        let bytes = &self.block[s..e];
        match m {
            Some(m) => match_token(self.set, Masked { bytes, m }, self.cx),
            None => match_long(self.set, bytes, self.cx),
        }
        self.cx.settle_batch(self.set);
    }
}

/// An atom longer than 64 bytes (rare: kept out of the walkers' code).
#[inline(never)]
fn match_long<'a>(set: &IndicatorSet, bytes: &'a [u8], cx: &mut Hits<'a>) {
    match_token(set, Plain::new(bytes), cx)
}

/// # Safety
/// The processor must have `C`'s instruction set.
/// Returns the block's line feeds.
#[inline(always)]
unsafe fn walk<'a, C: Classifier>(set: &IndicatorSet, block: &'a [u8], cx: &mut Hits<'a>) -> u64 {
    let mut sink = Matching { set, block, cx };
    // SAFETY: passed on from the caller.
    unsafe { candidates::walk::<C>(block, set.min_plain_len(), &mut sink) }
}

fn walk_portable<'a>(set: &IndicatorSet, block: &'a [u8], cx: &mut Hits<'a>) -> u64 {
    // SAFETY: the portable classifier runs anywhere.
    unsafe { walk::<Portable>(set, block, cx) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw,popcnt,bmi1,bmi2,lzcnt")]
unsafe fn walk_avx512<'a>(set: &IndicatorSet, block: &'a [u8], cx: &mut Hits<'a>) -> u64 {
    // SAFETY: the caller checked the processor.
    unsafe { walk::<crate::masks::Avx512>(set, block, cx) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1,bmi2,lzcnt")]
unsafe fn walk_avx2<'a>(set: &IndicatorSet, block: &'a [u8], cx: &mut Hits<'a>) -> u64 {
    // SAFETY: the caller checked the processor.
    unsafe { walk::<crate::masks::Avx2>(set, block, cx) }
}

#[cfg(target_arch = "aarch64")]
fn walk_neon<'a>(set: &IndicatorSet, block: &'a [u8], cx: &mut Hits<'a>) -> u64 {
    // SAFETY: NEON is part of AArch64.
    unsafe { walk::<crate::masks::Neon>(set, block, cx) }
}

/// Every match in one line.
pub fn match_line(set: &IndicatorSet, line: &[u8], line_no: u64, out: &mut Vec<Match>) {
    out.extend(match_block(set, line, line_no));
}

/// Every match in a block of whole lines, the first being line `first_line`, with the
/// fastest classifier this processor has.
pub fn match_block(set: &IndicatorSet, block: &[u8], first_line: u64) -> Vec<Match> {
    match_block_with(Isa::detect(), set, block, first_line)
}

/// [`match_block`] with a chosen classifier (tests compare them); a classifier the
/// processor lacks falls back to the portable one.
#[doc(hidden)]
pub fn match_block_with(isa: Isa, set: &IndicatorSet, block: &[u8], first_line: u64) -> Vec<Match> {
    let (mut found, _) = match_block_counting(isa, set, block);
    for m in &mut found {
        m.line += first_line - 1;
    }
    found
}

/// The matches of a block with line numbers from 1 at its start, and the number of line
/// feeds in it (counted by the walker on its way, instead of in a pass of its own).
pub(crate) fn match_block_counting(
    isa: Isa,
    set: &IndicatorSet,
    block: &[u8],
) -> (Vec<Match>, u64) {
    let mut cx = Hits::new();
    let isa = if isa.runs_here() { isa } else { Isa::Portable };
    let newlines = match isa {
        Isa::Portable => walk_portable(set, block, &mut cx),
        // SAFETY: `runs_here` checked the processor.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { walk_avx2(set, block, &mut cx) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { walk_avx512(set, block, &mut cx) },
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => walk_neon(set, block, &mut cx),
    };
    cx.settle(set);
    let schemes = std::mem::take(&mut cx.schemes);
    urls(set, block, schemes, &mut cx, true);
    (in_order(block, 1, cx.hits, &cx.checkpoints), newlines)
}

/// The same rules, a byte at a time: every atom cut by [`atoms`] and asked by reading its
/// bytes, and every URL word read whole. Slow and plainly right; the fast path must give
/// exactly its matches.
#[doc(hidden)]
pub fn match_block_plain(set: &IndicatorSet, block: &[u8], first_line: u64) -> Vec<Match> {
    let mut cx = Hits::new();
    urls(
        set,
        block,
        memchr::memmem::find_iter(block, b"://"),
        &mut cx,
        false,
    );
    atoms(block, |a, _, _| match_token(set, Plain::new(a), &mut cx));
    cx.settle(set);
    in_order(block, first_line, cx.hits, &[])
}

/// The matches in the order of the text (at one position, the shorter value first, then by
/// indicator), each token and indicator once per position (an address in two overlapping
/// ranges of the same indicator is still one sighting). `checkpoints[k]` is the number of
/// line feeds before byte `k * CHECKPOINT`, where the walker counted them: a match's line is
/// counted from the checkpoint before it (or from the previous match), so that a block
/// without a match costs no per-line work at all and one with a match little more. The
/// order does not depend on when each lookup was answered.
fn in_order(
    block: &[u8],
    first_line: u64,
    mut hits: Vec<(&[u8], u32)>,
    checkpoints: &[u64],
) -> Vec<Match> {
    if hits.is_empty() {
        return Vec::new();
    }
    let at = |v: &[u8]| v.as_ptr() as usize - block.as_ptr() as usize;
    hits.sort_unstable_by_key(|(v, i)| (at(v), v.len(), *i));
    hits.dedup_by_key(|(v, i)| (at(v), v.len(), *i));
    let (mut line, mut counted_to) = (first_line, 0usize);
    hits.into_iter()
        .map(|(value, i)| {
            let pos = at(value);
            let k = pos / candidates::CHECKPOINT;
            if let Some(before) = checkpoints.get(k) {
                if k * candidates::CHECKPOINT > counted_to {
                    (line, counted_to) = (first_line + before, k * candidates::CHECKPOINT);
                }
            }
            line += memchr::memchr_iter(b'\n', &block[counted_to..pos]).count() as u64;
            counted_to = pos;
            Match {
                line,
                value: String::from_utf8_lossy(value).into_owned(),
                indicator: i,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The strict parser agrees with the standard library on every case that matters.
    #[test]
    fn ipv4_like_std() {
        for s in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4a",
            "1234.1.1.1",
            "",
        ] {
            let ours = ipv4(s.as_bytes());
            let std = s.parse::<std::net::Ipv4Addr>().ok().map(u32::from);
            assert_eq!(ours, std, "{s}");
        }
    }

    /// The mask-driven parser agrees with the byte-at-a-time one.
    #[test]
    fn ipv4_from_masks_like_bytes() {
        let mut next = crate::xorshift(0xfeed_f00d_1234_5678u64);
        let mut valid = 0;
        for _ in 0..300_000 {
            let len = (next() % 17) as usize;
            let s: Vec<u8> = (0..len)
                .map(|_| b"0123456789.....0125a"[(next() % 20) as usize])
                .collect();
            let m = crate::masks::portable(&s, 0);
            let want = ipv4(&s);
            valid += want.is_some() as usize;
            assert_eq!(
                ipv4_masked(&s, m.digit, m.dot),
                want,
                "{}",
                String::from_utf8_lossy(&s)
            );
        }
        assert!(valid > 200, "the sample holds addresses ({valid})");
    }

    /// Whatever the colon count test turns away, the standard parser refuses too.
    #[test]
    fn the_ipv6_pre_check_turns_away_only_what_cannot_parse() {
        let mut next = crate::xorshift(0x1234_5678_9abc_def1u64);
        let mut parsed = 0;
        for _ in 0..200_000 {
            let len = 2 + (next() % 40) as usize;
            let s: String = (0..len)
                .map(|_| b"0123456789abcdef::::..."[(next() % 23) as usize] as char)
                .collect();
            if let Ok(a) = s.parse::<Ipv6Addr>() {
                parsed += 1;
                let colons = s.matches(':').count();
                assert!(
                    could_be_ipv6(colons, s.contains("::"), s.contains('.')),
                    "{s} parses as {a}"
                );
            }
        }
        assert!(parsed > 100, "the sample holds addresses ({parsed})");
        for s in ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "::", "::1", "1::"] {
            let colons = s.matches(':').count();
            assert!(
                could_be_ipv6(colons, s.contains("::"), s.contains('.')),
                "{s}"
            );
        }
    }
}
