//! The encrypted-file fallback: every secret in one file, [`SECRETS_FILE_NAME`]
//! in the data directory, each entry sealed with ChaCha20-Poly1305 under a
//! random nonce of its own and its id as associated data (an entry moved to
//! another id does not open). Never writes a token in clear, never leaves a
//! half-written file: writes go to a temporary file (mode 0600) that is
//! renamed over the old one. A lock file serialises the desktop app and the
//! CLI when both use the same data directory.
//!
//! The 32-byte key comes from the OS keyring (entry
//! [`KEYRING_SERVICE`](super::KEYRING_SERVICE) /
//! `file-key`) where that works, else from the key file [`KEY_FILE_NAME`]
//! beside the secrets (mode 0600, its directory 0700 when created here), with
//! no passphrase. **Trade-off**: with the key file, anyone who can read the
//! user's files can read the tokens. It protects against a copy of the
//! database (or of the secrets file) alone, and against casual reading; it
//! does not protect against the user's own account being compromised. A
//! passphrase would, but the app then could not run updates unattended.
//!
//! The secrets file records where its key comes from, so a later start finds
//! the same key, and a key check value, so a wrong key is told at open.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Backend, KeyringStore, Secret, SecretError, SecretRef, SecretStore, PROBE_TIMEOUT};

/// The secrets file in the data directory.
pub const SECRETS_FILE_NAME: &str = "secrets.json";
/// The key file, when the key does not come from the OS keyring.
pub const KEY_FILE_NAME: &str = "secrets.key";
/// Held (flock) while the secrets file is read or rewritten.
const LOCK_FILE_NAME: &str = "secrets.lock";
/// The keyring entry (user) holding the file's key.
const KEYRING_KEY_USER: &str = "file-key";
const FORMAT_VERSION: u32 = 1;
const KEY_LEN: usize = 32;
/// Associated data and plaintext of the key check value.
const CHECK_AAD: &[u8] = b"rollwright-secrets-key-check";
const CHECK_TEXT: &[u8] = b"rollwright";

/// Where the file's key lives.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// [`KEY_FILE_NAME`] beside the secrets file, passphrase-free.
    KeyFile,
    /// The OS keyring's entry `file-key`.
    Keyring(KeyringStore),
}

impl KeySource {
    pub fn describe(&self) -> &'static str {
        match self {
            KeySource::KeyFile => "key file",
            KeySource::Keyring(_) => "OS keyring",
        }
    }

    /// As recorded in the secrets file.
    fn tag(&self) -> &'static str {
        match self {
            KeySource::KeyFile => "key-file",
            KeySource::Keyring(_) => "keyring",
        }
    }
}

/// The secrets file on disk.
#[derive(Serialize, Deserialize)]
struct Contents {
    version: u32,
    /// [`KeySource::tag`] of the key the entries are sealed with.
    key: String,
    /// [`CHECK_TEXT`] sealed with the key: a wrong key shows at open.
    check: Sealed,
    /// By id (a hyphenated uuid).
    entries: BTreeMap<String, Sealed>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    data: String,
}

pub struct EncryptedFileStore {
    path: PathBuf,
    lock_path: PathBuf,
    key_source: KeySource,
    cipher: ChaCha20Poly1305,
    /// Serialises this process's calls; the lock file serialises processes.
    local: Mutex<()>,
}

impl std::fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("path", &self.path)
            .field("key_source", &self.key_source.describe())
            .finish_non_exhaustive()
    }
}

impl EncryptedFileStore {
    /// Where the key of `data_dir`'s secrets file should come from: where it
    /// came from before (the file records it); else the key file if there is
    /// one; else the OS keyring when `keyring` is given and a probe through it
    /// works; else a new key file. Blocks for up to [`PROBE_TIMEOUT`].
    pub fn choose_key_source(
        data_dir: &Path,
        keyring: Option<&KeyringStore>,
    ) -> Result<KeySource, SecretError> {
        let path = data_dir.join(SECRETS_FILE_NAME);
        if let Some(contents) = read_contents(&path)? {
            return match contents.key.as_str() {
                "key-file" => Ok(KeySource::KeyFile),
                "keyring" => Ok(KeySource::Keyring(keyring.cloned().unwrap_or_default())),
                _ => Err(SecretError::corrupt(&path, "unknown key source")),
            };
        }
        if data_dir.join(KEY_FILE_NAME).exists() {
            return Ok(KeySource::KeyFile);
        }
        match keyring {
            Some(k) => match k.probe(PROBE_TIMEOUT) {
                Ok(()) => Ok(KeySource::Keyring(k.clone())),
                Err(e) => {
                    tracing::warn!(error = %e, "secrets: no OS keyring for the file's key; using a key file");
                    Ok(KeySource::KeyFile)
                }
            },
            None => Ok(KeySource::KeyFile),
        }
    }

    /// Opens (creating if needed) the secrets file in `data_dir` with its key
    /// from `key_source` (creating the key if there is none yet). Fails when
    /// the file was sealed with another key or its key is unreachable.
    pub fn open(data_dir: &Path, key_source: KeySource) -> Result<EncryptedFileStore, SecretError> {
        create_private_dir(data_dir)?;
        let key = match &key_source {
            KeySource::KeyFile => key_from_file(&data_dir.join(KEY_FILE_NAME))?,
            KeySource::Keyring(k) => key_from_keyring(k)?,
        };
        let store = EncryptedFileStore {
            path: data_dir.join(SECRETS_FILE_NAME),
            lock_path: data_dir.join(LOCK_FILE_NAME),
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key[..])),
            key_source,
            local: Mutex::new(()),
        };
        {
            let _guard = store.lock()?;
            match read_contents(&store.path)? {
                Some(contents) => store.verify(&contents)?,
                None => store.save(&store.empty()?)?,
            }
        }
        Ok(store)
    }

    pub fn key_source(&self) -> &KeySource {
        &self.key_source
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn verify(&self, contents: &Contents) -> Result<(), SecretError> {
        if contents.key != self.key_source.tag() {
            return Err(SecretError::corrupt(
                &self.path,
                format!(
                    "sealed with the key from the {}, not the {}",
                    contents.key,
                    self.key_source.tag()
                ),
            ));
        }
        match self.open_sealed(&contents.check, CHECK_AAD) {
            Ok(text) if text[..] == *CHECK_TEXT => Ok(()),
            _ => Err(SecretError::corrupt(
                &self.path,
                "sealed with another key (the key was replaced, or the file changed)",
            )),
        }
    }

    fn empty(&self) -> Result<Contents, SecretError> {
        Ok(Contents {
            version: FORMAT_VERSION,
            key: self.key_source.tag().to_owned(),
            check: self.seal(CHECK_TEXT, CHECK_AAD)?,
            entries: BTreeMap::new(),
        })
    }

    /// The current contents: read afresh every call, since another process
    /// may have written since.
    fn load(&self) -> Result<Contents, SecretError> {
        match read_contents(&self.path)? {
            Some(contents) => {
                self.verify(&contents)?;
                Ok(contents)
            }
            None => self.empty(),
        }
    }

    /// One secret out of loaded contents.
    fn read_from(&self, contents: &Contents, r: &SecretRef) -> Result<Secret, SecretError> {
        let sealed = contents
            .entries
            .get(&r.id.to_string())
            .ok_or(SecretError::NotFound(*r))?;
        let plain = self
            .open_sealed(sealed, r.id.as_bytes())
            .map_err(|()| SecretError::Undecryptable(*r))?;
        let text = std::str::from_utf8(&plain).map_err(|_| SecretError::Undecryptable(*r))?;
        Ok(Secret::new(text))
    }

    fn seal(&self, plain: &[u8], aad: &[u8]) -> Result<Sealed, SecretError> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let data = self
            .cipher
            .encrypt(&nonce, Payload { msg: plain, aad })
            .map_err(|_| SecretError::corrupt(&self.path, "encryption failed"))?;
        Ok(Sealed {
            nonce: B64.encode(nonce),
            data: B64.encode(data),
        })
    }

    /// `Err(())` for anything that does not authenticate: the caller says
    /// which entry.
    fn open_sealed(&self, sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, ()> {
        let nonce = B64.decode(&sealed.nonce).map_err(|_| ())?;
        if nonce.len() != 12 {
            return Err(());
        }
        let data = B64.decode(&sealed.data).map_err(|_| ())?;
        self.cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &data, aad })
            .map(Zeroizing::new)
            .map_err(|_| ())
    }

    fn save(&self, contents: &Contents) -> Result<(), SecretError> {
        let json = serde_json::to_vec_pretty(contents)
            .map_err(|e| SecretError::corrupt(&self.path, e.to_string()))?;
        write_atomic(&self.path, &json)
    }

    /// This process's mutex, then the lock file (released when dropped).
    fn lock(&self) -> Result<(std::sync::MutexGuard<'_, ()>, File), SecretError> {
        let local = self.local.lock().unwrap_or_else(|e| e.into_inner());
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.lock_path)
            .map_err(|e| SecretError::io(&self.lock_path, e))?;
        file.lock()
            .map_err(|e| SecretError::io(&self.lock_path, e))?;
        Ok((local, file))
    }

    fn check_backend(&self, r: &SecretRef) -> Result<(), SecretError> {
        if r.backend == Backend::File {
            Ok(())
        } else {
            Err(SecretError::WrongBackend {
                reference: *r,
                store: "encrypted file",
            })
        }
    }
}

impl SecretStore for EncryptedFileStore {
    fn put(&self, secret: &Secret) -> Result<SecretRef, SecretError> {
        secret.check()?;
        let r = SecretRef::new(Backend::File);
        let _guard = self.lock()?;
        let mut contents = self.load()?;
        let sealed = self.seal(secret.expose().as_bytes(), r.id.as_bytes())?;
        contents.entries.insert(r.id.to_string(), sealed);
        self.save(&contents)?;
        Ok(r)
    }

    fn get(&self, r: &SecretRef) -> Result<Secret, SecretError> {
        self.check_backend(r)?;
        let _guard = self.lock()?;
        self.read_from(&self.load()?, r)
    }

    fn delete(&self, r: &SecretRef) -> Result<(), SecretError> {
        self.check_backend(r)?;
        let _guard = self.lock()?;
        let mut contents = self.load()?;
        if contents.entries.remove(&r.id.to_string()).is_some() {
            self.save(&contents)?;
        }
        Ok(())
    }

    /// One load and one rewrite for them all, rather than one each.
    fn put_many(&self, secrets: &[Secret]) -> Result<Vec<SecretRef>, SecretError> {
        for secret in secrets {
            secret.check()?;
        }
        let _guard = self.lock()?;
        let mut contents = self.load()?;
        let mut refs = Vec::with_capacity(secrets.len());
        for secret in secrets {
            let r = SecretRef::new(Backend::File);
            let sealed = self.seal(secret.expose().as_bytes(), r.id.as_bytes())?;
            contents.entries.insert(r.id.to_string(), sealed);
            refs.push(r);
        }
        self.save(&contents)?;
        Ok(refs)
    }

    /// One load for them all, rather than one each.
    fn get_many(&self, refs: &[SecretRef]) -> Vec<Result<Secret, SecretError>> {
        let contents = match self.lock().and_then(|_guard| self.load()) {
            Ok(contents) => contents,
            // Each reference gets get's own error.
            Err(_) => return refs.iter().map(|r| self.get(r)).collect(),
        };
        refs.iter()
            .map(|r| {
                self.check_backend(r)?;
                self.read_from(&contents, r)
            })
            .collect()
    }

    /// One load and at most one rewrite for them all.
    fn delete_many(&self, refs: &[SecretRef]) -> Result<(), SecretError> {
        for r in refs {
            self.check_backend(r)?;
        }
        let _guard = self.lock()?;
        let mut contents = self.load()?;
        let before = contents.entries.len();
        for r in refs {
            contents.entries.remove(&r.id.to_string());
        }
        if contents.entries.len() != before {
            self.save(&contents)?;
        }
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "encrypted file"
    }
}

fn read_contents(path: &Path) -> Result<Option<Contents>, SecretError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SecretError::io(path, e)),
    };
    // serde_json's message quotes at most a position, never the content.
    let contents: Contents = serde_json::from_slice(&bytes)
        .map_err(|e| SecretError::corrupt(path, format!("not a secrets file: {e}")))?;
    if contents.version != FORMAT_VERSION {
        return Err(SecretError::corrupt(
            path,
            format!(
                "format version {} (this build reads {FORMAT_VERSION})",
                contents.version
            ),
        ));
    }
    Ok(Some(contents))
}

/// Reads the key file, or creates it with a fresh random key (mode 0600).
fn key_from_file(path: &Path) -> Result<Zeroizing<[u8; KEY_LEN]>, SecretError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    match private_options().write(true).create_new(true).open(path) {
        Ok(mut f) => {
            key.copy_from_slice(&ChaCha20Poly1305::generate_key(&mut OsRng));
            f.write_all(&key[..])
                .and_then(|()| f.sync_all())
                .map_err(|e| SecretError::io(path, e))?;
            tracing::info!(path = %path.display(), "secrets: created a key file");
            return Ok(key);
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(SecretError::io(path, e)),
    }
    let mut f = File::open(path).map_err(|e| SecretError::io(path, e))?;
    tighten(path, &f)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1));
    f.read_to_end(&mut bytes)
        .map_err(|e| SecretError::io(path, e))?;
    if bytes.len() != KEY_LEN {
        return Err(SecretError::corrupt(
            path,
            format!("a key file holds {KEY_LEN} bytes, this one {}", bytes.len()),
        ));
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}

/// Reads the file's key from the OS keyring, or stores a fresh one there.
fn key_from_keyring(keyring: &KeyringStore) -> Result<Zeroizing<[u8; KEY_LEN]>, SecretError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    match keyring.read(KEYRING_KEY_USER)? {
        Some(text) => {
            let bytes = Zeroizing::new(B64.decode(text.as_bytes()).unwrap_or_default());
            if bytes.len() != KEY_LEN {
                return Err(SecretError::Unavailable {
                    backend: "OS keyring",
                    reason: "its entry for the secrets file's key is malformed".to_owned(),
                });
            }
            key.copy_from_slice(&bytes);
        }
        None => {
            key.copy_from_slice(&ChaCha20Poly1305::generate_key(&mut OsRng));
            keyring.write(KEYRING_KEY_USER, Zeroizing::new(B64.encode(&key[..])))?;
            tracing::info!("secrets: stored a new key for the secrets file in the OS keyring");
        }
    }
    Ok(key)
}

/// Writes `bytes` to a temporary file beside `path` (mode 0600), flushes it,
/// and renames it over `path`: a crash leaves the old file or the new one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SecretError> {
    let tmp = path.with_extension(format!("json.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = private_options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(SecretError::io(path, e));
    }
    // The rename itself is durable once the directory is synced.
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Open options that create files readable by the user only.
fn private_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates the data directory (mode 0700) if it is missing.
fn create_private_dir(dir: &Path) -> Result<(), SecretError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| SecretError::io(dir, e))
}

/// A key file others may read is narrowed to the user (and said so).
#[cfg(unix)]
fn tighten(path: &Path, f: &File) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = f
        .metadata()
        .map_err(|e| SecretError::io(path, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "secrets: key file readable by others; narrowing to 0600");
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| SecretError::io(path, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _f: &File) -> Result<(), SecretError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorCode;

    const TOKEN: &str = "tok-file-9c2d7e41aa";

    fn open(dir: &Path) -> EncryptedFileStore {
        EncryptedFileStore::open(dir, KeySource::KeyFile).unwrap()
    }

    fn no_token_in(e: &SecretError) {
        assert!(!e.to_string().contains(TOKEN), "{e}");
        assert!(!format!("{e:?}").contains(TOKEN), "{e:?}");
    }

    #[test]
    fn put_many_stores_all_or_none_and_delete_many_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let kept = store.put(&Secret::new("kept-token")).unwrap();
        let bad = [Secret::new(TOKEN), Secret::new(""), Secret::new("third")];
        let e = store.put_many(&bad).unwrap_err();
        no_token_in(&e);
        assert_eq!(
            store.load().unwrap().entries.len(),
            1,
            "none of a bad batch"
        );

        let secrets: Vec<Secret> = (0..3)
            .map(|i| Secret::new(format!("{TOKEN}-{i}")))
            .collect();
        let refs = store.put_many(&secrets).unwrap();
        let reopened = open(dir.path());
        for (i, r) in refs.iter().enumerate() {
            assert_eq!(reopened.get(r).unwrap().expose(), format!("{TOKEN}-{i}"));
        }
        store.delete_many(&refs).unwrap();
        store.delete_many(&refs).unwrap(); // missing is fine
        assert_eq!(store.load().unwrap().entries.len(), 1);
        assert_eq!(store.get(&kept).unwrap().expose(), "kept-token");
        let foreign = SecretRef::new(Backend::Keyring);
        assert!(matches!(
            store.delete_many(&[foreign]),
            Err(SecretError::WrongBackend { .. })
        ));
    }

    #[test]
    fn get_many_reads_each_in_order_with_its_own_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let refs = store
            .put_many(&[
                Secret::new("tok-first-000001"),
                Secret::new("tok-second-00002"),
            ])
            .unwrap();
        let missing = SecretRef::new(Backend::File);
        let elsewhere = SecretRef::new(Backend::Keyring);
        let got = store.get_many(&[refs[1], missing, refs[0], elsewhere]);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().unwrap().expose(), "tok-second-00002");
        assert!(matches!(got[1], Err(SecretError::NotFound(r)) if r == missing));
        assert_eq!(got[2].as_ref().unwrap().expose(), "tok-first-000001");
        assert!(matches!(got[3], Err(SecretError::WrongBackend { .. })));

        // A file that cannot be read gives every reference get's error.
        std::fs::write(dir.path().join(SECRETS_FILE_NAME), b"{ not json").unwrap();
        let got = store.get_many(&refs);
        assert_eq!(got.len(), 2);
        for e in got {
            let e = e.unwrap_err();
            assert!(matches!(e, SecretError::Corrupt { .. }), "{e}");
        }
    }

    #[test]
    fn round_trip_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let r = open(dir.path()).put(&Secret::new(TOKEN)).unwrap();
        assert_eq!(r.backend, Backend::File);
        let store = open(dir.path());
        assert_eq!(store.get(&r).unwrap().expose(), TOKEN);
        assert_eq!(store.describe(), "encrypted file");
    }

    #[test]
    fn two_entries_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let a = store.put(&Secret::new(TOKEN)).unwrap();
        let b = store.put(&Secret::new("second-token")).unwrap();
        assert_ne!(a, b);
        assert_eq!(store.get(&a).unwrap().expose(), TOKEN);
        assert_eq!(store.get(&b).unwrap().expose(), "second-token");

        store.delete(&a).unwrap();
        store.delete(&a).unwrap(); // already gone: fine
        let e = store.get(&a).unwrap_err();
        assert!(matches!(e, SecretError::NotFound(_)));
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert_eq!(store.get(&b).unwrap().expose(), "second-token");
    }

    #[test]
    fn two_stores_on_one_directory_see_each_others_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (open(dir.path()), open(dir.path()));
        let a = one.put(&Secret::new("from-one")).unwrap();
        let b = two.put(&Secret::new("from-two")).unwrap();
        assert_eq!(two.get(&a).unwrap().expose(), "from-one");
        assert_eq!(one.get(&b).unwrap().expose(), "from-two");
    }

    #[test]
    fn token_is_never_in_the_file_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        store.put(&Secret::new(TOKEN)).unwrap();
        for name in [SECRETS_FILE_NAME, KEY_FILE_NAME] {
            let bytes = std::fs::read(dir.path().join(name)).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(TOKEN), "{name} holds the token in clear");
            assert!(
                !text.contains(&B64.encode(TOKEN)),
                "{name} holds it in base64"
            );
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
    }

    #[test]
    fn same_token_twice_gives_different_ciphertexts() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let a = store.put(&Secret::new(TOKEN)).unwrap();
        let b = store.put(&Secret::new(TOKEN)).unwrap();
        let contents = read_contents(store.path()).unwrap().unwrap();
        let (sa, sb) = (
            &contents.entries[&a.id.to_string()],
            &contents.entries[&b.id.to_string()],
        );
        assert_ne!(sa.nonce, sb.nonce);
        assert_ne!(sa.data, sb.data);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_readable_by_the_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        open(&dir).put(&Secret::new(TOKEN)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join(KEY_FILE_NAME)), 0o600);
        assert_eq!(mode(&dir.join(SECRETS_FILE_NAME)), 0o600);
        assert_eq!(mode(&dir.join(LOCK_FILE_NAME)), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_is_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        open(dir.path());
        let key = dir.path().join(KEY_FILE_NAME);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        open(dir.path());
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_tampered_entry_is_undecryptable_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let r = store.put(&Secret::new(TOKEN)).unwrap();
        let keep = store.put(&Secret::new("untouched")).unwrap();

        let mut contents = read_contents(store.path()).unwrap().unwrap();
        let sealed = contents.entries.get_mut(&r.id.to_string()).unwrap();
        let mut data = B64.decode(&sealed.data).unwrap();
        data[0] ^= 1;
        sealed.data = B64.encode(data);
        write_atomic(store.path(), &serde_json::to_vec(&contents).unwrap()).unwrap();

        let e = store.get(&r).unwrap_err();
        assert!(matches!(e, SecretError::Undecryptable(_)), "{e}");
        assert_eq!(e.code(), ErrorCode::Internal);
        assert!(e.to_string().contains(&r.to_string()));
        no_token_in(&e);
        assert_eq!(store.get(&keep).unwrap().expose(), "untouched");
    }

    #[test]
    fn an_entry_moved_to_another_id_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let r = store.put(&Secret::new(TOKEN)).unwrap();
        let mut contents = read_contents(store.path()).unwrap().unwrap();
        let other = SecretRef::new(Backend::File);
        let sealed = contents.entries.remove(&r.id.to_string()).unwrap();
        contents.entries.insert(other.id.to_string(), sealed);
        write_atomic(store.path(), &serde_json::to_vec(&contents).unwrap()).unwrap();
        let e = store.get(&other).unwrap_err();
        assert!(matches!(e, SecretError::Undecryptable(_)), "{e}");
    }

    #[test]
    fn a_replaced_key_is_told_at_open() {
        let dir = tempfile::tempdir().unwrap();
        open(dir.path()).put(&Secret::new(TOKEN)).unwrap();
        std::fs::write(dir.path().join(KEY_FILE_NAME), [7u8; KEY_LEN]).unwrap();
        let e = EncryptedFileStore::open(dir.path(), KeySource::KeyFile).unwrap_err();
        assert!(matches!(e, SecretError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains("another key"), "{e}");
        no_token_in(&e);
    }

    #[test]
    fn a_short_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE_NAME), b"short").unwrap();
        let e = EncryptedFileStore::open(dir.path(), KeySource::KeyFile).unwrap_err();
        assert!(e.to_string().contains("32 bytes"), "{e}");
    }

    #[test]
    fn a_garbled_secrets_file_is_an_error_without_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let r = store.put(&Secret::new(TOKEN)).unwrap();
        std::fs::write(store.path(), format!("{{\"oops\": \"{TOKEN}")).unwrap();
        let e = store.get(&r).unwrap_err();
        assert!(matches!(e, SecretError::Corrupt { .. }), "{e}");
        no_token_in(&e);
        let e = EncryptedFileStore::open(dir.path(), KeySource::KeyFile).unwrap_err();
        no_token_in(&e);
    }

    #[test]
    fn a_file_of_a_newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let mut contents = read_contents(store.path()).unwrap().unwrap();
        contents.version = FORMAT_VERSION + 1;
        write_atomic(store.path(), &serde_json::to_vec(&contents).unwrap()).unwrap();
        let e = EncryptedFileStore::open(dir.path(), KeySource::KeyFile).unwrap_err();
        assert!(e.to_string().contains("format version"), "{e}");
    }

    #[test]
    fn the_key_source_recorded_in_the_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Nothing yet, no keyring offered: a key file.
        let source = EncryptedFileStore::choose_key_source(dir.path(), None).unwrap();
        assert!(matches!(source, KeySource::KeyFile));
        open(dir.path());
        let source = EncryptedFileStore::choose_key_source(dir.path(), None).unwrap();
        assert!(matches!(source, KeySource::KeyFile));

        // A file sealed with the keyring's key is not opened with a key file.
        let store = open(dir.path());
        let mut contents = read_contents(store.path()).unwrap().unwrap();
        contents.key = "keyring".to_owned();
        write_atomic(store.path(), &serde_json::to_vec(&contents).unwrap()).unwrap();
        let source = EncryptedFileStore::choose_key_source(dir.path(), None).unwrap();
        assert!(matches!(source, KeySource::Keyring(_)));
        let e = EncryptedFileStore::open(dir.path(), KeySource::KeyFile).unwrap_err();
        assert!(e.to_string().contains("key from the keyring"), "{e}");
    }

    #[test]
    fn wrong_backend_and_bad_tokens_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let r = SecretRef::new(Backend::Keyring);
        assert!(matches!(
            store.get(&r),
            Err(SecretError::WrongBackend { .. })
        ));
        let e = store.put(&Secret::new("")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
    }
}
