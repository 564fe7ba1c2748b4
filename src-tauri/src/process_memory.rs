//! How the app's processes use memory, set at the start of `main`, before
//! any other thread runs.

/// At most two malloc arenas. glibc gives a thread that allocates while
/// others hold every arena one of its own, up to eight per core, and keeps
/// what each freed: after its start-up sync of 100,000 devices the app's
/// process stayed at 389 MiB PSS, against 236 MiB with two arenas.
pub(crate) fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Without a GPU render node (a virtual machine, Xvfb) WebKitGTK's DMA-BUF
/// renderer draws into shared-memory buffers that doubled the web process
/// (314 → 151 MiB PSS, with nothing slower on screen); it is turned off
/// there, unless the user chose.
pub(crate) fn no_dmabuf_renderer_without_gpu() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(DMABUF_ENV).is_none() && !has_render_node() {
        // Before GTK starts and before any other thread reads the environment.
        std::env::set_var(DMABUF_ENV, "1");
    }
}

#[cfg(target_os = "linux")]
const DMABUF_ENV: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

#[cfg(target_os = "linux")]
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|nodes| {
        nodes
            .flatten()
            .any(|n| n.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Gives memory freed by a large piece of work back to the system.
pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
