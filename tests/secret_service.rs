//! `KeyringStore` against a real Secret Service: GNOME Keyring on a private
//! D-Bus session, headless. The test re-runs itself under `dbus-run-session`
//! with a throwaway HOME (so the user's own keyring is never touched), after
//! `gnome-keyring-daemon --unlock` has created and unlocked a `login` keyring
//! there; the child does the checks. No Secret Service tools on the machine
//! is a failure, not a skip: `cargo xtask test` installs `gnome-keyring`.
//! Linux only: macOS and Windows have no Secret Service.
#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use rollwright::secrets::{
    self, Backend, EncryptedFileStore, KeySource, KeyringStore, Secret, SecretError, SecretStore,
};

/// Set in the child, which runs inside the private D-Bus session.
const CHILD_ENV: &str = "ROLLWRIGHT_TEST_SECRET_SERVICE_CHILD";
/// The whole run, daemon start included, takes well under a second here.
const DEADLINE: Duration = Duration::from_secs(60);
const TEST_NAME: &str = "keyring_store_works_against_a_real_secret_service";
const TOKEN: &str = "tok-secret-service-4e8b2a";

#[test]
fn keyring_store_works_against_a_real_secret_service() -> Result<()> {
    if std::env::var_os(CHILD_ENV).is_some() {
        return checks_inside_the_session();
    }
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        ensure!(
            on_path(tool),
            "{tool} is missing: install the Debian packages dbus and gnome-keyring \
             (cargo xtask test does)"
        );
    }
    let home = tempfile::tempdir()?;
    let exe = std::env::current_exe()?;
    // An empty password does not create the login keyring; any other does.
    let script = "printf %s rollwright-test \
                  | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
                  && exec \"$@\"";
    let mut child = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script, "sh"])
        .arg(&exe)
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove(secrets::BACKEND_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting dbus-run-session")?;

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the Secret Service test did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("child took {:?}", started.elapsed());
    ensure!(
        status.success() && stdout.contains("1 passed"),
        "the run inside the D-Bus session failed ({status}):\n{stdout}\n{stderr}"
    );
    Ok(())
}

/// Inside the private session: the keyring works, round trips hold, and the
/// token shows in no error.
fn checks_inside_the_session() -> Result<()> {
    let store = KeyringStore::new();
    store
        .probe(secrets::PROBE_TIMEOUT)
        .context("the probe round trip")?;
    assert_eq!(store.describe(), "Secret Service");

    let a = store.put(&Secret::new(TOKEN))?;
    let b = store.put(&Secret::new("second-token"))?;
    assert_eq!(a.backend, Backend::Keyring);
    assert_ne!(a, b);
    assert_eq!(store.get(&a)?.expose(), TOKEN);
    assert_eq!(store.get(&b)?.expose(), "second-token");
    store.delete(&a)?;
    store.delete(&a)?; // already gone: fine
    let e = store.get(&a).unwrap_err();
    assert!(matches!(e, SecretError::NotFound(_)), "{e}");
    assert!(!e.to_string().contains(TOKEN));
    assert_eq!(store.get(&b)?.expose(), "second-token");
    store.delete(&b)?;

    // From async code: directly on a runtime thread (blocks it, but must not
    // panic with a nested runtime) and on spawn_blocking as documented.
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let r = store.put(&Secret::new(TOKEN))?;
        let store2 = store.clone();
        let back = tokio::task::spawn_blocking(move || store2.get(&r)).await??;
        assert_eq!(back.expose(), TOKEN);
        store.delete(&r)?;
        anyhow::Ok(())
    })?;

    // The encrypted file with its key in the keyring: no key file written.
    let dir = tempfile::tempdir()?;
    let source = EncryptedFileStore::choose_key_source(dir.path(), Some(&store))?;
    assert!(matches!(source, KeySource::Keyring(_)), "{source:?}");
    let file = EncryptedFileStore::open(dir.path(), source)?;
    let r = file.put(&Secret::new(TOKEN))?;
    let reopened = EncryptedFileStore::open(
        dir.path(),
        EncryptedFileStore::choose_key_source(dir.path(), Some(&store))?,
    )?;
    assert_eq!(reopened.get(&r)?.expose(), TOKEN);
    assert!(!dir.path().join(secrets::KEY_FILE_NAME).exists());

    // open_default chooses the keyring here, and still finds the file's
    // secret by its reference.
    let default = secrets::open_default(dir.path());
    assert_eq!(default.describe(), "Secret Service");
    let k = default.put(&Secret::new("via-default"))?;
    assert_eq!(k.backend, Backend::Keyring);
    assert_eq!(default.get(&k)?.expose(), "via-default");
    assert_eq!(default.get(&r)?.expose(), TOKEN);
    default.delete(&k)?;
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
