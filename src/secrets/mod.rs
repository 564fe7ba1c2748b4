//! Agent tokens: kept in the OS secret store, or in an encrypted file where
//! there is none; the database holds only a [`SecretRef`]. Never logs a token,
//! never puts one in an error message, never hands one to anything that
//! serialises it (a [`Secret`] has no `Serialize` and prints as `Secret(***)`).
//!
//! Backends, all behind [`SecretStore`]:
//! - [`KeyringStore`]: the OS secret store through the `keyring` crate (Secret
//!   Service over D-Bus on Linux, the Keychain on macOS, the Credential Manager
//!   on Windows). Its calls block; from async code call it on
//!   `tokio::task::spawn_blocking`.
//! - [`EncryptedFileStore`]: one file, `secrets.json` in the data directory,
//!   each entry sealed with ChaCha20-Poly1305. Its key comes from the OS
//!   keyring where that works, else from the key file `secrets.key` beside it
//!   (mode 0600, no passphrase). **The trade-off of the key file**: anyone who
//!   can read the user's files can read the tokens. It protects against a copy
//!   of the database alone and against casual reading, not against the user's
//!   own account being compromised. `docs/secrets.md` says more.
//! - [`MemoryStore`]: in memory, for tests (of this crate and of its users).
//!
//! [`open_default`] chooses: the OS keyring when a real round trip through it
//! succeeds within [`PROBE_TIMEOUT`], else the encrypted file; the environment
//! variable [`BACKEND_ENV`] (`ROLLWRIGHT_SECRETS=file|keyring`) forces one.
//! A reference names the backend that holds it, so secrets stored before a
//! change of backend are still found.

mod file;
mod keyring_store;
mod memory;

pub use file::{EncryptedFileStore, KeySource, KEY_FILE_NAME, SECRETS_FILE_NAME};
pub use keyring_store::{KeyringStore, KEYRING_SERVICE};
pub use memory::{MemoryCalls, MemoryStore};

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;
use zeroize::Zeroizing;

use crate::domain::ErrorCode;

/// Forces a backend: `file` or `keyring` (no fallback then). Unset or empty:
/// [`open_default`] probes the keyring and falls back to the file.
pub const BACKEND_ENV: &str = "ROLLWRIGHT_SECRETS";

/// How long [`open_default`] waits for the OS keyring's probe round trip; a
/// machine without a D-Bus session, or with a locked keyring that would prompt,
/// must not hold up the start.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The longest token accepted, in bytes; agent tokens are far shorter.
pub const MAX_SECRET_LEN: usize = 4096;

/// A token. Prints as `Secret(***)`, has no `Serialize`, and its memory is
/// wiped when it is dropped. [`Secret::expose`] is the only way to the text.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(token: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(token.into()))
    }

    /// The token itself: for the `Authorization` header, nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A token must be 1 to [`MAX_SECRET_LEN`] bytes with no NUL (keyrings
    /// store C strings on some platforms).
    fn check(&self) -> Result<(), SecretError> {
        let len = self.0.len();
        if len == 0 {
            return Err(SecretError::Invalid("a token must not be empty"));
        }
        if len > MAX_SECRET_LEN {
            return Err(SecretError::Invalid("a token must be at most 4096 bytes"));
        }
        if self.0.contains('\0') {
            return Err(SecretError::Invalid("a token must not contain NUL"));
        }
        Ok(())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Which backend holds a secret; the scheme of its [`SecretRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Keyring,
    File,
    /// [`MemoryStore`]: tests only; such a reference means nothing after exit.
    Memory,
}

impl Backend {
    pub fn scheme(self) -> &'static str {
        match self {
            Backend::Keyring => "keyring",
            Backend::File => "file",
            Backend::Memory => "memory",
        }
    }
}

/// What the database holds instead of a token: `keyring:<uuid>`,
/// `file:<uuid>` (or `memory:<uuid>` in tests). Parse with `str::parse`,
/// store with `to_string`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretRef {
    pub backend: Backend,
    pub id: Uuid,
}

impl SecretRef {
    pub fn new(backend: Backend) -> SecretRef {
        SecretRef {
            backend,
            id: Uuid::new_v4(),
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.backend.scheme(), self.id.hyphenated())
    }
}

impl FromStr for SecretRef {
    type Err = SecretError;

    /// Never echoes its input in the error: a token pasted where a reference
    /// belongs must not reach a log.
    fn from_str(s: &str) -> Result<SecretRef, SecretError> {
        let (scheme, id) = s.split_once(':').ok_or(SecretError::BadRef)?;
        let backend = match scheme {
            "keyring" => Backend::Keyring,
            "file" => Backend::File,
            "memory" => Backend::Memory,
            _ => return Err(SecretError::BadRef),
        };
        let id = Uuid::try_parse(id).map_err(|_| SecretError::BadRef)?;
        Ok(SecretRef { backend, id })
    }
}

/// Errors of the secret stores. None of them carries a token: messages name
/// references, paths and backends only.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret {0} not found")]
    NotFound(SecretRef),
    #[error("malformed secret reference (expected keyring:<uuid> or file:<uuid>)")]
    BadRef,
    #[error("invalid token: {0}")]
    Invalid(&'static str),
    /// A reference of another backend than the store that was asked.
    #[error("secret {reference} is not held by the {store}")]
    WrongBackend {
        reference: SecretRef,
        store: &'static str,
    },
    /// The backend cannot be reached or refused access (no D-Bus session, a
    /// locked keyring, no answer in time).
    #[error("{backend} is unavailable: {reason}")]
    Unavailable {
        backend: &'static str,
        reason: String,
    },
    /// The entry's ciphertext does not authenticate: changed by hand, or
    /// sealed with another key.
    #[error(
        "secret {0} cannot be decrypted (the secrets file was changed, or its key was replaced)"
    )]
    Undecryptable(SecretRef),
    /// A secrets or key file that this build cannot use.
    #[error("{path}: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SecretError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SecretError::NotFound(_) => ErrorCode::NotFound,
            SecretError::BadRef | SecretError::Invalid(_) => ErrorCode::InvalidInput,
            SecretError::WrongBackend { .. }
            | SecretError::Unavailable { .. }
            | SecretError::Undecryptable(_)
            | SecretError::Corrupt { .. }
            | SecretError::Io { .. } => ErrorCode::Internal,
        }
    }

    fn io(path: &Path, source: std::io::Error) -> SecretError {
        SecretError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn corrupt(path: &Path, reason: impl Into<String>) -> SecretError {
        SecretError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Where tokens are kept. Every method may block (a D-Bus round trip, a file
/// write): from async code call it on `tokio::task::spawn_blocking`.
pub trait SecretStore: Send + Sync {
    /// Stores `secret` under a fresh id and returns its reference.
    fn put(&self, secret: &Secret) -> Result<SecretRef, SecretError>;
    fn get(&self, r: &SecretRef) -> Result<Secret, SecretError>;
    /// Removes the secret; one already missing is not an error.
    fn delete(&self, r: &SecretRef) -> Result<(), SecretError>;
    /// Stores every secret, all or none, and returns their references in
    /// order. For an import of many devices: a backend whose every write
    /// costs a whole rewrite (the file) overrides it to write once. The
    /// default puts one at a time and deletes those again when one fails.
    fn put_many(&self, secrets: &[Secret]) -> Result<Vec<SecretRef>, SecretError> {
        let mut refs = Vec::with_capacity(secrets.len());
        for secret in secrets {
            match self.put(secret) {
                Ok(r) => refs.push(r),
                Err(e) => {
                    // Best effort: what cannot be deleted is an orphan, not
                    // a leak of the token (it stays sealed in the store).
                    let _ = self.delete_many(&refs);
                    return Err(e);
                }
            }
        }
        Ok(refs)
    }
    /// Reads every secret, each with its own outcome, in order. For a sync
    /// of many devices: the file overrides it to read itself once rather
    /// than once per secret. The default gets one at a time.
    fn get_many(&self, refs: &[SecretRef]) -> Vec<Result<Secret, SecretError>> {
        refs.iter().map(|r| self.get(r)).collect()
    }
    /// Removes every secret; missing ones are not an error. The default
    /// deletes one at a time, tries them all, and returns the first error.
    fn delete_many(&self, refs: &[SecretRef]) -> Result<(), SecretError> {
        let mut first = Ok(());
        for r in refs {
            if let Err(e) = self.delete(r) {
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }
    /// For the About page: "Secret Service", "encrypted file", …
    fn describe(&self) -> &'static str;
}

/// The encrypted file in `data_dir` with its key in a key file beside it:
/// no keyring involved, the same for every process that opens `data_dir`.
/// What tests, the benchmark and headless tools use.
pub fn file_store(data_dir: &Path) -> Result<Arc<dyn SecretStore>, SecretError> {
    Ok(Arc::new(EncryptedFileStore::open(
        data_dir,
        KeySource::KeyFile,
    )?))
}

/// Opens the secret store for the app data directory `data_dir`: the OS
/// keyring when a probe round trip through it works within [`PROBE_TIMEOUT`],
/// else the encrypted file (its key from the keyring when that part works,
/// else the key file). [`BACKEND_ENV`] forces one. Logs which backend was
/// chosen and why. Never fails: when nothing can be opened the store's calls
/// fail with the reason. Blocks for up to the probe's timeout.
pub fn open_default(data_dir: &Path) -> Arc<dyn SecretStore> {
    let forced = std::env::var(BACKEND_ENV).unwrap_or_default();
    let keyring = KeyringStore::new();
    let primary = match forced.trim() {
        "keyring" => {
            tracing::info!(env = BACKEND_ENV, "secrets: OS keyring forced");
            Backend::Keyring
        }
        "file" => {
            tracing::info!(env = BACKEND_ENV, "secrets: encrypted file forced");
            Backend::File
        }
        other => {
            if !other.is_empty() {
                tracing::warn!(
                    env = BACKEND_ENV,
                    value = other,
                    "secrets: unknown backend (expected file or keyring); probing"
                );
            }
            match keyring.probe(PROBE_TIMEOUT) {
                Ok(()) => {
                    tracing::info!(
                        backend = keyring.describe(),
                        "secrets: kept in the OS keyring"
                    );
                    Backend::Keyring
                }
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        "secrets: the OS keyring does not work here; kept in the encrypted file {}",
                        data_dir.join(SECRETS_FILE_NAME).display()
                    );
                    Backend::File
                }
            }
        }
    };
    Arc::new(DefaultStore {
        primary,
        // A failed probe already said the keyring does not work here; when
        // forced, nothing was probed yet.
        keyring_for_file_key: matches!(forced.trim(), "file" | "keyring")
            || primary == Backend::Keyring,
        keyring,
        data_dir: data_dir.to_path_buf(),
        file: Mutex::new(None),
    })
}

/// [`open_default`]'s store: puts go to the chosen backend; gets and deletes
/// go to whichever backend a reference names, so secrets stored before a
/// change of backend are still found.
struct DefaultStore {
    /// Where new secrets go.
    primary: Backend,
    keyring: KeyringStore,
    /// Whether a new secrets file may take its key from the keyring (after a
    /// probe); false when the keyring is known not to work.
    keyring_for_file_key: bool,
    data_dir: PathBuf,
    /// Opened at first use: opening reads (or creates) its key.
    file: Mutex<Option<Arc<EncryptedFileStore>>>,
}

impl DefaultStore {
    fn file(&self) -> Result<Arc<EncryptedFileStore>, SecretError> {
        let mut slot = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let keyring = self.keyring_for_file_key.then_some(&self.keyring);
        let source = EncryptedFileStore::choose_key_source(&self.data_dir, keyring)?;
        let store = Arc::new(EncryptedFileStore::open(&self.data_dir, source)?);
        tracing::info!(key = store.key_source().describe(), "secrets: file opened");
        *slot = Some(store.clone());
        Ok(store)
    }

    fn route<T>(
        &self,
        backend: Backend,
        keyring: impl FnOnce(&KeyringStore) -> Result<T, SecretError>,
        file: impl FnOnce(&EncryptedFileStore) -> Result<T, SecretError>,
        r: Option<&SecretRef>,
    ) -> Result<T, SecretError> {
        match backend {
            Backend::Keyring => keyring(&self.keyring),
            Backend::File => file(&*self.file()?),
            Backend::Memory => Err(SecretError::WrongBackend {
                reference: *r.expect("memory is never the primary backend"),
                store: "default store",
            }),
        }
    }
}

impl SecretStore for DefaultStore {
    fn put(&self, secret: &Secret) -> Result<SecretRef, SecretError> {
        self.route(self.primary, |k| k.put(secret), |f| f.put(secret), None)
    }

    fn get(&self, r: &SecretRef) -> Result<Secret, SecretError> {
        self.route(r.backend, |k| k.get(r), |f| f.get(r), Some(r))
    }

    fn delete(&self, r: &SecretRef) -> Result<(), SecretError> {
        self.route(r.backend, |k| k.delete(r), |f| f.delete(r), Some(r))
    }

    fn put_many(&self, secrets: &[Secret]) -> Result<Vec<SecretRef>, SecretError> {
        self.route(
            self.primary,
            |k| k.put_many(secrets),
            |f| f.put_many(secrets),
            None,
        )
    }

    /// Each backend reads its own references in one go.
    fn get_many(&self, refs: &[SecretRef]) -> Vec<Result<Secret, SecretError>> {
        let mut out: Vec<Option<Result<Secret, SecretError>>> = refs.iter().map(|_| None).collect();
        for backend in [Backend::Keyring, Backend::File, Backend::Memory] {
            let (at, mine): (Vec<usize>, Vec<SecretRef>) = refs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.backend == backend)
                .map(|(i, r)| (i, *r))
                .unzip();
            if mine.is_empty() {
                continue;
            }
            // A backend that cannot be opened gives each reference get's error.
            let one_by_one = |refs: &[SecretRef]| refs.iter().map(|r| self.get(r)).collect();
            let got: Vec<_> = match backend {
                Backend::Keyring => self.keyring.get_many(&mine),
                Backend::File => match self.file() {
                    Ok(file) => file.get_many(&mine),
                    Err(_) => one_by_one(&mine),
                },
                Backend::Memory => one_by_one(&mine),
            };
            for (i, secret) in at.into_iter().zip(got) {
                out[i] = Some(secret);
            }
        }
        out.into_iter()
            .map(|s| s.expect("every reference has one backend"))
            .collect()
    }

    /// Each backend deletes its own references in one go.
    fn delete_many(&self, refs: &[SecretRef]) -> Result<(), SecretError> {
        let mut first = Ok(());
        for backend in [Backend::Keyring, Backend::File, Backend::Memory] {
            let mine: Vec<SecretRef> = refs
                .iter()
                .filter(|r| r.backend == backend)
                .copied()
                .collect();
            let Some(any) = mine.first().copied() else {
                continue;
            };
            let done = self.route(
                backend,
                |k| k.delete_many(&mine),
                |f| f.delete_many(&mine),
                Some(&any),
            );
            if first.is_ok() {
                first = done;
            }
        }
        first
    }

    fn describe(&self) -> &'static str {
        match self.primary {
            Backend::Keyring => self.keyring.describe(),
            _ => "encrypted file",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "tok-3f9a1c77e2b54d0a";

    #[test]
    fn secret_prints_as_stars() {
        let s = Secret::new(TOKEN);
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(Secret(***))");
        assert_eq!(s.expose(), TOKEN);
    }

    #[test]
    fn reference_round_trips_through_text() {
        for backend in [Backend::Keyring, Backend::File, Backend::Memory] {
            let r = SecretRef::new(backend);
            let text = r.to_string();
            assert!(text.starts_with(&format!("{}:", backend.scheme())));
            assert_eq!(text.parse::<SecretRef>().unwrap(), r);
        }
        let r: SecretRef = "keyring:67e55044-10b1-426f-9247-bb680e5fe0c8"
            .parse()
            .unwrap();
        assert_eq!(r.backend, Backend::Keyring);
    }

    #[test]
    fn malformed_reference_is_refused_without_echoing_it() {
        for bad in [
            TOKEN,
            "",
            "keyring:",
            "vault:67e55044-10b1-426f-9247-bb680e5fe0c8",
            "file:not-a-uuid",
            &format!("file:{TOKEN}"),
        ] {
            let e = bad.parse::<SecretRef>().unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput);
            assert!(!e.to_string().contains(TOKEN), "{e}");
            assert!(!format!("{e:?}").contains(TOKEN), "{e:?}");
        }
    }

    #[test]
    fn token_length_limits_are_kept() {
        assert!(Secret::new("x").check().is_ok());
        assert!(Secret::new("x".repeat(4096)).check().is_ok());
        let e = Secret::new("x".repeat(4097)).check().unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(Secret::new("").check().is_err());
        assert!(Secret::new("a\0b").check().is_err());
    }

    #[test]
    fn error_codes() {
        let r = SecretRef::new(Backend::File);
        assert_eq!(SecretError::NotFound(r).code(), ErrorCode::NotFound);
        assert_eq!(SecretError::BadRef.code(), ErrorCode::InvalidInput);
        assert_eq!(SecretError::Undecryptable(r).code(), ErrorCode::Internal);
    }

    /// `open_default` with the file forced: puts land in the file, and a
    /// reference of the keyring is still routed to the keyring (here: none).
    #[test]
    fn default_store_with_file_forced_routes_by_reference() {
        let dir = tempfile::tempdir().unwrap();
        let store = DefaultStore {
            primary: Backend::File,
            keyring: KeyringStore::with_timeout(Duration::from_millis(200)),
            // Tests never touch the user's real keyring.
            keyring_for_file_key: false,
            data_dir: dir.path().to_path_buf(),
            file: Mutex::new(None),
        };
        let r = store.put(&Secret::new(TOKEN)).unwrap();
        assert_eq!(r.backend, Backend::File);
        assert_eq!(store.get(&r).unwrap().expose(), TOKEN);
        assert_eq!(store.describe(), "encrypted file");
        store.delete(&r).unwrap();
        assert!(matches!(store.get(&r), Err(SecretError::NotFound(_))));
        let many = store
            .put_many(&[Secret::new(TOKEN), Secret::new("second")])
            .unwrap();
        assert!(many.iter().all(|r| r.backend == Backend::File));
        assert_eq!(store.get(&many[1]).unwrap().expose(), "second");
        store.delete_many(&many).unwrap();
        assert!(matches!(store.get(&many[0]), Err(SecretError::NotFound(_))));
        let mem = SecretRef::new(Backend::Memory);
        assert!(matches!(
            store.get(&mem),
            Err(SecretError::WrongBackend { .. })
        ));
    }
}
