//! What the benchmark measures about its own process: CPU time from
//! `getrusage` and resident memory from `/proc/self/status`. Never used on a
//! hot path.

use std::time::Duration;

/// User plus system CPU time of this process, all threads, so far.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
pub fn peak_rss_mib() -> f64 {
    status_kib("VmHWM:") / 1024.0
}

/// Resident memory of this process now (VmRSS), in MiB.
pub fn rss_mib() -> f64 {
    status_kib("VmRSS:") / 1024.0
}

fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(f64::NAN)
}

/// The `q` quantile (0..=1) of sorted durations, in milliseconds.
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// CPU seconds per thread name of this process (threads alive now), from
/// `/proc/self/task`: says whether the journal, the runtime's workers or the
/// blocking pool does the work.
pub fn cpu_by_thread() -> std::collections::BTreeMap<String, f64> {
    let mut by_name = std::collections::BTreeMap::new();
    let ticks = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return by_name;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let cpu = [11, 12]
            .iter()
            .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
            .sum::<f64>()
            / ticks;
        *by_name.entry(name.trim().to_string()).or_insert(0.0) += cpu;
    }
    by_name
}

/// p50, p95 and max of `samples`, in milliseconds.
pub fn summary_ms(samples: &[Duration]) -> serde_json::Value {
    let mut sorted = samples.to_vec();
    sorted.sort();
    serde_json::json!({
        "p50": quantile_ms(&sorted, 0.5),
        "p95": quantile_ms(&sorted, 0.95),
        "max": sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    })
}
