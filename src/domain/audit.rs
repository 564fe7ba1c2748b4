//! The audit log's entries and their hash chain. Each entry's hash covers its
//! own fields and the previous entry's hash, so editing or deleting an entry
//! breaks every hash after it. Pure: the store reads and writes the rows.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{Action, Role};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What became of an attempted action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Allowed and carried out.
    Done,
    /// Refused for lack of a role.
    Refused,
    /// Allowed, but the core rejected it (bad input, a conflict); nothing changed.
    Failed,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Done => "done",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<AuditOutcome> {
        [
            AuditOutcome::Done,
            AuditOutcome::Refused,
            AuditOutcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// An entry before it is chained: who, when, what, on which objects, outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The actor's role when they acted.
    pub role: Role,
    pub action: Action,
    /// The objects acted on, e.g. `update 4` or `device hamburg-srv-01`.
    pub objects: String,
    pub outcome: AuditOutcome,
    /// Why it was refused or failed, or what it did; never a secret.
    pub detail: String,
}

/// An entry as stored: its place in the chain and the hashes that link it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash of this record as entry `seq` after `prev_hash`. The fields
    /// are hashed as one JSON array, so no two field lists hash alike.
    pub fn chain_hash(&self, seq: i64, prev_hash: &str) -> String {
        let fields = serde_json::json!([
            prev_hash,
            seq,
            self.at.timestamp_millis(),
            self.actor,
            self.role.as_str(),
            self.action.as_str(),
            self.objects,
            self.outcome.as_str(),
            self.detail,
        ]);
        let digest = Sha256::digest(fields.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn chain(self, seq: i64, prev_hash: &str) -> AuditEntry {
        AuditEntry {
            seq,
            hash: self.chain_hash(seq, prev_hash),
            prev_hash: prev_hash.to_owned(),
            record: self,
        }
    }
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainCheck {
    pub entries: u64,
    /// The last entry's sequence number and hash. Keep a copy elsewhere:
    /// deleting entries from the end leaves a shorter chain that is intact.
    pub head: Option<(i64, String)>,
    /// The first entry that does not fit, and why.
    pub broken: Option<(i64, String)>,
}

/// Walks entries in sequence order and reports the first that was edited,
/// or that follows a deleted one.
#[derive(Debug, Default)]
pub struct ChainWalker {
    entries: u64,
    last: Option<(i64, String)>,
    broken: Option<(i64, String)>,
}

impl ChainWalker {
    pub fn push(&mut self, e: &AuditEntry) {
        self.entries += 1;
        if self.broken.is_none() {
            let (want_seq, want_prev) = match &self.last {
                Some((seq, hash)) => (seq + 1, hash.as_str()),
                None => (1, GENESIS),
            };
            let problem = if e.seq != want_seq {
                Some(format!(
                    "expected entry {want_seq} here, found {}: entries were deleted",
                    e.seq
                ))
            } else if e.prev_hash != want_prev {
                Some("its link to the previous entry does not match: an entry before it was changed or deleted".to_owned())
            } else if e.record.chain_hash(e.seq, &e.prev_hash) != e.hash {
                Some("its content does not match its hash: it was edited".to_owned())
            } else {
                None
            };
            self.broken = problem.map(|p| (e.seq, p));
        }
        self.last = Some((e.seq, e.hash.clone()));
    }

    /// An entry whose row could not be read back: edited outside Rollwright.
    pub fn unreadable(&mut self, seq: i64, why: &str) {
        self.entries += 1;
        if self.broken.is_none() {
            self.broken = Some((seq, format!("it cannot be read ({why}): it was edited")));
        }
        self.last = Some((seq, String::new()));
    }

    pub fn finish(self) -> ChainCheck {
        ChainCheck {
            entries: self.entries,
            head: self.last,
            broken: self.broken,
        }
    }
}

/// The CSV header of [`csv_row`].
pub const CSV_HEADER: &str = "seq,at,actor,role,action,objects,outcome,detail,hash";

/// One entry as a CSV line (RFC 4180 quoting). A cell that a spreadsheet
/// would run as a formula gets a leading `'`.
pub fn csv_row(e: &AuditEntry) -> String {
    let r = &e.record;
    [
        e.seq.to_string(),
        r.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        r.actor.clone(),
        r.role.as_str().to_owned(),
        r.action.as_str().to_owned(),
        r.objects.clone(),
        r.outcome.as_str().to_owned(),
        r.detail.clone(),
        e.hash.clone(),
    ]
    .iter()
    .map(|c| csv_cell(c))
    .collect::<Vec<_>>()
    .join(",")
}

fn csv_cell(raw: &str) -> String {
    let defused = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: i64) -> AuditRecord {
        AuditRecord {
            at: DateTime::from_timestamp_millis(1_700_000_000_000 + n).unwrap(),
            actor: "ana".into(),
            role: Role::Admin,
            action: Action::CreateUpdate,
            objects: format!("update {n}"),
            outcome: AuditOutcome::Done,
            detail: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let e = record(seq).chain(seq, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn check(entries: &[AuditEntry]) -> ChainCheck {
        let mut w = ChainWalker::default();
        entries.iter().for_each(|e| w.push(e));
        w.finish()
    }

    #[test]
    fn an_intact_chain_verifies_and_reports_its_head() {
        let entries = chain(5);
        let c = check(&entries);
        assert_eq!(c.entries, 5);
        assert_eq!(c.broken, None);
        assert_eq!(c.head, Some((5, entries[4].hash.clone())));
        assert_eq!(check(&[]).head, None);
    }

    #[test]
    fn an_edited_field_breaks_the_chain_at_that_entry() {
        let mut entries = chain(5);
        entries[2].record.outcome = AuditOutcome::Refused;
        assert_eq!(check(&entries).broken.unwrap().0, 3);
    }

    #[test]
    fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
        let mut entries = chain(5);
        entries[2].record.actor = "mallory".into();
        entries[2].hash = entries[2]
            .record
            .chain_hash(entries[2].seq, &entries[2].prev_hash);
        assert_eq!(check(&entries).broken.unwrap().0, 4);
    }

    #[test]
    fn a_deleted_entry_is_found_where_the_gap_is() {
        let mut entries = chain(5);
        entries.remove(1);
        let broken = check(&entries).broken.unwrap();
        assert_eq!(broken.0, 3);
        assert!(broken.1.contains("deleted"), "{}", broken.1);
        let mut renumbered = chain(5);
        renumbered.remove(0);
        assert_eq!(check(&renumbered).broken.unwrap().0, 2);
    }

    #[test]
    fn every_field_is_in_the_hash() {
        let base = record(1);
        let h = base.chain_hash(1, GENESIS);
        let variants: [fn(&mut AuditRecord); 7] = [
            |r| r.at += chrono::TimeDelta::milliseconds(1),
            |r| r.actor.push('x'),
            |r| r.role = Role::Viewer,
            |r| r.action = Action::CancelUpdate,
            |r| r.objects.push('x'),
            |r| r.outcome = AuditOutcome::Failed,
            |r| r.detail.push('x'),
        ];
        for (i, change) in variants.iter().enumerate() {
            let mut r = base.clone();
            change(&mut r);
            assert_ne!(r.chain_hash(1, GENESIS), h, "variant {i}");
        }
        assert_ne!(base.chain_hash(2, GENESIS), h);
        assert_ne!(base.chain_hash(1, &"1".repeat(64)), h);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut e = chain(1).remove(0);
        e.record.objects = "device \"a\", b".into();
        e.record.detail = "=HYPERLINK(\"x\")".into();
        let row = csv_row(&e);
        assert!(row.contains(r#""device ""a"", b""#), "{row}");
        assert!(row.contains(r#""'=HYPERLINK(""x"")""#), "{row}");
        assert_eq!(CSV_HEADER.split(',').count(), 9);
        assert!(row.starts_with("1,2023-11-14T22:13:20.001Z,ana,admin,update.create,"));
    }
}
