//! Sign-in attempts per client address in a fixed window. Complements the per-account
//! lockout in the store: the lockout stops guessing one password, this stops spraying many
//! accounts from one place.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    pub fn new(limit: u32, window: Duration) -> LoginLimiter {
        LoginLimiter {
            limit,
            window,
            seen: Mutex::default(),
        }
    }

    /// Counts an attempt; `Err(seconds)` to wait when over the limit.
    pub fn attempt(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        let Some(ip) = ip else { return Ok(()) };
        let Ok(mut seen) = self.seen.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            Err(wait.as_secs().max(1))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address() {
        let l = LoginLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(l.attempt(Some(a)).is_ok());
        assert!(l.attempt(Some(a)).is_ok());
        assert!(l.attempt(Some(a)).is_err());
        assert!(l.attempt(Some(b)).is_ok());
    }
}
