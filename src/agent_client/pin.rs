//! Certificate pinning for agents served over TLS: the [`Fingerprint`] of an
//! agent's certificate, and the rustls configuration that accepts exactly the
//! pinned certificate. Pinning replaces the web PKI, as SSH's known hosts do:
//! no CA, host name or validity period is checked, only that the end-entity
//! certificate is the pinned one and that the server holds its key (the
//! handshake signatures are still verified). It never trusts a certificate
//! on its own: accepting a new one is the admin's explicit act.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sha2::Digest;

/// SHA-256 of an agent's DER certificate. Shown and parsed as upper-case hex
/// pairs joined by `:` (`AB:CD:…`, the form of `openssl x509 -fingerprint
/// -sha256` and of the agent's `tls https://ADDR sha256 …` line); serde uses
/// the same string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(sha2::Sha256::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a string is not a [`Fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SHA-256 fingerprint (32 hex pairs joined by ':', e.g. AB:CD:…): {0:?}")]
pub struct FingerprintError(String);

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    /// Accepts `AB:CD:…` in either case, and the 64 hex digits without colons
    /// (as `sha256sum` prints them), surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || FingerprintError(s.chars().take(120).collect());
        let t = s.trim();
        let hex: Vec<u8> = if t.contains(':') {
            let pairs: Vec<&str> = t.split(':').collect();
            if pairs.len() != 32 || pairs.iter().any(|p| p.len() != 2) {
                return Err(err());
            }
            pairs.concat().into_bytes()
        } else {
            t.as_bytes().to_vec()
        };
        if hex.len() != 64 {
            return Err(err());
        }
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks(2).enumerate() {
            out[i] = (digit(pair[0]).ok_or_else(err)? << 4) | digit(pair[1]).ok_or_else(err)?;
        }
        Ok(Fingerprint(out))
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What the verifier saw of a pinned agent that presented another
/// certificate; carried inside the rustls error so the client can name both.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("certificate {presented} is not the pinned {pinned}")]
pub(crate) struct Mismatch {
    pub pinned: Fingerprint,
    pub presented: Fingerprint,
}

/// The certificate an agent presented, recorded by the verifier (what
/// [`super::probe_certificate`] returns).
pub(crate) type Presented = Arc<Mutex<Option<Fingerprint>>>;

/// Accepts exactly the certificate whose fingerprint is `pin` (or any, with
/// `pin: None`, for a probe), and verifies the handshake signatures with the
/// provider's algorithms, so the server proves it holds the key.
#[derive(Debug)]
struct PinnedVerifier {
    pin: Option<Fingerprint>,
    provider: Arc<CryptoProvider>,
    presented: Presented,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Fingerprint::of_der(end_entity);
        *self.presented.lock().unwrap_or_else(|p| p.into_inner()) = Some(presented);
        match self.pin {
            Some(pinned) if pinned != presented => {
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(Mismatch { pinned, presented })),
                )))
            }
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A rustls client configuration that accepts only `pin` (any certificate
/// when `None`), recording what the server presented in `presented`.
pub(crate) fn client_config(
    pin: Option<Fingerprint>,
    presented: Presented,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedVerifier {
        pin,
        provider: provider.clone(),
        presented,
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The pin mismatch behind a failed request, if that is why it failed:
/// reqwest wraps the rustls error (inside `io::Error`s, whose `source` skips
/// the error they carry), so the chain is walked by hand.
pub(crate) fn mismatch_in(e: &(dyn std::error::Error + 'static)) -> Option<Mismatch> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(m) = e.downcast_ref::<Mismatch>() {
            return Some(*m);
        }
        if let Some(rustls::Error::InvalidCertificate(CertificateError::Other(other))) =
            e.downcast_ref::<rustls::Error>()
        {
            if let Some(m) = other.0.downcast_ref::<Mismatch>() {
                return Some(*m);
            }
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(m) = mismatch_in(inner) {
                return Some(m);
            }
        }
        next = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_shows_and_parses_as_upper_case_hex_pairs() {
        let f = Fingerprint::of_der(b"");
        let shown = f.to_string();
        assert!(shown.starts_with("E3:B0:C4:42:"), "{shown}");
        assert_eq!(shown.len(), 95);
        assert_eq!(shown.parse::<Fingerprint>().unwrap(), f);
        assert_eq!(shown.to_lowercase().parse::<Fingerprint>().unwrap(), f);
        assert_eq!(
            format!(" {} \n", shown.replace(':', "")).parse::<Fingerprint>(),
            Ok(f)
        );
    }

    #[test]
    fn malformed_fingerprints_are_refused() {
        let good = Fingerprint::of_der(b"x").to_string();
        for bad in [
            String::new(),
            good[..good.len() - 3].to_string(),
            format!("{good}:00"),
            good.replacen("", "G", 1),
            good.replace(':', "-"),
            good.replacen(':', "", 1),
            "é".repeat(32),
        ] {
            assert!(bad.parse::<Fingerprint>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fingerprint_is_a_string_in_json() {
        let f = Fingerprint::of_der(b"cert");
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, format!("\"{f}\""));
        assert_eq!(serde_json::from_str::<Fingerprint>(&json).unwrap(), f);
        assert!(serde_json::from_str::<Fingerprint>("\"AB:CD\"").is_err());
    }

    #[test]
    fn the_agent_prints_the_fingerprint_the_client_parses() {
        let der = b"any DER bytes";
        assert_eq!(
            Fingerprint::of_der(der).to_string(),
            rollwright_agent::tls::fingerprint(der)
        );
    }
}
