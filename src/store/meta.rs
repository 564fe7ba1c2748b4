//! Metadata of the database: small keyed values in `meta` (the demo fleet's
//! port and token, for one) and moving the devices' agent URLs when the demo
//! fleet has to listen on another port. Never decides what the demo is;
//! `crate::demo` does.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

impl Store {
    /// A value of the `meta` table, `None` when the key was never set.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .reader()?
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Sets (or replaces) a value of the `meta` table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.writer()
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    /// Replaces the prefix `from` of every agent URL that starts with it by
    /// `to`, in one statement; returns how many devices moved. Compared with
    /// `substr` rather than `LIKE` so `%` and `_` in URLs mean themselves.
    pub fn rebase_agent_urls(&self, from: &str, to: &str) -> Result<usize, StoreError> {
        Ok(self
            .writer()
            .prepare_cached(
                "UPDATE devices SET agent_url = ?2 || substr(agent_url, length(?1) + 1)
                 WHERE substr(agent_url, 1, length(?1)) = ?1",
            )?
            .execute(params![from, to])?)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::NewDevice;
    use crate::store::Store;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("db.sqlite3"),
            crate::store::behaviour_tests::memory(),
        )
        .unwrap();
        (dir, store)
    }

    #[test]
    fn meta_values_are_set_replaced_and_read_back() {
        let (_dir, store) = store();
        assert_eq!(store.meta("k").unwrap(), None);
        store.set_meta("k", "1").unwrap();
        store.set_meta("k", "2").unwrap();
        assert_eq!(store.meta("k").unwrap().as_deref(), Some("2"));
    }

    #[test]
    fn rebasing_moves_only_urls_with_the_prefix() {
        let (_dir, store) = store();
        for (name, url) in [
            ("a", "http://127.0.0.1:7000/devices/dev-00000"),
            ("b", "http://127.0.0.1:70001/devices/dev-00001"),
            ("c", "http://127.0.0.1:9000/devices/dev-00002"),
        ] {
            let d = NewDevice {
                name: name.into(),
                agent_url: url.into(),
                agent_token: "t".into(),
                tls_fingerprint: None,
                labels: vec![],
                products: Default::default(),
            };
            store
                .add_device(
                    &crate::domain::Actor::new("admin").unwrap(),
                    &d.validate().unwrap(),
                )
                .unwrap();
        }
        let n = store
            .rebase_agent_urls("http://127.0.0.1:7000/", "http://127.0.0.1:7100/")
            .unwrap();
        assert_eq!(n, 1);
        let urls: Vec<_> = store
            .devices()
            .unwrap()
            .into_iter()
            .map(|d| d.agent_url)
            .collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:7100/devices/dev-00000",
                "http://127.0.0.1:70001/devices/dev-00001",
                "http://127.0.0.1:9000/devices/dev-00002"
            ]
        );
    }
}
