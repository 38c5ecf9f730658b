//! Reads kept for a few seconds by one node (a session, an application's status page), and
//! the changes that end them early.
//!
//! A committed transaction names the records it changed: the subjects of its audit entries
//! (`application/17`), and any it adds itself. This node forgets what it kept of them as soon
//! as the commit returns; on PostgreSQL the names also go to every other node with `NOTIFY`
//! in the same transaction, so they are sent only if it commits. A kept read is used only
//! while none of its records changed after the read began, and never longer than
//! [`FRESH_FOR`]: that bounds a change nobody announced (another process on a SQLite file,
//! a listener that lost its connection for a moment).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest a kept read is used.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// The PostgreSQL channel that carries the names of changed records between nodes.
pub const CHANNEL: &str = "satupintu_changes";

/// A notification saying "forget everything": too many names for one payload.
pub const EVERYTHING: &str = "*";

/// The longest payload sent; PostgreSQL refuses more than 8,000 bytes.
const PAYLOAD_MOST: usize = 7_000;

/// Changed records remembered before the old ones are pruned.
const CHANGES_MOST: usize = 65_536;

/// Reads kept per cache before the stale ones are dropped (and, if all are fresh, all).
const KEPT_MOST: usize = 20_000;

/// The kinds of record that kept reads come from. Only their changes are announced: other
/// writes (complaints, content) cost no notification.
pub const KEPT_KINDS: &[&str] =
    &["account", "agency", "application", "document", "service", "session", "token"];

/// Whether reads kept anywhere may come from this record.
pub fn is_kept(record: &str) -> bool {
    record == EVERYTHING || KEPT_KINDS.iter().any(|kind| record.split('/').next() == Some(*kind))
}

/// The record a subject names, its kind and id: `service/ktp/v2` is `service/ktp`.
pub fn record_of(subject: &str) -> &str {
    match subject.match_indices('/').nth(1) {
        Some((end, _)) => &subject[..end],
        None => subject,
    }
}

/// The payloads announcing these records to other nodes: one normally, or "everything".
pub fn payload(records: &[String]) -> String {
    let joined = records.join("\n");
    if joined.len() > PAYLOAD_MOST { EVERYTHING.to_string() } else { joined }
}

/// When each record last changed, as far as this node knows.
#[derive(Debug)]
pub struct Changes {
    log: Mutex<ChangeLog>,
}

#[derive(Debug)]
struct ChangeLog {
    at: HashMap<String, Instant>,
    everything_at: Option<Instant>,
}

impl Default for Changes {
    fn default() -> Self {
        Self { log: Mutex::new(ChangeLog { at: HashMap::new(), everything_at: None }) }
    }
}

impl Changes {
    /// Notes that a record changed now.
    pub fn mark(&self, record: &str) {
        if record == EVERYTHING {
            return self.mark_everything();
        }
        let now = Instant::now();
        let Ok(mut log) = self.log.lock() else { return };
        if log.at.len() >= CHANGES_MOST {
            // A change older than FRESH_FOR can no longer outdate anything kept. If most are
            // recent, forgetting everything is right and keeps pruning rare.
            log.at.retain(|_, at| now.duration_since(*at) < FRESH_FOR);
            if log.at.len() >= CHANGES_MOST / 2 {
                log.at.clear();
                log.everything_at = Some(now);
            }
        }
        log.at.insert(record_of(record).to_string(), now);
    }

    /// Notes that anything may have changed (changes may have been missed).
    pub fn mark_everything(&self) {
        if let Ok(mut log) = self.log.lock() {
            log.everything_at = Some(Instant::now());
            log.at.clear();
        }
    }

    /// Whether a read begun at `since` from these records is still good.
    fn unchanged_since(&self, records: &[String], since: Instant) -> bool {
        if since.elapsed() >= FRESH_FOR {
            return false;
        }
        let Ok(log) = self.log.lock() else { return false };
        log.everything_at.is_none_or(|at| at < since)
            && records.iter().all(|r| log.at.get(r).is_none_or(|at| *at < since))
    }
}

/// Reads kept by key, each with the records it came from.
pub struct Kept<V> {
    entries: Mutex<HashMap<String, KeptRead<V>>>,
}

struct KeptRead<V> {
    since: Instant,
    records: Vec<String>,
    value: V,
}

// Kept values may be personal data: debug output shows how many, not what.
impl<V> std::fmt::Debug for Kept<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.entries.lock().map(|entries| entries.len()).unwrap_or_default();
        f.debug_struct("Kept").field("entries", &kept).finish()
    }
}

impl<V> Default for Kept<V> {
    fn default() -> Self {
        Self { entries: Mutex::new(HashMap::new()) }
    }
}

impl<V: Clone> Kept<V> {
    /// The value kept under `key`, if none of its records changed since it was read.
    pub fn get(&self, changes: &Changes, key: &str) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let kept = entries.get(key)?;
        changes.unchanged_since(&kept.records, kept.since).then(|| kept.value.clone())
    }

    /// Keeps a value read from `records`, starting at `since` (taken before the read, so a
    /// change committed while reading outdates it).
    pub fn put(&self, key: String, since: Instant, records: Vec<String>, value: V) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= KEPT_MOST {
            let now = Instant::now();
            entries.retain(|_, kept| now.duration_since(kept.since) < FRESH_FOR);
            if entries.len() >= KEPT_MOST {
                entries.clear();
            }
        }
        debug_assert!(records.iter().all(|r| is_kept(r)), "add the kind to KEPT_KINDS: {records:?}");
        let records = records.iter().map(|r| record_of(r).to_string()).collect();
        entries.insert(key, KeptRead { since, records, value });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_kind_and_id() {
        assert_eq!(record_of("service/ktp/v2"), "service/ktp");
        assert_eq!(record_of("account/5/officer"), "account/5");
        assert_eq!(record_of("application/17"), "application/17");
        assert_eq!(record_of("regions"), "regions");
    }

    #[test]
    fn a_change_after_the_read_began_outdates_it() {
        let (changes, kept) = (Changes::default(), Kept::<u8>::default());
        let since = Instant::now();
        kept.put("page".into(), since, vec!["application/1".into()], 7);
        assert_eq!(kept.get(&changes, "page"), Some(7));
        changes.mark("application/2/documents");
        assert_eq!(kept.get(&changes, "page"), Some(7), "another record changed");
        changes.mark("application/1/documents");
        assert_eq!(kept.get(&changes, "page"), None);
        // Read again after the change: good again.
        kept.put("page".into(), Instant::now(), vec!["application/1".into()], 8);
        assert_eq!(kept.get(&changes, "page"), Some(8));
    }

    #[test]
    fn a_change_while_reading_outdates_the_read() {
        let (changes, kept) = (Changes::default(), Kept::<u8>::default());
        let since = Instant::now();
        changes.mark("account/3");
        kept.put("session".into(), since, vec!["account/3".into()], 1);
        assert_eq!(kept.get(&changes, "session"), None);
    }

    #[test]
    fn everything_outdates_all() {
        let (changes, kept) = (Changes::default(), Kept::<u8>::default());
        kept.put("a".into(), Instant::now(), vec!["account/1".into()], 1);
        changes.mark(EVERYTHING);
        assert_eq!(kept.get(&changes, "a"), None);
    }

    #[test]
    fn reads_expire() {
        let (changes, kept) = (Changes::default(), Kept::<u8>::default());
        let long_ago = Instant::now().checked_sub(FRESH_FOR).expect("the clock is past FRESH_FOR");
        kept.put("a".into(), long_ago, Vec::new(), 1);
        assert_eq!(kept.get(&changes, "a"), None);
    }

    #[test]
    fn only_kinds_that_are_kept_count() {
        assert!(is_kept("application/3") && is_kept("session/ab") && is_kept(EVERYTHING));
        assert!(!is_kept("complaint/3") && !is_kept("applications/3") && !is_kept("news/x"));
    }

    #[test]
    fn long_payloads_become_everything() {
        assert_eq!(payload(&["application/1".into(), "account/2".into()]), "application/1\naccount/2");
        let many: Vec<String> = (0..2_000).map(|i| format!("application/{i}")).collect();
        assert_eq!(payload(&many), EVERYTHING);
    }
}
