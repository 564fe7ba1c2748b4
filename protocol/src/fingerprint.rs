//! The SHA-256 fingerprint of an agent's TLS certificate: what the agent
//! prints, the admin compares and the client pins.

use std::fmt;
use std::str::FromStr;

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
}
