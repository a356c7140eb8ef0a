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
const ATOM: u8 = 2;

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let atom = c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b':' | b'@') || c >= 0x80;
        let word = atom || matches!(c, b'/' | b'%' | b'?' | b'=' | b'&' | b'+' | b'~' | b'#');
        t[b] = if atom { WORD | ATOM } else if word { WORD } else { 0 };
        b += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

#[inline]
fn runs<'a>(s: &'a [u8], class: u8, mut f: impl FnMut(&'a [u8])) {
    let mut i = 0;
    let n = s.len();
    while i < n {
        while i < n && CLASS[s[i] as usize] & class == 0 {
            i += 1;
        }
        let start = i;
        while i < n && CLASS[s[i] as usize] & class != 0 {
            i += 1;
        }
        if i > start {
            f(&s[start..i]);
        }
    }
}

/// Calls `f` with every word of `line`.
pub fn words<'a>(line: &'a [u8], f: impl FnMut(&'a [u8])) {
    runs(line, WORD, f)
}

/// Calls `f` with every atom of `word`.
pub fn atoms<'a>(word: &'a [u8], f: impl FnMut(&'a [u8])) {
    runs(word, ATOM, f)
}

/// Trims what ends a sentence or a field around a token (`evil.example.` at the end of a
/// sentence, `host:` before a port), keeping the token itself.
pub fn trim(atom: &[u8]) -> &[u8] {
    let mut s = atom;
    while let [rest @ .., b'.' | b':' | b'-' | b'_'] = s {
        s = rest;
    }
    while let [b'.' | b'-' | b'_', rest @ ..] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_atoms(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        words(line.as_bytes(), |w| {
            atoms(w, |a| out.push(String::from_utf8_lossy(a).to_string()))
        });
        out
    }

    #[test]
    fn words_and_atoms() {
        assert_eq!(
            all_atoms(r#"src=1.2.3.4 "GET http://evil.example/a?b=c" user@mail.example,x"#),
            ["src", "1.2.3.4", "GET", "http:", "evil.example", "a", "b", "c", "user@mail.example", "x"]
        );
        assert_eq!(trim(b"evil.example."), b"evil.example");
        assert_eq!(trim(b"host:"), b"host");
        assert_eq!(trim(b"::1"), b"::1");
    }
}
