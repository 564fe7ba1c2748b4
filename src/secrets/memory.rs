//! An in-memory [`SecretStore`] for tests, this crate's and its users' (the
//! integration tests in `tests/` take it as `Arc<dyn SecretStore>`). Counts its
//! calls and shows what it holds. Never for real tokens: they are gone at exit.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Backend, Secret, SecretError, SecretRef, SecretStore};

/// How often each method of a [`MemoryStore`] was called (failed calls too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryCalls {
    pub put: usize,
    pub get: usize,
    pub delete: usize,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<SecretRef, Secret>,
    calls: MemoryCalls,
    /// When set, every call fails with this reason (a keyring gone away).
    failing: Option<String>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    pub fn calls(&self) -> MemoryCalls {
        self.lock().calls
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, r: &SecretRef) -> bool {
        self.lock().entries.contains_key(r)
    }

    /// The references it holds, in no particular order.
    pub fn refs(&self) -> Vec<SecretRef> {
        self.lock().entries.keys().copied().collect()
    }

    /// From now on every call fails as an unreachable backend would, with
    /// `reason`; `None` heals it.
    pub fn set_failing(&self, reason: Option<&str>) {
        self.lock().failing = reason.map(str::to_owned);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn check(&self, r: Option<&SecretRef>) -> Result<(), SecretError> {
        if let Some(reason) = &self.failing {
            return Err(SecretError::Unavailable {
                backend: "memory store",
                reason: reason.clone(),
            });
        }
        match r {
            Some(r) if r.backend != Backend::Memory => Err(SecretError::WrongBackend {
                reference: *r,
                store: "memory store",
            }),
            _ => Ok(()),
        }
    }
}

impl SecretStore for MemoryStore {
    fn put(&self, secret: &Secret) -> Result<SecretRef, SecretError> {
        let mut inner = self.lock();
        inner.calls.put += 1;
        inner.check(None)?;
        secret.check()?;
        let r = SecretRef::new(Backend::Memory);
        inner.entries.insert(r, secret.clone());
        Ok(r)
    }

    fn get(&self, r: &SecretRef) -> Result<Secret, SecretError> {
        let mut inner = self.lock();
        inner.calls.get += 1;
        inner.check(Some(r))?;
        inner
            .entries
            .get(r)
            .cloned()
            .ok_or(SecretError::NotFound(*r))
    }

    fn delete(&self, r: &SecretRef) -> Result<(), SecretError> {
        let mut inner = self.lock();
        inner.calls.delete += 1;
        inner.check(Some(r))?;
        inner.entries.remove(r);
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "memory (tests only)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorCode;

    const TOKEN: &str = "tok-memory-5b1e0f";

    #[test]
    fn round_trip_two_entries_and_delete() {
        let store = MemoryStore::new();
        let a = store.put(&Secret::new(TOKEN)).unwrap();
        let b = store.put(&Secret::new("other-token")).unwrap();
        assert_ne!(a, b);
        assert_eq!(store.get(&a).unwrap().expose(), TOKEN);
        assert_eq!(store.get(&b).unwrap().expose(), "other-token");
        assert_eq!(store.len(), 2);

        store.delete(&a).unwrap();
        store.delete(&a).unwrap(); // missing is fine
        assert!(!store.contains(&a));
        let e = store.get(&a).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert_eq!(store.get(&b).unwrap().expose(), "other-token");
        assert_eq!(
            store.calls(),
            MemoryCalls {
                put: 2,
                get: 4,
                delete: 2
            }
        );
    }

    #[test]
    fn a_failing_store_says_so_without_the_token() {
        let store = MemoryStore::new();
        let r = store.put(&Secret::new(TOKEN)).unwrap();
        store.set_failing(Some("gone"));
        let e = store.get(&r).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Internal);
        assert!(!e.to_string().contains(TOKEN));
        assert!(store.put(&Secret::new(TOKEN)).is_err());
        store.set_failing(None);
        assert_eq!(store.get(&r).unwrap().expose(), TOKEN);
    }

    /// The trait's default batch: a bad secret in the middle leaves none.
    #[test]
    fn put_many_is_all_or_none() {
        let store = MemoryStore::new();
        let bad = [Secret::new(TOKEN), Secret::new(""), Secret::new("third")];
        assert!(store.put_many(&bad).is_err());
        assert!(store.is_empty());
        let refs = store
            .put_many(&[Secret::new(TOKEN), Secret::new("second")])
            .unwrap();
        assert_eq!(store.get(&refs[1]).unwrap().expose(), "second");
        store.delete_many(&refs).unwrap();
        assert!(store.is_empty());
    }

    #[test]
    fn an_empty_token_is_refused() {
        let store = MemoryStore::new();
        let e = store.put(&Secret::new("")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(store.is_empty());
    }
}
