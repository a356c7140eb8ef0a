//! Byte classes as bit masks: 64 bytes of a log at a time become a few `u64`s (bit `i` is
//! byte `i`), so that the scanner finds the atoms worth looking at with bit operations
//! instead of a branch per byte.
//!
//! Four classifiers give the same masks: AVX-512BW (one compare per class for 64 bytes),
//! AVX2 (two halves of 32), NEON on 64-bit ARM (four quarters of 16) and a portable one
//! working on eight bytes in a `u64`, all tested against [`portable`], which reads
//! [`crate::tokens`]'s byte table a byte at a time. The fastest one the processor has is
//! chosen once, at run time ([`Isa::detect`]).

use crate::tokens::{class_of, AT, ATOM, COLON, DOT, HEX, UPPER};

/// The classes of up to 64 bytes; bit `i` stands for byte `i`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Masks {
    /// Bytes that can be in an atom (see [`crate::tokens`]).
    pub atom: u64,
    pub dot: u64,
    pub colon: u64,
    pub at: u64,
    /// 0-9, a-f, A-F.
    pub hex: u64,
    /// A-Z.
    pub upper: u64,
    /// 0-9.
    pub digit: u64,
    /// Line feeds (counted as the walker goes, for line numbers).
    pub newline: u64,
}

/// The lowest `n` bits (`n` up to 64).
#[inline(always)]
pub fn low(n: usize) -> u64 {
    debug_assert!(n <= 64);
    // Without a branch: below 64 the shift gives it; at 64 the second term does.
    (1u64 << (n & 63)).wrapping_sub(1) | 0u64.wrapping_sub((n >> 6) as u64)
}

impl Masks {
    /// The masks of the bytes from `n` on (byte `n` becomes bit 0).
    #[inline(always)]
    pub fn from(self, n: usize) -> Masks {
        let shift = |m: u64| m.checked_shr(n as u32).unwrap_or(0);
        Masks {
            atom: shift(self.atom),
            dot: shift(self.dot),
            colon: shift(self.colon),
            at: shift(self.at),
            hex: shift(self.hex),
            upper: shift(self.upper),
            digit: shift(self.digit),
            newline: shift(self.newline),
        }
    }

    /// The masks of the first `n` bytes only.
    #[inline(always)]
    pub fn first(self, n: usize) -> Masks {
        let k = low(n);
        Masks {
            atom: self.atom & k,
            dot: self.dot & k,
            colon: self.colon & k,
            at: self.at & k,
            hex: self.hex & k,
            upper: self.upper & k,
            digit: self.digit & k,
            newline: self.newline & k,
        }
    }

    /// The masks of the last `k` bytes of this window (`1 <= k <= 64`) followed by those of
    /// the next window `next`.
    #[inline(always)]
    pub fn joined(self, next: Masks, k: usize) -> Masks {
        debug_assert!((1..=64).contains(&k));
        let join = |a: u64, b: u64| a >> (64 - k) | b.checked_shl(k as u32).unwrap_or(0);
        Masks {
            atom: join(self.atom, next.atom),
            dot: join(self.dot, next.dot),
            colon: join(self.colon, next.colon),
            at: join(self.at, next.at),
            hex: join(self.hex, next.hex),
            upper: join(self.upper, next.upper),
            digit: join(self.digit, next.digit),
            newline: join(self.newline, next.newline),
        }
    }

    /// The bytes `start..end` (at most 64 of them), starting at bit 0.
    #[inline(always)]
    pub fn range(self, start: usize, end: usize) -> Masks {
        self.from(start).first(end - start)
    }
}

/// The bit instructions the vector paths are compiled with (population count, leading
/// and trailing zero counts), which every processor with AVX2 has.
#[cfg(target_arch = "x86_64")]
fn bit_instructions() -> bool {
    std::arch::is_x86_feature_detected!("popcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
}

#[cfg(target_arch = "x86_64")]
fn avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512bw") && bit_instructions()
}

#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && bit_instructions()
}

/// Which classifier to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// Every 64-bit ARM processor has it (Apple silicon, Graviton, Ampere).
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl Isa {
    /// The fastest classifier this processor runs.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if avx512() {
                return Isa::Avx512;
            }
            if avx2() {
                return Isa::Avx2;
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            Isa::Neon
        }
        #[cfg(not(target_arch = "aarch64"))]
        {
            Isa::Portable
        }
    }

    /// Does this processor run this classifier?
    pub fn runs_here(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => avx2(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => avx512(),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => true,
        }
    }

    /// Every classifier this processor runs (for tests that compare them).
    pub fn available() -> Vec<Isa> {
        let all = [
            Isa::Portable,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512,
            #[cfg(target_arch = "aarch64")]
            Isa::Neon,
        ];
        all.into_iter().filter(|isa| isa.runs_here()).collect()
    }

    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => "AVX2",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => "AVX-512BW",
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => "NEON",
        }
    }
}

/// Classifies the (up to) 64 bytes of `text` from `at` (`at <= text.len()`); bytes past the
/// end count as no class at all.
pub trait Classifier {
    /// # Safety
    /// The processor must have the classifier's instruction set.
    unsafe fn classify(text: &[u8], at: usize) -> Masks;
}

pub struct Portable;

impl Classifier for Portable {
    #[inline]
    unsafe fn classify(text: &[u8], at: usize) -> Masks {
        swar(text, at)
    }
}

/// The classifier without vector instructions: eight bytes at a time in a `u64` ("SIMD
/// within a register"), each class found with a few additions and masks, and each byte's
/// answer (its high bit) gathered into the mask with one multiply.
pub fn swar(text: &[u8], at: usize) -> Masks {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Each byte's high bit set when the byte is zero.
    #[inline(always)]
    fn zero(t: u64) -> u64 {
        !(((t & LOW7).wrapping_add(LOW7)) | t | LOW7)
    }
    // High bit set when the (ASCII, high bit clear) byte of `x` is in lo..=hi.
    #[inline(always)]
    fn within(x: u64, lo: u8, hi: u8) -> u64 {
        let at_least = x.wrapping_add((0x80 - lo as u64) * ONES);
        let above = x.wrapping_add((0x7f - hi as u64) * ONES);
        at_least & !above & HIGH
    }
    // The high bits of the eight bytes, as eight bits.
    #[inline(always)]
    fn gather(m: u64) -> u64 {
        ((m >> 7) & ONES).wrapping_mul(0x0102_0408_1020_4080) >> 56
    }
    #[inline(always)]
    fn word(m: &mut Masks, w: u64, shift: usize) {
        let high = w & HIGH;
        let x = w & LOW7;
        let ascii = !high & HIGH;
        let folded = x | (0x20 * ONES);
        let digit = within(x, b'0', b'9') & ascii;
        let letter = within(folded, b'a', b'z') & ascii;
        let hex_letter = within(folded, b'a', b'f') & ascii;
        let upper = within(x, b'A', b'Z') & ascii;
        let eq = |c: u8| zero(w ^ (c as u64 * ONES));
        let (dot, colon, at_sign) = (eq(b'.'), eq(b':'), eq(b'@'));
        let atom = digit | letter | high | dot | colon | at_sign | eq(b'-') | eq(b'_');
        m.atom |= gather(atom) << shift;
        m.dot |= gather(dot) << shift;
        m.colon |= gather(colon) << shift;
        m.at |= gather(at_sign) << shift;
        m.hex |= gather(digit | hex_letter) << shift;
        m.upper |= gather(upper) << shift;
        m.digit |= gather(digit) << shift;
        m.newline |= gather(eq(b'\n')) << shift;
    }
    let rest = &text[at..text.len().min(at + 64)];
    let mut m = Masks::default();
    let mut chunks = rest.chunks_exact(8);
    let mut shift = 0;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        word(&mut m, w, shift);
        shift += 8;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        // Bytes past the end of the text are zero: no class (NUL is in none).
        let mut bytes = [0u8; 8];
        bytes[..tail.len()].copy_from_slice(tail);
        let mut last = Masks::default();
        word(&mut last, u64::from_le_bytes(bytes), 0);
        let keep = low(tail.len());
        m.atom |= (last.atom & keep) << shift;
        m.dot |= (last.dot & keep) << shift;
        m.colon |= (last.colon & keep) << shift;
        m.at |= (last.at & keep) << shift;
        m.hex |= (last.hex & keep) << shift;
        m.upper |= (last.upper & keep) << shift;
        m.digit |= (last.digit & keep) << shift;
        m.newline |= (last.newline & keep) << shift;
    }
    m
}

/// The classes a byte at a time, from [`crate::tokens`]'s table: the plain statement every
/// classifier is tested against.
pub fn portable(text: &[u8], at: usize) -> Masks {
    let mut m = Masks::default();
    let end = text.len().min(at + 64);
    for (i, b) in text[at..end].iter().enumerate() {
        let c = class_of(*b);
        let bit = 1u64 << i;
        if c & ATOM != 0 {
            m.atom |= bit;
        }
        if c & DOT != 0 {
            m.dot |= bit;
        }
        if c & COLON != 0 {
            m.colon |= bit;
        }
        if c & AT != 0 {
            m.at |= bit;
        }
        if c & HEX != 0 {
            m.hex |= bit;
        }
        if c & UPPER != 0 {
            m.upper |= bit;
        }
        if b.is_ascii_digit() {
            m.digit |= bit;
        }
        if *b == b'\n' {
            m.newline |= bit;
        }
    }
    m
}

#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

#[cfg(target_arch = "aarch64")]
pub use arm::Neon;

#[cfg(target_arch = "aarch64")]
mod arm {
    use super::{Classifier, Masks};
    use std::arch::aarch64::*;

    pub struct Neon;

    impl Classifier for Neon {
        #[inline]
        unsafe fn classify(text: &[u8], at: usize) -> Masks {
            let rest = &text[at..];
            if rest.len() >= 64 {
                // SAFETY: 64 bytes from here are inside `text`; NEON is part of AArch64.
                return unsafe { neon_64(rest.as_ptr()) };
            }
            let mut tail = [0u8; 64];
            tail[..rest.len()].copy_from_slice(rest);
            // SAFETY: `tail` holds 64 bytes.
            unsafe { neon_64(tail.as_ptr()) }
        }
    }

    /// The classes of one 16-byte vector, each lane all ones or all zeros.
    struct Quarter {
        atom: uint8x16_t,
        dot: uint8x16_t,
        colon: uint8x16_t,
        at: uint8x16_t,
        hex: uint8x16_t,
        upper: uint8x16_t,
        digit: uint8x16_t,
        newline: uint8x16_t,
    }

    #[inline(always)]
    unsafe fn quarter(v: uint8x16_t) -> Quarter {
        // SAFETY (the whole body): NEON is part of AArch64; no memory is touched.
        unsafe {
            let set = |b: u8| vdupq_n_u8(b);
            let below =
                |x: uint8x16_t, lo: u8, width: u8| vcltq_u8(vsubq_u8(x, set(lo)), set(width));
            let folded = vorrq_u8(v, set(0x20));
            let digit = below(v, b'0', 10);
            let letter = below(folded, b'a', 26);
            let hex_letter = below(folded, b'a', 6);
            let upper = below(v, b'A', 26);
            let high = vcgeq_u8(v, set(0x80));
            let dot = vceqq_u8(v, set(b'.'));
            let colon = vceqq_u8(v, set(b':'));
            let at = vceqq_u8(v, set(b'@'));
            let dash = vceqq_u8(v, set(b'-'));
            let underscore = vceqq_u8(v, set(b'_'));
            let atom = vorrq_u8(
                vorrq_u8(vorrq_u8(digit, letter), vorrq_u8(high, dot)),
                vorrq_u8(vorrq_u8(colon, at), vorrq_u8(dash, underscore)),
            );
            Quarter {
                atom,
                dot,
                colon,
                at,
                hex: vorrq_u8(digit, hex_letter),
                upper,
                digit,
                newline: vceqq_u8(v, set(b'\n')),
            }
        }
    }

    /// Four vectors' lanes (all ones or zeros) as 64 bits, bit `i` for byte `i`: each lane
    /// keeps its bit's weight, and three rounds of pairwise additions gather eight lanes
    /// into a byte (NEON has no "move mask").
    #[inline(always)]
    unsafe fn bits(q: [uint8x16_t; 4]) -> u64 {
        // SAFETY (the whole body): NEON is part of AArch64; the weights are read from a
        // 16-byte array.
        unsafe {
            const WEIGHTS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
            let w = vld1q_u8(WEIGHTS.as_ptr());
            let a = vpaddq_u8(vandq_u8(q[0], w), vandq_u8(q[1], w));
            let b = vpaddq_u8(vandq_u8(q[2], w), vandq_u8(q[3], w));
            let c = vpaddq_u8(a, b);
            let d = vpaddq_u8(c, c);
            vgetq_lane_u64(vreinterpretq_u64_u8(d), 0)
        }
    }

    /// # Safety
    /// `p` points at 64 readable bytes.
    #[inline(always)]
    unsafe fn neon_64(p: *const u8) -> Masks {
        // SAFETY: as the caller promised.
        let q = unsafe {
            [
                quarter(vld1q_u8(p)),
                quarter(vld1q_u8(p.add(16))),
                quarter(vld1q_u8(p.add(32))),
                quarter(vld1q_u8(p.add(48))),
            ]
        };
        macro_rules! mask {
            ($field:ident) => {
                // SAFETY: NEON is part of AArch64.
                unsafe { bits([q[0].$field, q[1].$field, q[2].$field, q[3].$field]) }
            };
        }
        Masks {
            atom: mask!(atom),
            dot: mask!(dot),
            colon: mask!(colon),
            at: mask!(at),
            hex: mask!(hex),
            upper: mask!(upper),
            digit: mask!(digit),
            newline: mask!(newline),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Classifier, Masks};
    use std::arch::x86_64::*;

    pub struct Avx512;

    impl Classifier for Avx512 {
        #[inline]
        unsafe fn classify(text: &[u8], at: usize) -> Masks {
            avx512(text, at)
        }
    }

    /// One masked load of 64 bytes (nothing is read past the end), then a compare per class.
    #[target_feature(enable = "avx512bw")]
    #[inline]
    unsafe fn avx512(text: &[u8], at: usize) -> Masks {
        let n = text.len() - at;
        let k = super::low(n.min(64));
        // SAFETY: the mask keeps the load inside `text[at..]`.
        let v = unsafe { _mm512_maskz_loadu_epi8(k, text.as_ptr().add(at) as *const i8) };
        // Macros, not closures: a closure would not carry this function's instruction set,
        // and the compiler then splits every vector into bytes.
        macro_rules! set {
            ($b:expr) => {
                _mm512_set1_epi8($b as i8)
            };
        }
        let folded = _mm512_or_si512(v, set!(0x20));
        // Unsigned "x - lo < width" is one range check.
        let digit = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, set!(b'0')), set!(10));
        let letter = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(folded, set!(b'a')), set!(26));
        let hex_letter = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(folded, set!(b'a')), set!(6));
        let upper = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, set!(b'A')), set!(26));
        let high = _mm512_movepi8_mask(v);
        let dot = _mm512_cmpeq_epi8_mask(v, set!(b'.'));
        let colon = _mm512_cmpeq_epi8_mask(v, set!(b':'));
        let at_sign = _mm512_cmpeq_epi8_mask(v, set!(b'@'));
        let dash = _mm512_cmpeq_epi8_mask(v, set!(b'-'));
        let underscore = _mm512_cmpeq_epi8_mask(v, set!(b'_'));
        // Every mask is made here, in a general register: left to itself, the compiler
        // sinks compares into the walker's branches and keeps the 64-byte vector alive for
        // them, spilling it to the stack (seen in the disassembly).
        Masks {
            atom: opaque64(digit | letter | high | dot | colon | at_sign | dash | underscore),
            dot: opaque64(dot),
            colon: opaque64(colon),
            at: opaque64(at_sign),
            hex: opaque64(digit | hex_letter),
            upper: opaque64(upper),
            digit: opaque64(digit),
            newline: opaque64(_mm512_cmpeq_epi8_mask(v, set!(b'\n'))),
        }
    }

    /// `x`, in a general register, here: unseen by the optimiser (see [`opaque`]), and not
    /// `pure`, so that it is not moved either.
    #[inline(always)]
    fn opaque64(mut x: u64) -> u64 {
        // SAFETY: an empty assembly block that reads and writes one register.
        unsafe {
            std::arch::asm!("/* {0} */", inout(reg) x, options(nomem, nostack, preserves_flags));
        }
        x
    }

    pub struct Avx2;

    impl Classifier for Avx2 {
        #[inline]
        unsafe fn classify(text: &[u8], at: usize) -> Masks {
            avx2(text, at)
        }
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn avx2(text: &[u8], at: usize) -> Masks {
        let rest = &text[at..];
        if rest.len() >= 64 {
            // SAFETY: 64 bytes from here are inside `text`.
            return unsafe { avx2_64(rest.as_ptr()) };
        }
        let mut tail = [0u8; 64];
        tail[..rest.len()].copy_from_slice(rest);
        // SAFETY: `tail` holds 64 bytes.
        unsafe { avx2_64(tail.as_ptr()) }
    }

    /// # Safety
    /// `p` points at 64 readable bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn avx2_64(p: *const u8) -> Masks {
        // SAFETY: as the caller promised.
        let (lo, hi) = unsafe {
            (
                half(_mm256_loadu_si256(p as *const __m256i)),
                half(_mm256_loadu_si256(p.add(32) as *const __m256i)),
            )
        };
        macro_rules! join {
            ($field:ident) => {
                lo.$field as u64 | ((opaque(hi.$field) as u64) << 32)
            };
        }
        Masks {
            atom: join!(atom),
            dot: join!(dot),
            colon: join!(colon),
            at: join!(at),
            hex: join!(hex),
            upper: join!(upper),
            digit: join!(digit),
            newline: join!(newline),
        }
    }

    /// `x`, unseen by the optimiser: left to itself, the compiler merges the two halves'
    /// masks into one 64-lane mask, which without AVX-512 it builds a byte at a time (seen:
    /// 330 byte extractions per call, and the AVX2 path at a third of its speed).
    #[inline(always)]
    fn opaque(mut x: u32) -> u32 {
        // SAFETY: an empty assembly block that reads and writes one register.
        unsafe {
            std::arch::asm!("/* {0:e} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags));
        }
        x
    }

    struct Half {
        atom: u32,
        dot: u32,
        colon: u32,
        at: u32,
        hex: u32,
        upper: u32,
        digit: u32,
        newline: u32,
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn half(v: __m256i) -> Half {
        // Macros, not closures (see `avx512`).
        macro_rules! set {
            ($b:expr) => {
                _mm256_set1_epi8($b as i8)
            };
        }
        // Unsigned x < width, as min(x, width - 1) == x (AVX2 has no unsigned compare).
        macro_rules! below {
            ($x:expr, $width:expr) => {{
                let x = $x;
                _mm256_cmpeq_epi8(_mm256_min_epu8(x, set!($width - 1)), x)
            }};
        }
        macro_rules! eq {
            ($b:expr) => {
                _mm256_cmpeq_epi8(v, set!($b))
            };
        }
        macro_rules! bits {
            ($x:expr) => {
                _mm256_movemask_epi8($x) as u32
            };
        }
        let folded = _mm256_or_si256(v, set!(0x20));
        let digit = below!(_mm256_sub_epi8(v, set!(b'0')), 10u8);
        let letter = below!(_mm256_sub_epi8(folded, set!(b'a')), 26u8);
        let hex_letter = below!(_mm256_sub_epi8(folded, set!(b'a')), 6u8);
        let upper = below!(_mm256_sub_epi8(v, set!(b'A')), 26u8);
        let (dot, colon, at_sign) = (eq!(b'.'), eq!(b':'), eq!(b'@'));
        let word_marks = _mm256_or_si256(
            _mm256_or_si256(dot, colon),
            _mm256_or_si256(at_sign, _mm256_or_si256(eq!(b'-'), eq!(b'_'))),
        );
        let atom = _mm256_or_si256(
            _mm256_or_si256(digit, letter),
            _mm256_or_si256(word_marks, v), // the high bit of v: non-ASCII bytes
        );
        Half {
            atom: bits!(atom),
            dot: bits!(dot),
            colon: bits!(colon),
            at: bits!(at_sign),
            hex: bits!(_mm256_or_si256(digit, hex_letter)),
            upper: bits!(upper),
            digit: bits!(digit),
            newline: bits!(eq!(b'\n')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every classifier gives the portable one's masks, at every offset and length.
    #[test]
    fn classifiers_agree() {
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1du64);
        for round in 0..2_000 {
            let len = (next() % 150) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    if round % 2 == 0 {
                        (next() % 256) as u8
                    } else {
                        b"aZ09.:@-_/ \x80\xffgG"[(next() % 15) as usize]
                    }
                })
                .collect();
            for at in 0..=len {
                let want = portable(&text, at);
                for isa in Isa::available() {
                    // SAFETY: `available` lists only what this processor runs.
                    let got = unsafe {
                        match isa {
                            Isa::Portable => Portable::classify(&text, at),
                            #[cfg(target_arch = "x86_64")]
                            Isa::Avx2 => Avx2::classify(&text, at),
                            #[cfg(target_arch = "x86_64")]
                            Isa::Avx512 => Avx512::classify(&text, at),
                            #[cfg(target_arch = "aarch64")]
                            Isa::Neon => Neon::classify(&text, at),
                        }
                    };
                    assert_eq!(got, want, "{} at {at} of {text:?}", isa.name());
                }
            }
        }
    }

    /// Two windows' masks joined are the masks of the window that starts between them.
    #[test]
    fn joined_windows_are_the_window_between() {
        let mut next = crate::xorshift(0x0123_4567_89ab_cdefu64);
        for _ in 0..200 {
            let len = 64 + (next() % 100) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| b"aZ09.:@-_/ \n"[(next() % 12) as usize])
                .collect();
            for k in 1..=64 {
                let joined = portable(&text, 0).joined(portable(&text, 64), k);
                assert_eq!(joined, portable(&text, 64 - k), "k {k} of {text:?}");
            }
        }
    }
}
