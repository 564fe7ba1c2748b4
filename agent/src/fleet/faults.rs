//! Deterministic fault decisions: every choice is a pure function of the seed,
//! the device and the deployment id (or the device's call number), so a rerun
//! with the same seed, and a retry of the same call, behave the same.

use rollwright_protocol::{LogLevel, WireManifest};

use crate::device::entry;

/// splitmix64: a small, well-mixed hash step.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a of a string, to fold ids into a hash.
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A uniform number in [0, 1) from a hash.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// How one simulated install ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeed,
    Fail,
    Hang,
}

/// The fate of one deployment on one device.
#[derive(Debug, Clone, Copy)]
pub struct Fate {
    pub outcome: Outcome,
    pub install_ms: u64,
    pub hash: u64,
}

/// Knobs of fault injection.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub seed: u64,
    pub install_ms: (u64, u64),
    pub fail_rate: f64,
    pub hang_rate: f64,
    pub error_rate: f64,
}

impl Faults {
    pub fn fate(&self, device: usize, deployment_id: &str) -> Fate {
        let h = mix(self.seed ^ mix(device as u64 ^ mix(fnv(deployment_id))));
        let (a, b, c) = (mix(h ^ 1), mix(h ^ 2), mix(h ^ 3));
        let outcome = if unit(a) < self.fail_rate {
            Outcome::Fail
        } else if unit(b) < self.hang_rate {
            Outcome::Hang
        } else {
            Outcome::Succeed
        };
        let (lo, hi) = self.install_ms;
        let install_ms = if hi > lo { lo + c % (hi - lo + 1) } else { lo };
        Fate {
            outcome,
            install_ms,
            hash: h,
        }
    }

    /// Whether call number `call` to `device` answers a transient 503.
    pub fn transient_error(&self, device: usize, call: u64) -> bool {
        self.error_rate > 0.0
            && unit(mix(
                self.seed ^ mix((device as u64) << 32 ^ mix(call ^ 0x5eed))
            )) < self.error_rate
    }
}

/// The log of a failed simulated install: which module, at which step, why.
pub fn failure_log(
    m: &WireManifest,
    from: Option<&str>,
    h: u64,
) -> Vec<rollwright_protocol::LogEntry> {
    const STEPS: [&str; 4] = ["fetch", "verify", "import", "activate"];
    let step = STEPS[(mix(h ^ 7) % 4) as usize];
    let (name, version, sha) = match m.modules.len() {
        0 => ("manifest".to_string(), m.version.clone(), String::new()),
        n => {
            let module = &m.modules[(mix(h ^ 11) % n as u64) as usize];
            (
                module.name.clone(),
                module.version.clone(),
                module.sha256.clone(),
            )
        }
    };
    let reason = match step {
        "fetch" => format!(
            "artifact download of {name} aborted: connection reset by peer after {} KiB",
            mix(h ^ 13) % 4096
        ),
        "verify" => format!(
            "sha256 mismatch: expected {sha} got {:016x}{:016x}{:016x}{:016x}",
            mix(h ^ 17),
            mix(h ^ 19),
            mix(h ^ 23),
            mix(h ^ 29)
        ),
        "import" => format!(
            "import of {name} failed: lock wait timeout after 30s on table T{:03}",
            mix(h ^ 31) % 1000
        ),
        _ => format!(
            "service {name} did not start: exited with status {}",
            1 + mix(h ^ 37) % 126
        ),
    };
    vec![
        entry(
            LogLevel::Error,
            "IMPORT_FAILED",
            format!("module {name} {version}: import failed at step {step}"),
            Some(reason),
        ),
        entry(
            LogLevel::Info,
            "DEVICE_UNCHANGED",
            format!("device remains on {}", from.unwrap_or("no version")),
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(fail: f64, hang: f64) -> Faults {
        Faults {
            seed: 7,
            install_ms: (10, 20),
            fail_rate: fail,
            hang_rate: hang,
            error_rate: 0.0,
        }
    }

    #[test]
    fn fate_is_a_function_of_seed_device_and_id() {
        let f = faults(0.5, 0.2);
        for d in 0..50 {
            let (a, b) = (f.fate(d, "u-1"), f.fate(d, "u-1"));
            assert_eq!((a.outcome, a.install_ms), (b.outcome, b.install_ms));
            assert!((10..=20).contains(&a.install_ms));
        }
    }

    #[test]
    fn rates_are_roughly_honoured() {
        let f = faults(0.3, 0.0);
        let fails = (0..2000)
            .filter(|d| f.fate(*d, "x").outcome == Outcome::Fail)
            .count();
        assert!((450..750).contains(&fails), "{fails}");
        assert!((0..100).all(|d| faults(0.0, 0.0).fate(d, "x").outcome == Outcome::Succeed));
        assert!((0..100).all(|d| faults(1.0, 0.0).fate(d, "x").outcome == Outcome::Fail));
    }
}
