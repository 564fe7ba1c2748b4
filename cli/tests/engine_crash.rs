//! Crash safety of the engine: `rollwright-cli run` is SIGKILLed at random
//! moments of a 300-device rollout and restarted each time. At the end every
//! device update must be terminal and every deployment installed exactly once,
//! as counted by the agents themselves.

#[path = "../../tests/engine_support/mod.rs"]
mod engine_support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use engine_support::*;
use rollwright::domain::{DeployOption, DeviceUpdateStatus, UpdateId};
use rollwright_agent::FleetConfig;

const KILLS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_runner_at_random_moments_loses_nothing_and_installs_nothing_twice() {
    let mut fleet = FleetConfig::new(0);
    // Installs take a while, so kills land mid-deployment as well as mid-configuration.
    fleet.faults.install_ms = (100, 600);
    let l = landscape(300, fleet).await;
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    approve_without_running(&l, update, Arc::new(rollwright::engine::SystemClock)).await;
    let db = l.store.path().to_path_buf();
    let cli = env!("CARGO_BIN_EXE_rollwright-cli");
    let run = move || {
        Command::new(cli)
            // The landscape's tokens are in the file store beside the database.
            .env(rollwright::secrets::BACKEND_ENV, "file")
            .arg("--db")
            .arg(&db)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rollwright-cli run")
    };

    let mut rng = fastrand::Rng::with_seed(0x5eed);
    for _ in 0..KILLS {
        let before = work_of(&l, update);
        if before.iter().all(|w| w.0 == DeviceUpdateStatus::Succeeded) {
            break;
        }
        let mut child = run();
        // However slowly the runner starts, each kill lands after it has
        // moved some device update and while work is in flight.
        wait_for_work_in_flight(&l, update, &before).await;
        tokio::time::sleep(Duration::from_millis(rng.u64(0..500))).await;
        // SIGKILL: no chance to clean up.
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let status = tokio::task::spawn_blocking(move || {
        let mut child = run();
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("the last run did not finish within 120 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    assert!(status.success(), "the last run ends cleanly: {status}");

    let dus = l.store.device_updates_of(update).unwrap();
    assert_eq!(dus.len(), 300);
    let not_done: Vec<_> = dus
        .iter()
        .filter(|du| du.status != DeviceUpdateStatus::Succeeded)
        .map(|du| (du.id.to_string(), du.status))
        .collect();
    assert!(not_done.is_empty(), "not succeeded: {not_done:?}");
    assert!(
        dus.iter().any(|du| du.resumes > 0),
        "some work was really interrupted and resumed"
    );

    for du in &dus {
        let fleet_id = l.fleet_id(du.device);
        let installs = l.client(fleet_id).installs().await.unwrap().installs;
        assert_eq!(
            installs.get(du.id.as_str()).copied(),
            Some(1),
            "device {fleet_id}: deployment {} installs {installs:?}",
            du.id
        );
    }
    assert!(l.finished(update));
}

/// Status, progress and resumes of each device update, as the database has them.
fn work_of(l: &Landscape, update: UpdateId) -> Vec<(DeviceUpdateStatus, u8, u32)> {
    l.store
        .device_updates_of(update)
        .unwrap()
        .into_iter()
        .map(|du| (du.status, du.progress, du.resumes))
        .collect()
}

/// Waits, bounded, until a runner started after `before` was read has written
/// something and some device update is configuring or deploying, or until
/// the runner has finished everything between two looks.
async fn wait_for_work_in_flight(
    l: &Landscape,
    update: UpdateId,
    before: &[(DeviceUpdateStatus, u8, u32)],
) {
    use DeviceUpdateStatus::{Configuring, Deploying};
    for _ in 0..3_000 {
        let now = work_of(l, update);
        let in_flight = now.iter().any(|w| matches!(w.0, Configuring | Deploying));
        let all_done = now.iter().all(|w| w.0 == DeviceUpdateStatus::Succeeded);
        if (now != before && in_flight) || all_done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the runner moved no device update within 30 s");
}

/// One engine per database: `run` refuses while another process's engine
/// (here this test's) holds it, naming that process, and runs once it let go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_refuses_while_another_engine_holds_the_database() {
    let l = landscape(1, FleetConfig::new(0)).await;
    let holder = engine(
        &l,
        Arc::new(rollwright::engine::SystemClock),
        Arc::new(rollwright::engine::Silent),
    );
    holder.start().await.unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_rollwright-cli"))
            .env(rollwright::secrets::BACKEND_ENV, "file")
            .arg("--db")
            .arg(l.store.path())
            .arg("run")
            .stdin(Stdio::null())
            .output()
            .expect("run rollwright-cli run")
    };
    let refused = run();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "refused: {stderr}");
    assert!(
        stderr.contains(&format!(
            "another engine works on this database: process {} (",
            std::process::id()
        )),
        "says which process holds it: {stderr}"
    );
    holder.shutdown().await;
    let ran = run();
    assert!(
        ran.status.success(),
        "runs once free: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
}
