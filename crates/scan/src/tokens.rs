//! Cutting a log line into the pieces that can be indicators.
//!
//! A **word** is a maximal run of bytes that can appear in a URL (letters, digits and
//! `. - _ : @ / % ? = & + ~ #`, and any non-ASCII byte); whitespace, quotes, brackets, commas,
//! semicolons and the like end it. An **atom** is a maximal run inside a word of the bytes
//! that can appear in a host, an address, a hash or an account (letters, digits, `. - _ : @`).
//! Matching works on whole words (URLs) and whole atoms (everything else), which is what
//! keeps `1.2.3.4` from matching inside `11.2.3.45` and a hash from matching inside a longer
//! hex string.

const WORD: u8 = 1;
pub const ATOM: u8 = 2;
/// What an atom holds, gathered while it is cut (see [`atoms`]).
pub const DOT: u8 = 4;
pub const COLON: u8 = 8;
pub const AT: u8 = 16;
/// 0-9, a-f, A-F.
pub const HEX: u8 = 32;
/// What an IPv6 address is written with: hex digits, colons and (for an embedded IPv4
/// address) dots.
pub const V6: u8 = 64;
/// A-Z (hosts and hashes are lower-cased before they are compared, when they have any).
pub const UPPER: u8 = 128;

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let atom =
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b':' | b'@') || c >= 0x80;
        let word = atom || matches!(c, b'/' | b'%' | b'?' | b'=' | b'&' | b'+' | b'~' | b'#');
        let mut class = if atom {
            WORD | ATOM
        } else if word {
            WORD
        } else {
            0
        };
        if c == b'.' {
            class |= DOT;
        }
        if c == b':' {
            class |= COLON;
        }
        if c == b'@' {
            class |= AT;
        }
        if c.is_ascii_hexdigit() {
            class |= HEX | V6;
        }
        if c == b':' || c == b'.' {
            class |= V6;
        }
        if c.is_ascii_uppercase() {
            class |= UPPER;
        }
        t[b] = class;
        b += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

/// The classes of one byte.
#[inline(always)]
pub fn class_of(b: u8) -> u8 {
    CLASS[b as usize]
}

/// Is `b` a byte of a word?
#[inline(always)]
pub fn is_word(b: u8) -> bool {
    CLASS[b as usize] & WORD != 0
}

/// The bounds of the word holding byte `i` of `text` (`i` itself is a word byte).
pub fn word_around(text: &[u8], i: usize) -> (usize, usize) {
    let start = text[..i]
        .iter()
        .rposition(|b| !is_word(*b))
        .map_or(0, |p| p + 1);
    let end = text[i..]
        .iter()
        .position(|b| !is_word(*b))
        .map_or(text.len(), |p| i + p);
    (start, end)
}

/// Calls `f` with every atom of `word`, with the union of its bytes' classes (does it hold
/// a dot, a colon, an at sign?) and their intersection (is it all hex?).
pub fn atoms<'a>(word: &'a [u8], mut f: impl FnMut(&'a [u8], u8, u8)) {
    // Two tight loops (skip separators, then take an atom) predict better than one loop
    // that asks at every byte which of the two it is in.
    let n = word.len();
    let mut i = 0;
    while i < n {
        while i < n && CLASS[word[i] as usize] & ATOM == 0 {
            i += 1;
        }
        if i == n {
            break;
        }
        let start = i;
        let (mut any, mut all) = (0u8, 0xffu8);
        while i < n {
            let c = CLASS[word[i] as usize];
            if c & ATOM == 0 {
                break;
            }
            any |= c;
            all &= c;
            i += 1;
        }
        f(&word[start..i], any, all);
    }
}

/// Trims what ends a sentence or a field around a token (`evil.example.` at the end of a
/// sentence, `host:` before a port), keeping the token itself.
pub fn trim(atom: &[u8]) -> &[u8] {
    let (s, e) = trim_bounds(atom);
    &atom[s..e]
}

/// The bounds of [`trim`]'s answer.
#[inline]
pub fn trim_bounds(atom: &[u8]) -> (usize, usize) {
    let e = trim_end(atom).len();
    let mut s = 0;
    while s < e && matches!(atom[s], b'.' | b'-' | b'_') {
        s += 1;
    }
    (s, e)
}

/// [`trim`] at the end only.
#[inline]
pub fn trim_end(atom: &[u8]) -> &[u8] {
    let mut e = atom.len();
    while e > 0 && matches!(atom[e - 1], b'.' | b':' | b'-' | b'_') {
        e -= 1;
    }
    &atom[..e]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_atoms(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        atoms(line.as_bytes(), |a, _, _| {
            out.push(String::from_utf8_lossy(a).to_string())
        });
        out
    }

    #[test]
    fn words_and_atoms() {
        assert_eq!(
            all_atoms(r#"src=1.2.3.4 "GET http://evil.example/a?b=c" user@mail.example,x"#),
            [
                "src",
                "1.2.3.4",
                "GET",
                "http:",
                "evil.example",
                "a",
                "b",
                "c",
                "user@mail.example",
                "x"
            ]
        );
        let mut flags = Vec::new();
        atoms(
            b"1.2.3.4:80 user@x.example d41d8cd98f00b204e9800998ecf8427e",
            |_, any, all| flags.push((any & (DOT | COLON | AT), all & HEX)),
        );
        assert_eq!(flags, [(DOT | COLON, 0), (DOT | AT, 0), (0, HEX)]);
        assert_eq!(trim(b"evil.example."), b"evil.example");
        assert_eq!(trim(b"host:"), b"host");
        assert_eq!(trim(b"::1"), b"::1");
        let line = b"a \"GET http://evil.example/a?b=c\" z";
        let p = memchr::memmem::find(line, b"://").unwrap();
        let (s, e) = word_around(line, p);
        assert_eq!(&line[s..e], b"http://evil.example/a?b=c");
    }
}
