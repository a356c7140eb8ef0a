//! The tamper-evident audit trail.
//!
//! Records form a hash chain: each record's hash covers its own fields and the previous
//! record's hash, and a separate head (the last sequence number and hash) is updated in the
//! same transaction. Altering a record breaks its hash; deleting or reordering records breaks
//! the sequence or the `prev_hash` link; deleting the newest records leaves the head pointing
//! past the end.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<i64>,
    /// Username, or `system` / `cli` for changes made outside a session.
    pub actor: String,
    /// The organisation the change concerns (for tenant-scoped browsing).
    pub organisation_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// JSON text describing what changed, hashed exactly as stored.
    pub changes: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Truncates a time to microseconds: both backends store that precision, and the hash must
/// survive a round trip through either.
pub fn audit_time(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The hash of a record given its fields and the previous record's hash. Fields are
/// length-prefixed so that no two different records serialise to the same bytes.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor_account_id: Option<i64>,
    actor: &str,
    organisation_id: Option<i64>,
    action: &str,
    object_type: &str,
    object_id: &str,
    changes: &str,
) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field(prev_hash);
    field(&seq.to_string());
    field(&at.timestamp_micros().to_string());
    field(&actor_account_id.map(|v| v.to_string()).unwrap_or_default());
    field(actor);
    field(&organisation_id.map(|v| v.to_string()).unwrap_or_default());
    field(action);
    field(object_type);
    field(object_id);
    field(changes);
    hex::encode(h.finalize())
}

impl AuditRecord {
    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            self.at,
            self.actor_account_id,
            &self.actor,
            self.organisation_id,
            &self.action,
            &self.object_type,
            &self.object_id,
            &self.changes,
        )
    }
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("record {seq}: its contents do not match its hash (altered)")]
    Altered { seq: i64 },
    #[error("record {seq}: expected sequence number {expected} (records deleted or reordered)")]
    Sequence { seq: i64, expected: i64 },
    #[error("record {seq}: does not link to the previous record's hash (records deleted, inserted or reordered)")]
    Link { seq: i64 },
    #[error("the chain ends at record {last} but its head says {head} (newest records deleted)")]
    Head { last: i64, head: i64 },
    #[error("the chain head's hash does not match record {seq}")]
    HeadHash { seq: i64 },
}

/// Checks a chain record by record, in sequence order, in constant memory.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.seq != self.expected_seq {
            return Err(ChainBreak::Sequence {
                seq: r.seq,
                expected: self.expected_seq,
            });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainBreak::Link { seq: r.seq });
        }
        if r.expected_hash() != r.hash {
            return Err(ChainBreak::Altered { seq: r.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = r.hash.clone();
        Ok(())
    }

    /// Compares the end of the chain with the stored head; returns the number of records.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        if last != head_seq {
            return Err(ChainBreak::Head {
                last,
                head: head_seq,
            });
        }
        if last > 0 && head_hash != self.prev_hash {
            return Err(ChainBreak::HeadHash { seq: last });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: DateTime::from_timestamp(1_700_000_000 + seq, 0).unwrap(),
                    actor_account_id: Some(1),
                    actor: "alice".into(),
                    organisation_id: Some(7),
                    action: "institution.update".into(),
                    object_type: "institution".into(),
                    object_id: seq.to_string(),
                    changes: format!("{{\"n\":{seq}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = r.expected_hash();
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.push(r)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash.clone())), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn detects_alteration_deletion_reordering_and_truncation() {
        let c = chain(5);
        let head = (5, c[4].hash.clone());

        let mut altered = c.clone();
        altered[2].changes = "{\"n\":99}".into();
        assert_eq!(
            verify(&altered, (head.0, &head.1)),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, (head.0, &head.1)),
            Err(ChainBreak::Sequence {
                seq: 3,
                expected: 2
            })
        );

        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert!(verify(&reordered, (head.0, &head.1)).is_err());

        let truncated = &c[..4];
        assert_eq!(
            verify(truncated, (head.0, &head.1)),
            Err(ChainBreak::Head { last: 4, head: 5 })
        );
    }
}
