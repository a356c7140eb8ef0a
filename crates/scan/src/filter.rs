//! A small filter in front of the indicator maps: a blocked Bloom filter with two bits per
//! key in one 64-bit word, about 16 bits per key. Nearly every token of a log is not an
//! indicator; the filter turns ~99 % of those away with one read of a table that stays in
//! the processor's cache, where the map would cost one or two reads of a table many times
//! larger.

use std::hash::Hasher;

/// What the filter is asked about: a key's hash ([`of_int`], [`of_bytes`]).
pub type Key = u64;

/// Spreads the bits so that neighbouring addresses land far apart: one multiply, whose
/// upper bits (the ones [`Filter`] uses) depend on every input bit.
#[inline(always)]
fn mix(h: u64) -> u64 {
    (h ^ (h >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The key of a number (an address, or a network with its prefix length as `tag`).
#[inline(always)]
pub fn of_int(x: u128, tag: u8) -> Key {
    mix((x as u64) ^ ((x >> 64) as u64).rotate_left(17) ^ ((tag as u64) << 56))
}

/// The key of a byte string.
#[inline(always)]
pub fn of_bytes(b: &[u8]) -> Key {
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    mix(h.finish())
}

#[derive(Debug, Clone)]
pub struct Filter {
    words: Vec<u64>,
    mask: u64,
}

impl Default for Filter {
    fn default() -> Self {
        Filter::with_keys(0)
    }
}

impl Filter {
    pub fn with_keys(n: usize) -> Filter {
        let words = (n * 16).div_ceil(64).next_power_of_two().max(1);
        Filter {
            words: vec![0; words],
            mask: words as u64 - 1,
        }
    }

    #[inline(always)]
    fn place(&self, k: Key) -> (usize, u64) {
        let bits = (1u64 << (k >> 58)) | (1u64 << ((k >> 52) & 63));
        (((k >> 20) & self.mask) as usize, bits)
    }

    pub fn insert(&mut self, k: Key) {
        let (w, bits) = self.place(k);
        self.words[w] |= bits;
    }

    /// Starts fetching the word [`Filter::may_hold`] will read for `k`.
    #[inline(always)]
    pub fn prefetch(&self, k: Key) {
        #[cfg(target_arch = "x86_64")]
        {
            let (w, _) = self.place(k);
            // SAFETY: a prefetch is only a hint; the address is inside `words` all the same.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(self.words.as_ptr().add(w).cast());
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = k;
    }

    /// False: certainly not a key. True: perhaps (ask the map).
    #[inline(always)]
    pub fn may_hold(&self, k: Key) -> bool {
        let (w, bits) = self.place(k);
        self.words[w] & bits == bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_every_key_and_turns_most_others_away() {
        let n = 100_000u32;
        let mut f = Filter::with_keys(n as usize);
        for i in 0..n {
            f.insert(of_int(i as u128 * 7, 32));
            f.insert(of_bytes(format!("host{i}.example").as_bytes()));
        }
        for i in 0..n {
            assert!(f.may_hold(of_int(i as u128 * 7, 32)));
            assert!(f.may_hold(of_bytes(format!("host{i}.example").as_bytes())));
        }
        // Twice the keys it was sized for, and still most strangers are turned away.
        let strangers = (0..n)
            .filter(|i| f.may_hold(of_int(*i as u128 * 7 + 1, 32)))
            .count();
        assert!(strangers < n as usize / 10, "{strangers} false positives");
    }
}
