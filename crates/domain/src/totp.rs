//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30-second steps), the variant
//! every authenticator app understands.

use hmac::{Hmac, Mac};
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;

/// The code for a secret at a Unix time.
pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    let counter = unix_seconds.div_euclid(STEP_SECONDS) as u64;
    // HMAC accepts keys of any length; the error arm is unreachable but costs nothing.
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", binary % 10u32.pow(DIGITS))
}

/// Accepts the current step and one step either side, for clock drift.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64) -> bool {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    [-1, 0, 1].iter().any(|d| {
        let expected = code_at(secret, unix_seconds + d * STEP_SECONDS);
        // Constant-time comparison of two 6-byte strings.
        expected
            .bytes()
            .zip(code.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    })
}

/// Base32 (RFC 4648, no padding), as authenticator apps expect the secret.
pub fn encode_secret(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

pub fn decode_secret(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).ok()
}

/// The `otpauth://` URI that authenticator apps import.
pub fn provisioning_uri(secret: &[u8], username: &str) -> String {
    format!(
        "otpauth://totp/mamori:{}?secret={}&issuer=mamori&algorithm=SHA1&digits=6&period=30",
        username.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
            "_"
        ),
        encode_secret(secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (8-digit values; we keep the
    // last six digits).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 1_234_567_890), "005924");
        assert_eq!(code_at(secret, 2_000_000_000), "279037");
    }

    #[test]
    fn verify_accepts_drift_and_rejects_junk() {
        let secret = b"12345678901234567890";
        assert!(verify(secret, "287082", 59 + 30));
        assert!(!verify(secret, "287082", 59 + 120));
        assert!(!verify(secret, "28708a", 59));
        assert!(!verify(secret, "", 59));
    }

    #[test]
    fn secret_round_trips_through_base32() {
        let s = b"0123456789abcdefghij";
        assert_eq!(decode_secret(&encode_secret(s)).unwrap(), s);
    }
}
