//! TLS for an agent that listens off loopback: where its certificate comes
//! from (generated once into a directory, or given by the admin), its SHA-256
//! fingerprint as clients pin it, and the rule that decides between plain HTTP
//! and TLS. It never serves plain HTTP off loopback and never logs a key.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// File names inside a `--tls-dir`.
pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

/// Where the certificate and its key come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// `--tls-dir`: `cert.pem` and `key.pem`, a self-signed pair generated on
    /// first start and reused afterwards.
    Dir(PathBuf),
    /// `--tls-cert` and `--tls-key`: PEM files the admin provides.
    Files { cert: PathBuf, key: PathBuf },
}

impl TlsSource {
    /// The certificate file this source reads (or will generate).
    pub fn cert_path(&self) -> PathBuf {
        match self {
            Self::Dir(dir) => dir.join(CERT_FILE),
            Self::Files { cert, .. } => cert.clone(),
        }
    }
}

/// How the agent answers on its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Plain HTTP: loopback only.
    Plain,
    /// HTTPS with the certificate from this source.
    Tls(TlsSource),
}

/// Decides the transport for `listen`: TLS when TLS material is given;
/// otherwise plain HTTP on loopback, and off loopback TLS from `default_dir`
/// (real mode: `<data-dir>/tls`), or an error when there is none (fleet mode).
/// Plain HTTP off loopback is never the answer.
pub fn transport(
    listen: &SocketAddr,
    given: Option<TlsSource>,
    default_dir: Option<&Path>,
) -> anyhow::Result<Transport> {
    match (given, default_dir) {
        (Some(source), _) => Ok(Transport::Tls(source)),
        (None, _) if listen.ip().is_loopback() => Ok(Transport::Plain),
        (None, Some(dir)) => Ok(Transport::Tls(TlsSource::Dir(dir.to_path_buf()))),
        (None, None) => bail!(
            "--listen {listen} is not a loopback address, so the agent needs TLS: \
             give --tls-dir DIR (a self-signed certificate is generated there) or \
             --tls-cert FILE --tls-key FILE; plain HTTP is for loopback only"
        ),
    }
}

/// A certificate chain and its private key, ready to serve.
pub struct TlsMaterial {
    /// End-entity certificate first, as rustls wants it.
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl TlsMaterial {
    /// Loads the material of `source`; a `Dir` without a certificate gets a
    /// new self-signed one (key file mode 0600) first.
    pub fn load(source: &TlsSource) -> anyhow::Result<Self> {
        let (cert, key) = match source {
            TlsSource::Dir(dir) => {
                ensure_self_signed(dir)?;
                (dir.join(CERT_FILE), dir.join(KEY_FILE))
            }
            TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
        };
        let certs = read_certs(&cert)?;
        let key = PrivateKeyDer::from_pem_file(&key)
            .map_err(|e| anyhow::anyhow!("{}: no usable private key: {e}", key.display()))?;
        Ok(Self { certs, key })
    }

    /// SHA-256 of the end-entity certificate, `AB:CD:…`.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.certs[0])
    }

    /// The rustls server configuration (ring provider, TLS 1.2 and 1.3,
    /// HTTP/1.1 only).
    pub fn server_config(&self) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(self.certs.clone(), self.key.clone_key())
            .context("the TLS certificate and key do not go together")?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The fingerprint of the end-entity certificate in the PEM file `path`,
/// without generating anything.
pub fn fingerprint_of_file(path: &Path) -> anyhow::Result<String> {
    Ok(fingerprint(&read_certs(path)?[0]))
}

/// The certificate's fingerprint in the form clients pin
/// ([`rollwright_protocol::Fingerprint`]).
pub fn fingerprint(der: &[u8]) -> String {
    rollwright_protocol::Fingerprint::of_der(der).to_string()
}

fn read_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "{}: no PEM certificate in it",
        path.display()
    );
    Ok(certs)
}

/// Generates a self-signed certificate into `dir` unless it holds one.
/// A key without its certificate is replaced (no client can have pinned a
/// certificate that was never written); a certificate without its key is an
/// error, since replacing it would change what clients pinned.
fn ensure_self_signed(dir: &Path) -> anyhow::Result<()> {
    let (cert_path, key_path) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    if cert_path.exists() {
        anyhow::ensure!(
            key_path.exists(),
            "{} exists but {} does not: restore the key, or remove the \
             certificate to generate a new pair (clients must then trust the new certificate)",
            cert_path.display(),
            key_path.display()
        );
        return Ok(());
    }
    create_private_dir(dir)?;
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .context("generating a TLS certificate")?;
    // Key first, then the certificate: the certificate's presence says the
    // pair is complete.
    write_new(&key_path, key_pair.serialize_pem().as_bytes(), 0o600)?;
    write_new(&cert_path, cert.pem().as_bytes(), 0o644)?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

/// Writes `bytes` to `path` through a temporary file created with `mode`
/// (so the key is never readable by others, not even for a moment) and an
/// atomic rename.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let tmp = path.with_extension("pem.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_without_tls_material_is_plain_http() {
        for a in ["127.0.0.1:0", "127.3.2.1:80", "[::1]:7878"] {
            assert_eq!(transport(&addr(a), None, None).unwrap(), Transport::Plain);
            assert_eq!(
                transport(&addr(a), None, Some(Path::new("d/tls"))).unwrap(),
                Transport::Plain
            );
        }
    }

    #[test]
    fn non_loopback_listen_means_tls_from_the_default_dir() {
        for a in ["0.0.0.0:7878", "192.0.2.7:443", "[::]:7878"] {
            assert_eq!(
                transport(&addr(a), None, Some(Path::new("d/tls"))).unwrap(),
                Transport::Tls(TlsSource::Dir("d/tls".into()))
            );
        }
    }

    #[test]
    fn non_loopback_listen_without_tls_material_or_default_is_refused() {
        let e = transport(&addr("0.0.0.0:7878"), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--tls-dir") && e.contains("loopback only"),
            "{e}"
        );
    }

    #[test]
    fn given_tls_material_is_used_on_loopback_too() {
        let files = TlsSource::Files {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        };
        assert_eq!(
            transport(&addr("127.0.0.1:0"), Some(files.clone()), None).unwrap(),
            Transport::Tls(files)
        );
    }

    #[test]
    fn fingerprint_is_upper_case_hex_pairs() {
        // sha256("") = e3b0c442…b855
        let f = fingerprint(b"");
        assert!(f.starts_with("E3:B0:C4:42:"), "{f}");
        assert!(f.ends_with(":B8:55"), "{f}");
        assert_eq!(f.len(), 32 * 3 - 1);
    }

    #[test]
    fn certificate_is_generated_on_first_start_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let tls = dir.path().join("tls");
        let source = TlsSource::Dir(tls.clone());
        let first = TlsMaterial::load(&source).unwrap();
        let cert = std::fs::read(tls.join(CERT_FILE)).unwrap();
        let second = TlsMaterial::load(&source).unwrap();
        assert_eq!(first.fingerprint(), second.fingerprint());
        assert_eq!(std::fs::read(tls.join(CERT_FILE)).unwrap(), cert);
        assert_eq!(
            fingerprint_of_file(&tls.join(CERT_FILE)).unwrap(),
            first.fingerprint()
        );
        first.server_config().unwrap();
        let other = TlsMaterial::load(&TlsSource::Dir(dir.path().join("other"))).unwrap();
        assert_ne!(other.fingerprint(), first.fingerprint());
    }

    #[cfg(unix)]
    #[test]
    fn generated_key_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tls = dir.path().join("tls");
        TlsMaterial::load(&TlsSource::Dir(tls.clone())).unwrap();
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(tls.join(KEY_FILE)), 0o600);
        assert_eq!(mode(tls.clone()), 0o700);
        assert!(!tls.join("key.pem.tmp").exists());
    }

    #[test]
    fn a_certificate_without_its_key_is_an_error_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let source = TlsSource::Dir(dir.path().to_path_buf());
        TlsMaterial::load(&source).unwrap();
        let cert = std::fs::read(dir.path().join(CERT_FILE)).unwrap();
        std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        let e = TlsMaterial::load(&source).unwrap_err().to_string();
        assert!(e.contains("key.pem"), "{e}");
        assert_eq!(std::fs::read(dir.path().join(CERT_FILE)).unwrap(), cert);
    }

    #[test]
    fn admin_given_files_are_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let generated = TlsMaterial::load(&TlsSource::Dir(dir.path().join("g"))).unwrap();
        let files = TlsSource::Files {
            cert: dir.path().join("g").join(CERT_FILE),
            key: dir.path().join("g").join(KEY_FILE),
        };
        let loaded = TlsMaterial::load(&files).unwrap();
        assert_eq!(loaded.fingerprint(), generated.fingerprint());
        let missing = TlsSource::Files {
            cert: dir.path().join("nope.pem"),
            key: dir.path().join("g").join(KEY_FILE),
        };
        assert!(TlsMaterial::load(&missing).is_err());
    }
}
