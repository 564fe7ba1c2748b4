//! The fleet simulator as a separate process (the release `rollwright-agent
//! fleet` binary), so the engine's CPU time and memory are its own. Killed
//! when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context};

pub const TOKEN: &str = "rollwright-bench-token";
pub const PRODUCT: &str = "acme-erp";
pub const FROM: &str = "2.3.0";
pub const TO: &str = "2.4.0";

pub struct FleetProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub root: String,
}

/// Files the fleet and the scripts share: the token and the device template.
pub struct FleetFiles {
    pub agent: PathBuf,
    pub token_file: PathBuf,
    pub spec_file: PathBuf,
}

impl FleetFiles {
    pub fn write(agent: PathBuf, dir: &Path) -> anyhow::Result<FleetFiles> {
        let token_file = dir.join("token");
        std::fs::write(&token_file, TOKEN)?;
        let spec_file = dir.join("fleet-spec.json");
        // Every simulated device starts on FROM, as the engine's store is told.
        std::fs::write(
            &spec_file,
            format!(
                r#"{{"devices": [{{"labels": {{"site": "bench"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}}}}}}]}}"#
            ),
        )?;
        Ok(FleetFiles {
            agent,
            token_file,
            spec_file,
        })
    }
}

impl FleetProcess {
    /// Starts `devices` simulated devices with instant installs on a free
    /// loopback port and waits until it listens.
    pub fn start(files: &FleetFiles, devices: usize) -> anyhow::Result<FleetProcess> {
        let mut child = Command::new(&files.agent)
            .arg("fleet")
            .args(["--devices", &devices.to_string()])
            .args(["--listen", "127.0.0.1:0"])
            .arg("--token-file")
            .arg(&files.token_file)
            .arg("--spec")
            .arg(&files.spec_file)
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", files.agent.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .context("reading the fleet's first line")?;
        let Some(addr) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            bail!("the fleet said {line:?} instead of `listening on ADDR`");
        };
        Ok(FleetProcess {
            root: format!("http://{addr}"),
            child,
        })
    }
}

impl Drop for FleetProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
