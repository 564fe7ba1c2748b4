//! Certificate pinning for agents served over TLS: the [`Fingerprint`] of an
//! agent's certificate, and the rustls configuration that accepts exactly the
//! pinned certificate. Pinning replaces the web PKI, as SSH's known hosts do:
//! no CA, host name or validity period is checked, only that the end-entity
//! certificate is the pinned one and that the server holds its key (the
//! handshake signatures are still verified). It never trusts a certificate
//! on its own: accepting a new one is the admin's explicit act.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use super::Fingerprint;

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
