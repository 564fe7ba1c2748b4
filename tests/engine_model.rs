//! The engine against a reference model of DESIGN.md's state machine.
//! Random sequences of approve, cancel (whole update or one device), clock
//! steps and engine crashes run on the real engine (manual clock, the fleet
//! simulator with failing, hanging and 503-answering devices). After every
//! step the store must hold the statuses the model predicts; every status
//! change the engine reports must be an edge of the table; and each
//! deployment is installed once if the model deployed it, else never.

mod engine_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use engine_support::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rollwright::domain::{DeployOption, DeviceUpdateId, DeviceUpdateStatus, UpdateId};
use rollwright::engine::{Engine, EngineConfig, EngineEvent, ManualClock, RetryPolicy};
use rollwright::store::Store;
use rollwright_agent::fleet::faults::{Faults, Outcome};
use rollwright_agent::FleetConfig;

use DeviceUpdateStatus::*;

/// Minutes without progress after which a deployment counts as stalled.
const STALL_MINUTES: i64 = 5;
/// Where the simulator's hung installs stop.
const HANG_PROGRESS: u8 = 40;
/// When the `at(t)` devices deploy, in minutes after the start.
const AT_MINUTES: i64 = 10;

/// When a device deploys: the three deploy options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    ConfigOnly,
    Now,
    At,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Approve,
    CancelUpdate,
    CancelDevice(usize),
    /// Moves the manual clock on by this many minutes.
    Step(i64),
}

/// One step: an action, and whether the engine crashes right after it,
/// before its work is done (a new engine then resumes).
#[derive(Debug, Clone, Copy)]
struct Step {
    action: Action,
    crash_after_ms: Option<u64>,
}

#[derive(Debug, Clone)]
struct Scenario {
    seed: u64,
    options: Vec<When>,
    steps: Vec<Step>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let option = prop_oneof![Just(When::ConfigOnly), Just(When::Now), Just(When::At)];
    (any::<u64>(), prop::collection::vec(option, 2..=5)).prop_flat_map(|(seed, options)| {
        let n = options.len();
        let action = prop_oneof![
            3 => Just(Action::Approve),
            1 => Just(Action::CancelUpdate),
            2 => (0..n).prop_map(Action::CancelDevice),
            // Sums of 2 and 7 never make exactly the stall limit.
            3 => prop::sample::select(vec![2i64, 7, 45]).prop_map(Action::Step),
        ];
        let crash = prop::option::weighted(0.25, 0u64..40);
        let step = (action, crash).prop_map(|(action, crash_after_ms)| Step {
            action,
            crash_after_ms,
        });
        prop::collection::vec(step, 1..=7).prop_map(move |steps| Scenario {
            seed,
            options: options.clone(),
            steps,
        })
    })
}

/// What DESIGN.md's state machine says happens to one device update.
#[derive(Debug, Clone)]
struct ModelDeviceUpdate {
    option: When,
    /// How the simulator's install of this deployment ends.
    outcome: Outcome,
    status: DeviceUpdateStatus,
    /// Clock minute at which its deployment started (for the stall limit).
    deploying_since: Option<i64>,
    deployed: bool,
}

#[derive(Debug)]
struct Model {
    minute: i64,
    approved: bool,
    dus: Vec<ModelDeviceUpdate>,
}

impl Model {
    /// Moves every device update as far as it goes without an admin.
    fn run(&mut self) {
        if !self.approved {
            return;
        }
        let minute = self.minute;
        for du in &mut self.dus {
            loop {
                let next = match du.status {
                    // An `at(t)` device is told its target early but stays
                    // scheduled (cancellable) until its time.
                    Scheduled if du.option == When::At && minute < AT_MINUTES => break,
                    // Configuration is never faulty here; 503s are retried.
                    Scheduled => Configured,
                    Configured => {
                        let due = match du.option {
                            When::ConfigOnly => false,
                            When::Now => true,
                            When::At => minute >= AT_MINUTES,
                        };
                        if !due {
                            break;
                        }
                        du.deployed = true;
                        du.deploying_since = Some(minute);
                        Deploying
                    }
                    Deploying => match du.outcome {
                        Outcome::Succeed => Succeeded,
                        Outcome::Fail => Error,
                        Outcome::Hang if minute - du.deploying_since.unwrap() >= STALL_MINUTES => {
                            Error
                        }
                        Outcome::Hang => break,
                    },
                    _ => break,
                };
                du.status = next;
            }
        }
    }

    fn cancel(&mut self, i: usize) -> bool {
        let du = &mut self.dus[i];
        let can = du.status.can_cancel();
        if can {
            du.status = Cancelled;
        }
        can
    }

    fn cancel_all(&mut self) -> bool {
        let cancellable: Vec<usize> = (0..self.dus.len())
            .filter(|&i| self.dus[i].status.can_cancel())
            .collect();
        for &i in &cancellable {
            self.cancel(i);
        }
        !cancellable.is_empty()
    }
}

/// One engine on a store handle and in a runtime of its own. A crash stops
/// that handle from writing, then drops the runtime: as when the process
/// dies, nothing its tasks do afterwards reaches the file.
struct Running {
    rt: Option<tokio::runtime::Runtime>,
    engine: Engine,
    store: Store,
}

impl Drop for Running {
    /// A case that fails midway drops its engine inside the test's runtime,
    /// where a runtime may not block to shut down.
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn config() -> EngineConfig {
    EngineConfig {
        // 503s are injected at random; enough tries that none gives up.
        retry: RetryPolicy {
            max_tries: 12,
            base: Duration::from_millis(2),
            max: Duration::from_millis(10),
        },
        stall_limit: Duration::from_secs(60 * STALL_MINUTES as u64),
        deploy_timeout: Duration::from_secs(60 * 60),
        ..engine_support::config()
    }
}

async fn start(
    l: &Landscape,
    clock: &ManualClock,
    seen: &Arc<Mutex<Vec<Option<EngineEvent>>>>,
) -> Running {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let store = Store::open(l.store.path(), l.store.secret_store()).unwrap();
    let (clock, seen) = (clock.clone(), seen.clone());
    let engine_store = store.clone();
    let engine = rt
        .spawn(async move {
            let engine = Engine::new(
                engine_store,
                Arc::new(clock),
                Arc::new(Recorder::default()),
                config(),
            )
            .unwrap();
            let mut events = engine.subscribe();
            engine.start().await.unwrap();
            tokio::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(e) => seen.lock().unwrap().push(Some(e)),
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                        // Lagged: the check below fails on the gap.
                        Err(_) => seen.lock().unwrap().push(None),
                    }
                }
            });
            engine
        })
        .await
        .unwrap();
    Running {
        rt: Some(rt),
        engine,
        store,
    }
}

impl Running {
    /// Runs `f` on the engine's own runtime, where its tasks live.
    async fn call<F>(&self, f: impl FnOnce(Engine) -> F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let rt = self.rt.as_ref().expect("running");
        rt.spawn(f(self.engine.clone())).await.unwrap()
    }

    async fn crash(mut self) {
        self.store.stop_writing().unwrap();
        let rt = self.rt.take().expect("running");
        tokio::task::spawn_blocking(move || rt.shutdown_timeout(Duration::from_secs(5)))
            .await
            .unwrap();
    }
}

/// Status of each device update, in device order, with the progress of
/// those deploying: a hung deployment counts as reached once the engine has
/// recorded its progress, the moment its stall limit counts from.
fn statuses(l: &Landscape, update: UpdateId) -> Vec<(DeviceUpdateStatus, Option<u8>)> {
    let mut dus = l.store.device_updates_of(update).unwrap();
    dus.sort_by_key(|du| du.device);
    dus.into_iter()
        .map(|du| (du.status, (du.status == Deploying).then_some(du.progress)))
        .collect()
}

/// Every status change reported for each device update follows the table.
/// After a crash the store is the truth (an event may be lost with the
/// engine), so each engine's reports are checked from the store's status
/// at its start.
fn check_transitions(
    events: &[Option<EngineEvent>],
    from: &mut BTreeMap<DeviceUpdateId, DeviceUpdateStatus>,
) -> Result<(), String> {
    for e in events {
        let Some(e) = e else {
            return Err("the engine's events lagged; some were lost".into());
        };
        if let EngineEvent::DeviceUpdate {
            device_update,
            status,
            ..
        } = e
        {
            let last = from.entry(device_update.clone()).or_insert(Scheduled);
            if *last != *status && !last.can_transition_to(*status) {
                return Err(format!(
                    "{device_update}: reported {last} -> {status}, which the table forbids"
                ));
            }
            *last = *status;
        }
    }
    Ok(())
}

/// The engine accepts a request exactly when the model allows it.
fn agree<T: std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    allowed: bool,
    got: &Result<T, E>,
) -> Result<(), String> {
    match (allowed, got) {
        (true, Ok(_)) | (false, Err(_)) => Ok(()),
        (true, Err(e)) => Err(format!(
            "{what}: the model allows it, the engine refused: {e}"
        )),
        (false, Ok(v)) => Err(format!(
            "{what}: the model refuses it, the engine did it: {v:?}"
        )),
    }
}

async fn run_scenario(s: Scenario) -> Result<(), String> {
    let mut fleet = FleetConfig::new(0);
    fleet.faults = Faults {
        seed: s.seed,
        install_ms: (0, 20),
        fail_rate: 0.3,
        hang_rate: 0.3,
        error_rate: 0.1,
    };
    let faults = fleet.faults;
    let l = landscape(s.options.len(), fleet).await;
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .to_utc();
    let clock = ManualClock::new(t0);
    let options: Vec<DeployOption> = s
        .options
        .iter()
        .map(|o| match o {
            When::ConfigOnly => DeployOption::ConfigOnly,
            When::Now => DeployOption::Now,
            When::At => DeployOption::At(t0 + chrono::Duration::minutes(AT_MINUTES)),
        })
        .collect();
    let update = l.create_update(&options, t0);
    let mut dus = l.store.device_updates_of(update).unwrap();
    dus.sort_by_key(|du| du.device);
    let mut model = Model {
        minute: 0,
        approved: false,
        dus: dus
            .iter()
            .zip(&s.options)
            .map(|(du, &option)| {
                let fleet_index: usize = l.fleet_id(du.device)[4..].parse().unwrap();
                ModelDeviceUpdate {
                    option,
                    outcome: faults.fate(fleet_index, du.id.as_str()).outcome,
                    status: Scheduled,
                    deploying_since: None,
                    deployed: false,
                }
            })
            .collect(),
    };

    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut reported: BTreeMap<DeviceUpdateId, DeviceUpdateStatus> = BTreeMap::new();
    let mut running = start(&l, &clock, &seen).await;
    for (n, step) in s.steps.iter().enumerate() {
        let what = format!("step {n} ({step:?})");
        match step.action {
            Action::Approve => {
                running
                    .call(move |e| async move { e.approve(&admin(), update).await })
                    .await
                    .map_err(|e| format!("{what}: approve refused: {e}"))?;
                model.approved = true;
            }
            Action::CancelUpdate => {
                let got = running
                    .call(move |e| async move { e.cancel_update(&admin(), update).await })
                    .await;
                agree(&what, model.cancel_all(), &got)?;
            }
            Action::CancelDevice(i) => {
                let id = dus[i].id.clone();
                let got = running
                    .call(move |e| async move { e.cancel_device_update(&admin(), &id).await })
                    .await;
                agree(&what, model.cancel(i), &got)?;
            }
            Action::Step(minutes) => {
                clock.advance(chrono::Duration::minutes(minutes));
                model.minute += minutes;
            }
        }
        model.run();
        if let Some(ms) = step.crash_after_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            running.crash().await;
            check_transitions(&std::mem::take(&mut *seen.lock().unwrap()), &mut reported)
                .map_err(|e| format!("{what}: {e}"))?;
            for du in l.store.device_updates_of(update).unwrap() {
                reported.insert(du.id, du.status);
            }
            running = start(&l, &clock, &seen).await;
        }
        let expected: Vec<_> = model
            .dus
            .iter()
            .map(|du| (du.status, (du.status == Deploying).then_some(HANG_PROGRESS)))
            .collect();
        let mut got = statuses(&l, update);
        for _ in 0..500 {
            if got == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            got = statuses(&l, update);
        }
        if got != expected {
            return Err(format!(
                "{what}: store has {got:?}, the model {expected:?} (model {model:?})"
            ));
        }
        check_transitions(&std::mem::take(&mut *seen.lock().unwrap()), &mut reported)
            .map_err(|e| format!("{what}: {e}"))?;
    }

    if model.dus.iter().any(|du| du.status != Scheduled) && reported.is_empty() {
        return Err("the engine reported no status change at all".into());
    }
    for (du, m) in dus.iter().zip(&model.dus) {
        let client = l.client(l.fleet_id(du.device));
        // The installs route answers injected 503s too: retried, bounded.
        let mut tries = 0;
        let installs = loop {
            tries += 1;
            match client.installs().await {
                Ok(i) => break i.installs.get(du.id.as_str()).copied().unwrap_or(0),
                Err(e) if e.is_transient() && tries < 20 => continue,
                Err(e) => return Err(format!("{}: installs: {e}", du.id)),
            }
        };
        if installs != u32::from(m.deployed) {
            return Err(format!(
                "{}: installed {installs}x, the model deployed it {}",
                du.id,
                if m.deployed { "once" } else { "never" }
            ));
        }
    }
    running.crash().await;
    Ok(())
}

#[test]
fn the_engine_follows_the_model_of_the_state_machine() {
    let cases = std::env::var("ROLLWRIGHT_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config {
        cases,
        // Each case is seconds of real agents and engines: shrink briefly.
        max_shrink_iters: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = runner.run(&scenario(), |s| {
        rt.block_on(run_scenario(s.clone())).map_err(|e| {
            eprintln!("failed: {e}\n  in {s:?}");
            TestCaseError::fail(e)
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
