//! How the app's process uses memory: set at the start of `main`, before
//! any other thread runs, and given back after large pieces of work.

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

/// Gives memory freed by a large piece of work back to the system.
pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
