//! Tauri's build step, with a permission generated for each of the app's
//! own commands (`allow-<command>`), so the UI may call only what a
//! capability file grants. The commands are listed once, in
//! `commands.list`; a test (`src/lockdown.rs`) holds that list, the
//! handler, the capability and the UI's calls to each other.

fn main() {
    println!("cargo:rerun-if-changed=commands.list");
    let list = std::fs::read_to_string("commands.list").expect("commands.list is readable");
    // `AppManifest::commands` wants `&'static`: the build script is short-lived.
    let commands: &'static [&'static str] = Box::leak(
        list.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| &*Box::leak(l.to_owned().into_boxed_str()))
            .collect::<Vec<&'static str>>()
            .into_boxed_slice(),
    );
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build script failed");
}
