//! Command-line arguments of `rollwright-agent`, parsed by hand into
//! [`Command`]; the binary only parses and runs.

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

use anyhow::{bail, Context};

use crate::fleet::{faults::Faults, FleetConfig, FleetSpec};
use crate::real::RealConfig;
use crate::tls::{TlsSource, Transport};

pub const USAGE: &str = "\
usage:
  rollwright-agent serve --data-dir DIR --listen ADDR:PORT --token-file FILE
                         [--name NAME] [--label k=v ...] [TLS]
  rollwright-agent fleet --devices N --listen ADDR:PORT --token-file FILE [--spec FILE]
                         [--install-ms MIN..MAX] [--fail-rate P] [--hang-rate P] [--error-rate P]
                         [--seed S] [--state-file FILE] [TLS]
  rollwright-agent fingerprint (--tls-dir DIR | --tls-cert FILE)
TLS is --tls-dir DIR (a self-signed cert.pem/key.pem, generated there if absent)
or --tls-cert FILE --tls-key FILE (PEM). With either, the agent serves HTTPS.
Without, it serves plain HTTP on a loopback --listen; any other address gets
TLS: serve uses DIR/tls under --data-dir, fleet needs TLS flags.
Over TLS the second line of output is `tls https://ADDR sha256 FINGERPRINT`.";

pub enum Command {
    Serve {
        listen: SocketAddr,
        /// Plain HTTP (loopback only) or TLS with its certificate's source.
        transport: Transport,
        token_file: PathBuf,
        config: RealConfig,
    },
    Fleet {
        listen: SocketAddr,
        transport: Transport,
        token_file: PathBuf,
        config: FleetConfig,
    },
    /// Print the SHA-256 fingerprint of this certificate and exit.
    Fingerprint { cert: PathBuf },
}

pub fn parse(args: &[String]) -> anyhow::Result<Command> {
    let (mode, rest) = args.split_first().context(USAGE)?;
    let mut flags: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        flags.entry(flag.as_str()).or_default().push(value.as_str());
    }
    let allowed: &[&str] = match mode.as_str() {
        "serve" => &[
            "--data-dir",
            "--listen",
            "--token-file",
            "--name",
            "--label",
            "--tls-dir",
            "--tls-cert",
            "--tls-key",
        ],
        "fleet" => &[
            "--devices",
            "--listen",
            "--token-file",
            "--spec",
            "--install-ms",
            "--fail-rate",
            "--hang-rate",
            "--error-rate",
            "--seed",
            "--state-file",
            "--tls-dir",
            "--tls-cert",
            "--tls-key",
        ],
        "fingerprint" => &["--tls-dir", "--tls-cert"],
        other => bail!("unknown command {other:?}\n{USAGE}"),
    };
    if let Some(bad) = flags.keys().find(|f| !allowed.contains(f)) {
        bail!("unknown flag {bad} for {mode}\n{USAGE}");
    }
    let one = |name: &str| -> anyhow::Result<Option<&str>> {
        match flags.get(name).map(Vec::as_slice) {
            None => Ok(None),
            Some([v]) => Ok(Some(v)),
            Some(_) => bail!("{name} given more than once"),
        }
    };
    let need = |name: &str| -> anyhow::Result<&str> {
        one(name)?.with_context(|| format!("{name} is required\n{USAGE}"))
    };
    let tls = match (one("--tls-dir")?, one("--tls-cert")?, one("--tls-key")?) {
        (None, None, None) => None,
        (Some(dir), None, None) => Some(TlsSource::Dir(PathBuf::from(dir))),
        (None, Some(cert), Some(key)) => Some(TlsSource::Files {
            cert: PathBuf::from(cert),
            key: PathBuf::from(key),
        }),
        (None, Some(cert), None) if mode == "fingerprint" => Some(TlsSource::Files {
            cert: PathBuf::from(cert),
            key: PathBuf::new(),
        }),
        (Some(_), _, _) => bail!("--tls-dir cannot go with --tls-cert or --tls-key"),
        _ => bail!("--tls-cert and --tls-key go together"),
    };
    if mode == "fingerprint" {
        let source =
            tls.with_context(|| format!("--tls-dir or --tls-cert is required\n{USAGE}"))?;
        return Ok(Command::Fingerprint {
            cert: source.cert_path(),
        });
    }
    let listen: SocketAddr = need("--listen")?.parse().context("--listen")?;
    let token_file = PathBuf::from(need("--token-file")?);
    if mode == "serve" {
        let mut labels = BTreeMap::new();
        for l in flags.get("--label").into_iter().flatten() {
            let (k, v) = l
                .split_once('=')
                .with_context(|| format!("--label {l}: expected k=v"))?;
            labels.insert(k.to_string(), v.to_string());
        }
        rollwright_protocol::validate::labels(
            "--label",
            labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let data_dir = PathBuf::from(need("--data-dir")?);
        return Ok(Command::Serve {
            listen,
            transport: crate::tls::transport(&listen, tls, Some(&data_dir.join("tls")))?,
            token_file,
            config: RealConfig {
                data_dir,
                name: one("--name")?.unwrap_or("agent").to_string(),
                labels,
            },
        });
    }
    let rate = |name: &str| -> anyhow::Result<f64> {
        let p: f64 = one(name)?
            .unwrap_or("0")
            .parse()
            .with_context(|| name.to_string())?;
        anyhow::ensure!((0.0..=1.0).contains(&p), "{name} must be between 0 and 1");
        Ok(p)
    };
    let install_ms = match one("--install-ms")? {
        None => (0, 0),
        Some(s) => {
            let (lo, hi) = s.split_once("..").unwrap_or((s, s));
            let (lo, hi): (u64, u64) = (
                lo.parse().context("--install-ms")?,
                hi.parse().context("--install-ms")?,
            );
            anyhow::ensure!(lo <= hi, "--install-ms: MIN must not exceed MAX");
            (lo, hi)
        }
    };
    let spec = match one("--spec")? {
        None => None,
        Some(path) => Some(FleetSpec::parse(
            &std::fs::read_to_string(path).with_context(|| path.to_string())?,
        )?),
    };
    let devices: usize = need("--devices")?.parse().context("--devices")?;
    anyhow::ensure!(
        (1..=100_000).contains(&devices),
        "--devices must be 1 to 100000"
    );
    Ok(Command::Fleet {
        listen,
        transport: crate::tls::transport(&listen, tls, None)?,
        token_file,
        config: FleetConfig {
            devices,
            spec,
            faults: Faults {
                seed: one("--seed")?.unwrap_or("0").parse().context("--seed")?,
                install_ms,
                fail_rate: rate("--fail-rate")?,
                hang_rate: rate("--hang-rate")?,
                error_rate: rate("--error-rate")?,
            },
            state_file: one("--state-file")?.map(PathBuf::from),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn fleet_off_loopback_without_tls_material_is_refused() {
        let err = parse(&args(
            "fleet --devices 3 --listen 0.0.0.0:80 --token-file t",
        ))
        .err()
        .unwrap();
        assert!(err.to_string().contains("--tls-dir"), "{err}");
    }

    #[test]
    fn fleet_off_loopback_with_tls_material_serves_tls() {
        let Command::Fleet { transport, .. } = parse(&args(
            "fleet --devices 3 --listen 0.0.0.0:80 --token-file t --tls-dir /etc/agent-tls",
        ))
        .unwrap() else {
            panic!("fleet expected")
        };
        assert_eq!(
            transport,
            Transport::Tls(TlsSource::Dir("/etc/agent-tls".into()))
        );
    }

    #[test]
    fn serve_off_loopback_serves_tls_from_its_data_dir() {
        let Command::Serve { transport, .. } = parse(&args(
            "serve --data-dir /var/lib/agent --listen 0.0.0.0:7878 --token-file t",
        ))
        .unwrap() else {
            panic!("serve expected")
        };
        assert_eq!(
            transport,
            Transport::Tls(TlsSource::Dir("/var/lib/agent/tls".into()))
        );
    }

    #[test]
    fn loopback_is_plain_http_unless_tls_flags_are_given() {
        let transport = |extra: &str| {
            let Command::Serve { transport, .. } = parse(&args(&format!(
                "serve --data-dir d --listen 127.0.0.1:0 --token-file t {extra}"
            )))
            .unwrap() else {
                panic!("serve expected")
            };
            transport
        };
        assert_eq!(transport(""), Transport::Plain);
        assert_eq!(
            transport("--tls-cert c.pem --tls-key k.pem"),
            Transport::Tls(TlsSource::Files {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
    }

    #[test]
    fn tls_flags_must_name_one_source() {
        let base = "fleet --devices 3 --listen 127.0.0.1:0 --token-file t";
        for bad in [
            "--tls-cert c.pem",
            "--tls-key k.pem",
            "--tls-dir d --tls-cert c.pem --tls-key k.pem",
        ] {
            assert!(parse(&args(&format!("{base} {bad}"))).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprint_names_the_certificate_file() {
        let Command::Fingerprint { cert } = parse(&args("fingerprint --tls-dir /d")).unwrap()
        else {
            panic!("fingerprint expected")
        };
        assert_eq!(cert, PathBuf::from("/d/cert.pem"));
        assert!(parse(&args("fingerprint")).is_err());
    }

    #[test]
    fn fleet_flags_are_parsed() {
        let Command::Fleet { config, .. } = parse(&args(
            "fleet --devices 3 --listen 127.0.0.1:0 --token-file t --install-ms 5..9 --fail-rate 0.1 --seed 4",
        ))
        .unwrap() else {
            panic!("fleet expected")
        };
        assert_eq!(
            (config.devices, config.faults.install_ms, config.faults.seed),
            (3, (5, 9), 4)
        );
        assert!(parse(&args(
            "fleet --devices 3 --listen 127.0.0.1:0 --token-file t --fail-rate 2"
        ))
        .is_err());
        assert!(parse(&args(
            "fleet --devices 3 --listen 127.0.0.1:0 --token-file t --bogus 1"
        ))
        .is_err());
    }

    #[test]
    fn labels_follow_the_protocol_rule() {
        let serve = |label: &str| {
            parse(&args(&format!(
                "serve --data-dir d --listen 127.0.0.1:0 --token-file t --label {label}"
            )))
        };
        assert!(serve("site=lyon").is_ok());
        for bad in ["site=ly#on".to_string(), format!("site={}", "x".repeat(65))] {
            let Err(e) = serve(&bad) else {
                panic!("{bad} accepted")
            };
            let e = e.to_string();
            assert!(e.contains("--label"), "{bad}: {e}");
        }
    }

    #[test]
    fn serve_takes_repeated_labels() {
        let Command::Serve { config, .. } = parse(&args(
            "serve --data-dir d --listen 127.0.0.1:0 --token-file t --label site=lyon --label group=canary",
        ))
        .unwrap() else {
            panic!("serve expected")
        };
        assert_eq!(config.labels.len(), 2);
        assert_eq!(config.name, "agent");
    }
}
