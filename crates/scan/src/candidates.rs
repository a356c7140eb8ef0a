//! Finding the atoms worth matching, 64 bytes at a time.
//!
//! An atom can be an indicator, or hold one, only if it holds a dot or an at sign
//! (addresses, hosts, e-mail, and the pieces of `host:port`), is long enough to be a hash or
//! one of the set's other tokens ([`crate::IndicatorSet::min_plain_len`]), or could be an
//! IPv6 address. Log lines are mostly other atoms (words, numbers, field names, times,
//! `key:`): the walker skips them with bit operations on [`Masks`] and hands the matcher
//! only the rest, each with its own masks.

use crate::masks::{low, Classifier, Masks};
use crate::matcher::could_be_ipv6;

/// Is the atom at the bits `range` of these masks (`len` of them) worth matching?
#[inline(always)]
pub fn worth_matching(m: &Masks, range: u64, len: usize, min_len: usize) -> bool {
    if (m.dot | m.at) & range != 0 || len >= min_len {
        return true;
    }
    // Only colons: a time, `key:`, `https:`… unless it is an IPv6 address (its pieces are
    // too short to be anything).
    let colons = m.colon & range;
    colons != 0
        && (m.hex | m.colon) & range == range
        && could_be_ipv6(
            colons.count_ones() as usize,
            colons & (colons >> 1) != 0,
            false,
        )
}

/// Bit `i` stays set when bits `i - k + 1 ..= i` of `m` are all set (`1 <= k <= 64`): the
/// places where a run of at least `k` ones has been reached.
#[inline(always)]
fn runs_at_least(mut m: u64, k: usize) -> u64 {
    if k == 32 {
        // The usual case (no tokens shorter than a hash to look for), unrolled.
        m &= m << 1;
        m &= m << 2;
        m &= m << 4;
        m &= m << 8;
        return m & (m << 16);
    }
    let mut have = 1;
    while have * 2 <= k {
        m &= m << have;
        have *= 2;
    }
    if have < k {
        // `k - have < have`: the two windows overlap and cover `k` bits.
        m &= m << (k - have);
    }
    m
}

/// What the walker hands its candidates to. Implemented for closures; the matcher
/// implements it with an always-inlined method, so that the rules are compiled into each
/// walker with its instruction set and get their masks in registers (a call with the
/// masks in memory stalled on reading them back).
pub trait Sink {
    fn candidate(&mut self, start: usize, end: usize, masks: Option<Masks>);
    /// Does it want [`Sink::scheme`] called?
    fn wants_schemes(&self) -> bool {
        false
    }
    /// There is a `://` at `at` (URLs are found from these, instead of in a search of
    /// their own).
    fn scheme(&mut self, _at: usize) {}
    /// There are `newlines` line feeds before `at`, a multiple of [`CHECKPOINT`] (so that
    /// the line of a match is counted from the checkpoint before it, not from the start).
    fn checkpoint(&mut self, _at: usize, _newlines: u64) {}
}

/// How often the walker reports the line feeds so far ([`Sink::checkpoint`]).
pub const CHECKPOINT: usize = 4096;

impl<F: FnMut(usize, usize, Option<Masks>)> Sink for F {
    #[inline(always)]
    fn candidate(&mut self, start: usize, end: usize, masks: Option<Masks>) {
        self(start, end, masks)
    }
}

/// Returns the number of line feeds in `text`, counted on the way; calls
/// [`Sink::scheme`] at every `://`, in order, when the sink wants it.
///
/// Calls `f(start, end, masks)`, in order, for every atom `text[start..end]` that is
/// [`worth_matching`] (`min_len` in 1..=64). `masks` are the atom's own (bit 0 is its first
/// byte) when it is at most 64 bytes long; a longer atom is always handed over.
///
/// # Safety
/// The processor must have `C`'s instruction set.
#[inline(always)]
pub unsafe fn walk<C: Classifier>(text: &[u8], min_len: usize, f: &mut impl Sink) -> u64 {
    let min_len = min_len.clamp(1, 64);
    let mut newlines = 0u64;
    let n = text.len();
    // An atom that reached the end of the previous window: where it started, and whether
    // it held a dot, colon or at sign so far.
    let mut open: Option<(usize, bool)> = None;
    let schemes = f.wants_schemes();
    // The previous window's masks, for an atom that crosses into this one.
    let mut previous = Masks::default();
    let mut o = 0;
    while o < n {
        if o % CHECKPOINT == 0 {
            f.checkpoint(o, newlines);
        }
        // SAFETY: the caller vouches for the instruction set; `o < n`.
        let w = unsafe { C::classify(text, o) };
        newlines += w.newline.count_ones() as u64;
        if schemes {
            // A colon followed by a byte no atom holds, perhaps `/`: is it `://`?
            let mut colons = w.colon & !(w.atom >> 1);
            while colons != 0 {
                let at = o + colons.trailing_zeros() as usize;
                if text.get(at + 1..at + 3) == Some(b"//") {
                    f.scheme(at);
                }
                colons &= colons - 1;
            }
        }
        let special = w.dot | w.colon | w.at;
        let mut rest = w.atom;
        if let Some((start, seen)) = open.take() {
            let run = rest.trailing_ones() as usize;
            if run == 64 {
                open = Some((start, seen || special != 0));
                o += 64;
                continue;
            }
            let seen = seen || special & low(run) != 0;
            let end = o + run;
            if seen || end - start >= min_len {
                // Being at most 64 bytes long, it began in the previous window: its
                // masks are the two windows' joined (cheaper than classifying again).
                let masks =
                    (end - start <= 64).then(|| previous.joined(w, o - start).first(end - start));
                if masks.is_none_or(|m| worth_matching(&m, low(end - start), end - start, min_len))
                {
                    f.candidate(start, end, masks);
                }
            }
            rest &= !low(run);
        }
        // The last run, when it reaches the end of the window, may go on in the next one.
        let tail = if rest >> 63 != 0 {
            64 - rest.leading_ones() as usize
        } else {
            64
        };
        let inner = rest & low(tail);
        // A colon is worth a look only if it could be in an IPv6 address: not next to a
        // byte no address holds (`https:`, `T10:00`), and not a lone `:` (JSON's `"key":`).
        // Both tests keep what they cannot see (the bytes beyond the window's ends).
        let no_v6 = w.atom & !(w.hex | w.colon | w.dot);
        let colons =
            w.colon & !(no_v6 << 1) & !(no_v6 >> 1) & ((w.atom << 1 | 1) | (w.atom >> 1 | 1 << 63));
        let mut marks = ((w.dot | w.at | colons) & inner) | runs_at_least(inner, min_len);
        while marks != 0 {
            let p = marks.trailing_zeros() as usize;
            let gaps = !inner & low(p);
            let s = if gaps == 0 {
                0
            } else {
                64 - gaps.leading_zeros() as usize
            };
            let e = p + (inner >> p).trailing_ones() as usize;
            if worth_matching(&w, low(e - s) << s, e - s, min_len) {
                f.candidate(o + s, o + e, Some(w.range(s, e)));
            }
            marks &= !low(e);
        }
        if tail < 64 {
            open = Some((o + tail, special >> tail != 0));
        }
        previous = w;
        o += 64;
    }
    if let Some((start, seen)) = open {
        if seen || n - start >= min_len {
            // SAFETY: as above.
            let masks =
                (n - start <= 64).then(|| unsafe { C::classify(text, start) }.first(n - start));
            if masks.is_none_or(|m| worth_matching(&m, low(n - start), n - start, min_len)) {
                f.candidate(start, n, masks);
            }
        }
    }
    newlines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::masks::{portable, Portable};
    use crate::tokens::atoms;

    #[test]
    fn runs() {
        assert_eq!(runs_at_least(0b0111_1011, 3), 0b0110_0000);
        assert_eq!(runs_at_least(u64::MAX, 64), 1 << 63);
        assert_eq!(runs_at_least(0b1011, 1), 0b1011);
        for k in 1..=64 {
            for m in [u64::MAX, 0x00ff_ff00_0fff_0f0f, 0xaaaa_aaaa_5555_5555] {
                let want = (0..64).fold(0u64, |acc, i| {
                    let ok = i + 1 >= k && (i + 1 - k..=i).all(|j| m >> j & 1 == 1);
                    acc | ((ok as u64) << i)
                });
                assert_eq!(runs_at_least(m, k), want, "k {k} m {m:x}");
            }
        }
    }

    /// The walker finds exactly the atoms the byte-at-a-time cut finds and keeps, with the
    /// masks of each.
    #[test]
    fn walker_agrees_with_the_plain_cut() {
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15u64);
        for round in 0..3_000 {
            let len = (next() % 400) as usize;
            let alphabet: &[u8] = if round % 3 == 0 {
                b"a.:@ "
            } else {
                b"ab1-.:@ /\"\n"
            };
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    if round % 7 == 0 {
                        // Long atoms, to cross windows.
                        if next().is_multiple_of(50) {
                            b' '
                        } else {
                            b'x'
                        }
                    } else {
                        alphabet[(next() % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            let min_len = 1 + (next() % 40) as usize;
            let mut want = Vec::new();
            atoms(&text, |a, _, _| {
                let s = a.as_ptr() as usize - text.as_ptr() as usize;
                let e = s + a.len();
                let m = (a.len() <= 64).then(|| portable(&text, s).first(a.len()));
                if m.is_none_or(|m| worth_matching(&m, low(a.len()), a.len(), min_len)) {
                    want.push((s, e, m));
                }
            });
            let mut got = Vec::new();
            // SAFETY: the portable classifier runs anywhere.
            let newlines =
                unsafe { walk::<Portable>(&text, min_len, &mut |s, e, m| got.push((s, e, m))) };
            assert_eq!(
                newlines as usize,
                text.iter().filter(|b| **b == b'\n').count()
            );
            assert_eq!(
                got,
                want,
                "min_len {min_len}, {:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
