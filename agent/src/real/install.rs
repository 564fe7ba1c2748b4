//! One deployment on a real device: fetch each module's artifact, verify its
//! sha256, stage it, switch the pointer, run the health check, and switch back
//! if it fails. Each step first checks that no rollback was requested.

use std::{path::Path, time::Duration};

use rollwright_protocol::{
    DeploymentState, HealthCheck, LogEntry, LogLevel, WireManifest, WireModule,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::RealAgent;
use crate::device::entry;

/// Largest artifact the agent downloads.
pub const MAX_ARTIFACT_BYTES: u64 = 1 << 30;
const DEFAULT_HEALTH_TIMEOUT_MS: u64 = 30_000;

pub fn spawn(agent: RealAgent, id: String) {
    tokio::spawn(async move {
        if let Err(e) = run(&agent, &id).await {
            // Only disk errors get here; the deployment fails with the detail.
            let log = vec![entry(
                LogLevel::Error,
                "AGENT_ERROR",
                "the agent could not complete the deployment",
                Some(e.to_string()),
            )];
            end(&agent, &id, DeploymentState::Failed, log, None);
            // Make the pointer agree with the recorded deployed version again.
            let st = agent.lock();
            if let Some(r) = st.deployments.get(&id) {
                let want = st
                    .products
                    .get(&r.dep.product)
                    .and_then(|p| p.deployed.as_ref())
                    .map(|d| d.version.clone());
                if let Err(e) = agent.0.disk.switch(&r.dep.product, want.as_deref()) {
                    eprintln!("restoring the pointer of {} failed: {e}", r.dep.product);
                }
            }
        }
    });
}

/// Where a step failed and why.
struct StepError {
    module: String,
    version: String,
    step: &'static str,
    reason: String,
}

async fn run(agent: &RealAgent, id: &str) -> std::io::Result<()> {
    let (manifest, from) = {
        let st = agent.lock();
        let Some(r) = st.deployments.get(id) else {
            return Ok(());
        };
        (r.manifest.clone(), r.dep.from_version.clone())
    };
    let disk = &agent.0.disk;
    let product = manifest.product.clone();
    let version = manifest.version.clone();

    if disk.pointer(&product).as_deref() != Some(version.as_str()) {
        let staging = disk.staging(id);
        if staging.exists() {
            tokio::fs::remove_dir_all(&staging).await?;
        }
        tokio::fs::create_dir_all(&staging).await?;
        let n = manifest.modules.len().max(1);
        for (k, module) in manifest.modules.iter().enumerate() {
            if aborted(agent, id) {
                let _ = tokio::fs::remove_dir_all(&staging).await;
                return abort(agent, id, &product, from.as_deref(), false);
            }
            if let Err(e) = fetch(agent, module, &staging).await {
                let _ = tokio::fs::remove_dir_all(&staging).await;
                end(
                    agent,
                    id,
                    DeploymentState::Failed,
                    failed_log(&e, from.as_deref()),
                    None,
                );
                return Ok(());
            }
            progress(
                agent,
                id,
                (10 + 60 * (k + 1) / n) as u8,
                "STAGED",
                format!(
                    "module {} {} fetched and verified",
                    module.name, module.version
                ),
            );
        }
        let dir = disk.install_version(&staging, &product, &version)?;
        if aborted(agent, id) {
            return abort(agent, id, &product, from.as_deref(), false);
        }
        disk.switch(&product, Some(&version))?;
        progress(
            agent,
            id,
            80,
            "SWITCHED",
            format!("{product} now points at {version} ({})", dir.display()),
        );
    }

    if let Some(hc) = &manifest.health_check {
        let dir = disk.version_dir(&product, &version);
        if let Err(reason) = health_check(hc, &dir, &manifest).await {
            let log = vec![
                entry(
                    LogLevel::Error,
                    "HEALTH_CHECK_FAILED",
                    format!("health check of {product} {version} failed"),
                    Some(reason),
                ),
                entry(
                    LogLevel::Info,
                    "SWITCHED_BACK",
                    format!(
                        "switched back to {}",
                        from.as_deref().unwrap_or("no version")
                    ),
                    None,
                ),
            ];
            // State first (deployed = from), then the pointer.
            end(agent, id, DeploymentState::Failed, log, None);
            disk.switch(&product, from.as_deref())?;
            return Ok(());
        }
        progress(agent, id, 95, "HEALTHY", "health check passed".to_string());
    }
    if aborted(agent, id) {
        return abort(agent, id, &product, from.as_deref(), true);
    }
    let log = vec![entry(
        LogLevel::Info,
        "SUCCEEDED",
        format!("{product} {version} is deployed"),
        None,
    )];
    end(agent, id, DeploymentState::Succeeded, log, Some(&product));
    Ok(())
}

fn aborted(agent: &RealAgent, id: &str) -> bool {
    agent
        .lock()
        .deployments
        .get(id)
        .is_none_or(|r| r.dep.state != DeploymentState::Running)
}

fn abort(
    agent: &RealAgent,
    id: &str,
    product: &str,
    from: Option<&str>,
    switched: bool,
) -> std::io::Result<()> {
    let log = vec![entry(
        LogLevel::Info,
        "ROLLED_BACK",
        format!("aborted; device is on {}", from.unwrap_or("no version")),
        None,
    )];
    end(agent, id, DeploymentState::RolledBack, log, None);
    if switched || agent.0.disk.pointer(product).as_deref() != from {
        agent.0.disk.switch(product, from)?;
    }
    Ok(())
}

/// Ends the deployment and persists. If a rollback was requested meanwhile, a
/// success becomes `rolled_back` and the pointer (for `product`) goes back.
fn end(
    agent: &RealAgent,
    id: &str,
    mut state: DeploymentState,
    mut log: Vec<LogEntry>,
    product: Option<&str>,
) {
    let mut st = agent.lock();
    let Some(r) = st.deployments.get(id) else {
        return;
    };
    if r.dep.state == DeploymentState::RollingBack && state != DeploymentState::RolledBack {
        state = DeploymentState::RolledBack;
        log = vec![entry(
            LogLevel::Info,
            "ROLLED_BACK",
            "rollback requested during the deployment; switched back",
            None,
        )];
        let from = r.dep.from_version.clone();
        st.finish(id, state, log);
        if let Err(e) = agent.0.disk.save_state(&st) {
            eprintln!("saving state failed: {e}");
        }
        if let Some(p) = product {
            if let Err(e) = agent.0.disk.switch(p, from.as_deref()) {
                eprintln!("switching back failed: {e}");
            }
        }
        return;
    }
    st.finish(id, state, log);
    if let Err(e) = agent.0.disk.save_state(&st) {
        eprintln!("saving state failed: {e}");
    }
}

fn progress(agent: &RealAgent, id: &str, pct: u8, code: &str, message: String) {
    let mut st = agent.lock();
    if let Some(r) = st.record_mut(id) {
        if r.dep.state == DeploymentState::Running {
            r.dep.progress = pct;
            r.dep.log.push(entry(LogLevel::Info, code, message, None));
            if let Err(e) = agent.0.disk.save_state(&st) {
                eprintln!("saving state failed: {e}");
            }
        }
    }
}

fn failed_log(e: &StepError, from: Option<&str>) -> Vec<LogEntry> {
    vec![
        entry(
            LogLevel::Error,
            "IMPORT_FAILED",
            format!(
                "module {} {}: import failed at step {}",
                e.module, e.version, e.step
            ),
            Some(e.reason.clone()),
        ),
        entry(
            LogLevel::Info,
            "DEVICE_UNCHANGED",
            format!("device remains on {}", from.unwrap_or("no version")),
            None,
        ),
    ]
}

/// Downloads one artifact into `staging/{module}`, hashing as it goes.
async fn fetch(agent: &RealAgent, m: &WireModule, staging: &Path) -> Result<(), StepError> {
    let fail = |step, reason: String| StepError {
        module: m.name.clone(),
        version: m.version.clone(),
        step,
        reason,
    };
    let dest = staging.join(&m.name);
    let mut out = tokio::fs::File::create(&dest)
        .await
        .map_err(|e| fail("stage", e.to_string()))?;
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut write = |chunk: &[u8], total: &mut u64| -> Result<(), StepError> {
        *total += chunk.len() as u64;
        if *total > MAX_ARTIFACT_BYTES {
            return Err(fail(
                "fetch",
                format!("artifact larger than {MAX_ARTIFACT_BYTES} bytes"),
            ));
        }
        hasher.update(chunk);
        Ok(())
    };
    if let Some(path) = m.artifact.strip_prefix("file://") {
        let mut f = tokio::fs::File::open(path)
            .await
            .map_err(|e| fail("fetch", format!("{path}: {e}")))?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f
                .read(&mut buf)
                .await
                .map_err(|e| fail("fetch", e.to_string()))?;
            if n == 0 {
                break;
            }
            write(&buf[..n], &mut total)?;
            out.write_all(&buf[..n])
                .await
                .map_err(|e| fail("stage", e.to_string()))?;
        }
    } else {
        let mut resp = agent
            .0
            .http
            .get(&m.artifact)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| fail("fetch", format!("{}: {e}", m.artifact)))?;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| fail("fetch", e.to_string()))?
        {
            write(&chunk, &mut total)?;
            out.write_all(&chunk)
                .await
                .map_err(|e| fail("stage", e.to_string()))?;
        }
    }
    out.sync_all()
        .await
        .map_err(|e| fail("stage", e.to_string()))?;
    let got = hex::encode(hasher.finalize());
    if got != m.sha256 {
        return Err(fail(
            "verify",
            format!("sha256 mismatch: expected {} got {got}", m.sha256),
        ));
    }
    Ok(())
}

/// Runs the health check in the version's directory; `Err` says why it failed.
async fn health_check(hc: &HealthCheck, dir: &Path, m: &WireManifest) -> Result<(), String> {
    let timeout = Duration::from_millis(hc.timeout_ms.unwrap_or(DEFAULT_HEALTH_TIMEOUT_MS));
    let mut cmd = tokio::process::Command::new(&hc.command[0]);
    cmd.args(&hc.command[1..])
        .current_dir(dir)
        .env("ROLLWRIGHT_PRODUCT", &m.product)
        .env("ROLLWRIGHT_VERSION", &m.version)
        .env("ROLLWRIGHT_VERSION_DIR", dir)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(timeout, cmd.output()).await {
        Err(_) => Err(format!("timed out after {} ms", timeout.as_millis())),
        Ok(Err(e)) => Err(format!("could not run {}: {e}", hc.command[0])),
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: String = stderr
                .chars()
                .rev()
                .take(500)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Err(format!("{}: {}", out.status, tail.trim()))
        }
    }
}
