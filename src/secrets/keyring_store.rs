//! The OS secret store through the `keyring` crate (v3): Secret Service over
//! D-Bus on Linux (zbus, pure Rust), the Keychain on macOS, the Credential
//! Manager on Windows. One entry per secret: service [`KEYRING_SERVICE`], user
//! the reference's uuid. Never formats a `keyring::Error` that may carry the
//! stored bytes (`BadEncoding`).
//!
//! Every call runs on a short-lived thread of its own and is waited for at
//! most the store's timeout. Two reasons: zbus's blocking calls (behind
//! keyring's Secret Service backend with the `tokio` feature) start a tokio
//! runtime of their own, which panics on a thread that is already driving
//! one; and a missing D-Bus session or a keyring waiting on an unlock prompt
//! must not hang the caller. A call that runs out of time leaves its thread to
//! finish (or fail) on its own. The calls still block the caller: from async
//! code use `tokio::task::spawn_blocking`.

use std::sync::mpsc;
use std::time::Duration;

use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Backend, Secret, SecretError, SecretRef, SecretStore};

/// The keyring service name of every Rollwright entry.
pub const KEYRING_SERVICE: &str = "dev.rollwright.desktop";

/// How long one keyring call may take before it counts as unavailable. A
/// Secret Service round trip takes milliseconds; the first one may start the
/// daemon through D-Bus activation.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(any(target_os = "macos", target_os = "ios"))]
const DESCRIPTION: &str = "macOS Keychain";
#[cfg(windows)]
const DESCRIPTION: &str = "Windows Credential Manager";
#[cfg(not(any(target_os = "macos", target_os = "ios", windows)))]
const DESCRIPTION: &str = "Secret Service";

/// The OS secret store. Cheap to clone: it holds only its timeout.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    /// The longest one call may take (see the module doc).
    timeout: Duration,
}

impl Default for KeyringStore {
    fn default() -> Self {
        KeyringStore::new()
    }
}

impl KeyringStore {
    pub fn new() -> KeyringStore {
        KeyringStore::with_timeout(CALL_TIMEOUT)
    }

    pub fn with_timeout(timeout: Duration) -> KeyringStore {
        KeyringStore { timeout }
    }

    /// A real round trip (put, get, delete of a probe entry) within
    /// `timeout`: whether this machine's keyring works, not merely exists.
    pub fn probe(&self, timeout: Duration) -> Result<(), SecretError> {
        let user = format!("probe-{}", Uuid::new_v4());
        let value = format!("probe-{}", Uuid::new_v4());
        run(timeout, move || {
            let entry = entry(&user)?;
            entry.set_password(&value).map_err(unavailable)?;
            let back = entry.get_password().map(Zeroizing::new);
            let _ = entry.delete_credential();
            match back {
                Ok(back) if *back == value => Ok(()),
                Ok(_) => Err(unavailable_because("the probe entry read back differently")),
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    /// Reads the raw value of the entry `user`; `None` when there is none.
    pub(crate) fn read(&self, user: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        let user = user.to_owned();
        run(self.timeout, move || match entry(&user)?.get_password() {
            Ok(v) => Ok(Some(Zeroizing::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        })
    }

    /// Writes the raw value of the entry `user`, replacing any.
    pub(crate) fn write(&self, user: &str, value: Zeroizing<String>) -> Result<(), SecretError> {
        let user = user.to_owned();
        run(self.timeout, move || {
            entry(&user)?.set_password(&value).map_err(unavailable)
        })
    }

    fn check_backend(&self, r: &SecretRef) -> Result<(), SecretError> {
        if r.backend == Backend::Keyring {
            Ok(())
        } else {
            Err(SecretError::WrongBackend {
                reference: *r,
                store: DESCRIPTION,
            })
        }
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, secret: &Secret) -> Result<SecretRef, SecretError> {
        secret.check()?;
        let r = SecretRef::new(Backend::Keyring);
        self.write(&r.id.to_string(), secret.0.clone())?;
        Ok(r)
    }

    fn get(&self, r: &SecretRef) -> Result<Secret, SecretError> {
        self.check_backend(r)?;
        match self.read(&r.id.to_string())? {
            Some(v) => Ok(Secret(v)),
            None => Err(SecretError::NotFound(*r)),
        }
    }

    fn delete(&self, r: &SecretRef) -> Result<(), SecretError> {
        self.check_backend(r)?;
        let user = r.id.to_string();
        run(self.timeout, move || {
            match entry(&user)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    fn describe(&self) -> &'static str {
        DESCRIPTION
    }
}

fn entry(user: &str) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(KEYRING_SERVICE, user).map_err(unavailable)
}

/// Runs `f` on a thread of its own and waits at most `timeout` for it.
fn run<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("rollwright-keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| unavailable_because(format!("cannot start a thread: {e}")))?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(unavailable_because(format!(
            "no answer within {} ms",
            timeout.as_millis()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(unavailable_because("the keyring call panicked"))
        }
    }
}

/// A keyring error as a message that cannot carry the stored value.
fn unavailable(e: keyring::Error) -> SecretError {
    let reason = match e {
        keyring::Error::PlatformFailure(inner) => format!("platform failure: {inner}"),
        keyring::Error::NoStorageAccess(inner) => format!("no access: {inner}"),
        keyring::Error::NoEntry => "no such entry".to_owned(),
        keyring::Error::BadEncoding(_) => "the stored value is not UTF-8".to_owned(),
        keyring::Error::Ambiguous(found) => format!("{} entries match", found.len()),
        // TooLong and Invalid name an attribute and a rule, never the value.
        other => other.to_string(),
    };
    unavailable_because(reason)
}

fn unavailable_because(reason: impl Into<String>) -> SecretError {
    SecretError::Unavailable {
        backend: DESCRIPTION,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hung_call_is_cut_off_at_the_timeout() {
        let started = std::time::Instant::now();
        let e = run(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        })
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(matches!(e, SecretError::Unavailable { .. }), "{e}");
    }

    #[test]
    fn a_panicking_call_is_an_error_not_a_panic() {
        let e = run::<()>(Duration::from_secs(5), || panic!("boom")).unwrap_err();
        assert!(e.to_string().contains("panicked"), "{e}");
    }

    #[test]
    fn runs_from_inside_a_tokio_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // A nested runtime started inside `run` would panic on this thread;
        // on the call's own thread it does not.
        let v = rt.block_on(async {
            run(Duration::from_secs(5), || {
                let inner = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                Ok(inner.block_on(async { 7 }))
            })
        });
        assert_eq!(v.unwrap(), 7);
    }

    #[test]
    fn a_reference_of_another_backend_is_refused() {
        let store = KeyringStore::with_timeout(Duration::from_millis(100));
        let r = SecretRef::new(Backend::File);
        assert!(matches!(
            store.get(&r),
            Err(SecretError::WrongBackend { .. })
        ));
        assert!(matches!(
            store.delete(&r),
            Err(SecretError::WrongBackend { .. })
        ));
    }
}
