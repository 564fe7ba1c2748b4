//! The one table of `cargo xtask bench`, each figure beside its goal, and the
//! same as JSON under `target/bench/` (`bench-<time>.json`, and `latest.json`
//! when every phase ran).

use std::path::Path;

use serde_json::{json, Map, Value};

struct Row {
    figure: String,
    measured: String,
    goal: String,
    /// None when there is no goal or no figure.
    met: Option<bool>,
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    let mut v = v;
    for p in path {
        v = v.get(*p)?;
    }
    v.as_f64().filter(|x| x.is_finite())
}

fn fmt(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(x) if x >= 1000.0 && digits == 0 => thousands(x),
        Some(x) => format!("{x:.digits$}"),
        None => "—".into(),
    }
}

fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn row(figure: &str, measured: String, goal: &str, met: Option<bool>) -> Row {
    Row {
        figure: figure.into(),
        measured,
        goal: goal.into(),
        met,
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn rows(r: &Map<String, Value>) -> Vec<Row> {
    let get = |phase: &str, path: &[&str]| r.get(phase).and_then(|v| num(v, path));
    let ceiling_rps = get("ceiling", &["requests_per_s"]);
    let ceiling = get("ceiling", &["devices_per_s"]);
    let engine = get("engine", &["devices_per_s"]);
    let aiohttp = get("aiohttp", &["devices_per_s"]);
    let bash = get("bash", &["devices_per_s"]);
    let at_least = |x: Option<f64>, goal: f64| x.map(|x| x >= goal);
    let at_most = |x: Option<f64>, goal: f64| x.map(|x| x <= goal);
    let cpu = get("engine", &["cpu_s_per_1000"]);
    let rss = get("engine", &["peak_rss_mib"]);
    let (p50, p99, max) = (
        get("lateness", &["p50_ms"]),
        get("lateness", &["p99_ms"]),
        get("lateness", &["max_ms"]),
    );
    let of_ceiling = ratio(engine, ceiling);
    // The goal is judged on the slower of the two syncs (the first writes
    // every device); the other is shown beside it.
    let get_device = get("get-device", &["requests_per_s"]);
    let first_of_ceiling = ratio(get("sync", &["first", "devices_per_s"]), get_device);
    let again_of_ceiling = ratio(get("sync", &["again", "devices_per_s"]), get_device);
    let sync_of_ceiling = match (first_of_ceiling, again_of_ceiling) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => None,
    };
    let vs_aiohttp = ratio(engine, aiohttp);
    let vs_bash = ratio(engine, bash);
    let mut rows = vec![
        row(
            "ceiling: fleet simulator, wrk 64 connections",
            format!(
                "{} req/s = {} devices/s",
                fmt(ceiling_rps, 0),
                fmt(ceiling, 0)
            ),
            "",
            None,
        ),
        row(
            "agent: GET device, 10,000 devices, wrk 64 connections (median of 3)",
            format!("{} req/s", fmt(get_device, 0)),
            "",
            None,
        ),
        row(
            "engine: 10,000 devices, durable SQLite",
            format!("{} devices/s", fmt(engine, 0)),
            "",
            None,
        ),
        row(
            "inventory sync: 10,000 devices (first run; again; medians of 3)",
            format!(
                "{} devices/s; {} devices/s",
                fmt(get("sync", &["first", "devices_per_s"]), 0),
                fmt(get("sync", &["again", "devices_per_s"]), 0)
            ),
            "",
            None,
        ),
        row(
            "inventory sync ÷ GET-device ceiling (first run; again)",
            format!(
                "{}%; {}%",
                fmt(first_of_ceiling.map(|x| x * 100.0), 1),
                fmt(again_of_ceiling.map(|x| x * 100.0), 1)
            ),
            "≥ 50% (slower)",
            at_least(sync_of_ceiling, 0.5),
        ),
        row(
            "aiohttp script (10,000 devices)",
            format!("{} devices/s", fmt(aiohttp, 0)),
            "",
            None,
        ),
        row(
            "xargs -P 64 curl script (1,000 devices)",
            format!("{} devices/s", fmt(bash, 1)),
            "",
            None,
        ),
        row(
            "engine ÷ ceiling",
            format!("{}%", fmt(of_ceiling.map(|x| x * 100.0), 1)),
            "≥ 50%",
            at_least(of_ceiling, 0.5),
        ),
        row(
            "engine ÷ aiohttp",
            format!("{}×", fmt(vs_aiohttp, 1)),
            "≥ 4×",
            at_least(vs_aiohttp, 4.0),
        ),
        row(
            "engine ÷ xargs curl",
            format!("{}×", fmt(vs_bash, 0)),
            "≥ 100×",
            at_least(vs_bash, 100.0),
        ),
        row(
            "engine CPU per 1,000 device updates",
            format!("{} s", fmt(cpu, 3)),
            "≤ 0.2 s",
            at_most(cpu, 0.2),
        ),
        row(
            "engine peak RSS at 10,000 devices",
            format!("{} MiB", fmt(rss, 1)),
            "≤ 150 MB",
            at_most(rss.map(|m| m * 1.048_576), 150.0),
        ),
        row(
            "status list p50 during a 10,000-device rollout",
            format!("{} ms", fmt(get("status-load", &["p50_ms"]), 2)),
            "",
            None,
        ),
        row(
            "status list p99 during that rollout",
            format!(
                "{} ms (max {})",
                fmt(get("status-load", &["p99_ms"]), 2),
                fmt(get("status-load", &["max_ms"]), 2)
            ),
            "≤ 10 ms",
            at_most(get("status-load", &["p99_ms"]), 10.0),
        ),
        row(
            "lateness p50 (10,000 due in 10 s)",
            format!("{} ms", fmt(p50, 2)),
            "≤ 2 ms",
            at_most(p50, 2.0),
        ),
        row(
            "lateness p99",
            format!("{} ms", fmt(p99, 2)),
            "≤ 20 ms",
            at_most(p99, 20.0),
        ),
        row(
            "lateness max",
            format!("{} ms", fmt(max, 2)),
            "≤ 100 ms",
            at_most(max, 100.0),
        ),
    ];
    if let Some(h) = r.get("history") {
        let build = &h["build"];
        if let Some(steps) = build["steps"].as_array() {
            for s in steps {
                let p50 = num(s, &["recent_100", "p50_ms"]);
                rows.push(row(
                    &format!(
                        "status, newest 100 updates, at {} device updates",
                        fmt(num(s, &["device_updates"]), 0)
                    ),
                    format!(
                        "{} ms (max {})",
                        fmt(p50, 2),
                        fmt(num(s, &["recent_100", "max_ms"]), 2)
                    ),
                    "< 10 ms",
                    at_most(p50, 10.0),
                ));
            }
            if let Some(last) = steps.last() {
                let pages = &last["status_pages"];
                let worst = ["first", "last", "filtered"]
                    .iter()
                    .filter_map(|k| num(pages, &[k, "p50_ms"]))
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
                rows.push(row(
                    &format!(
                        "status screen page of 50 among {} updates: first / last / filtered p50",
                        fmt(num(pages, &["updates"]), 0)
                    ),
                    format!(
                        "{} / {} / {} ms",
                        fmt(num(pages, &["first", "p50_ms"]), 1),
                        fmt(num(pages, &["last", "p50_ms"]), 1),
                        fmt(num(pages, &["filtered", "p50_ms"]), 1)
                    ),
                    "< 100 ms",
                    at_most(worst, 100.0),
                ));
            }
        }
        rows.push(row(
            "database: 100,000 devices, 1,000,000 finished",
            format!(
                "{} MiB",
                fmt(num(build, &["db_bytes"]).map(|b| b / 1_048_576.0), 0)
            ),
            "",
            None,
        ));
        rows.push(row(
            "engine RSS on that database (started, status listed)",
            format!("{} MiB", fmt(num(&h["probe"], &["rss_engine_mib"]), 1)),
            "",
            None,
        ));
        let scrolled = &h["probe"]["landscape"];
        let rss = num(scrolled, &["rss_after_scroll_mib"]);
        rows.push(row(
            "landscape: 100,000 devices scrolled by pages of 200, page p50 / p99",
            format!(
                "{} / {} ms",
                fmt(num(scrolled, &["page_p50_ms"]), 1),
                fmt(num(scrolled, &["page_p99_ms"]), 1)
            ),
            "",
            None,
        ));
        rows.push(row(
            "landscape: RSS after scrolling all (desktop core side)",
            format!("{} MiB", fmt(rss, 1)),
            "< 150 MB",
            at_most(rss, 150.0 * 1e6 / 1_048_576.0),
        ));
    }
    if let Some(c) = r.get("calendar") {
        let total = num(c, &["find_total_ms", "p50"]);
        rows.push(row(
            "calendar: free slot, 10,000 devices × 5,000 items (expand + find), p50 / p95",
            format!(
                "{} / {} ms",
                fmt(total, 1),
                fmt(num(c, &["find_total_ms", "p95"]), 1)
            ),
            "≤ 50 ms",
            at_most(total, 50.0),
        ));
        rows.push(row(
            "calendar: each device's own slot on top, p50",
            format!("{} ms", fmt(num(c, &["per_device_ms", "p50"]), 1)),
            "",
            None,
        ));
        for (name, label) in [
            (
                "month_now",
                "calendar: a month read from 5,000 stored items, p50",
            ),
            (
                "month_in_10_years",
                "calendar: the same, ten years later, p50",
            ),
        ] {
            rows.push(row(
                label,
                format!(
                    "{} ms ({} occurrences)",
                    fmt(num(c, &["store", name, "ms", "p50"]), 1),
                    fmt(num(c, &["store", name, "occurrences"]), 0)
                ),
                "",
                None,
            ));
        }
    }
    if let Some(app) = r.get("app") {
        let render = num(app, &["calendar", "month_render_ms"]);
        rows.push(row(
            &format!(
                "app: calendar month view with {} items, render",
                fmt(num(app, &["calendar", "items"]), 0)
            ),
            format!("{} ms", fmt(render, 1)),
            "≤ 200 ms",
            at_most(render, 200.0),
        ));
        if app.get("landscape").is_some() {
            let devices = fmt(num(app, &["landscape", "devices"]), 0);
            let own = num(app, &["landscape", "pss_app_peak_mib"]);
            rows.push(row(
                &format!("app: landscape scrolled over {devices} devices, PSS of the app's process (peak)"),
                format!("{} MiB", fmt(own, 1)),
                "< 150 MB",
                at_most(own, 150.0 * 1e6 / 1048576.0),
            ));
            rows.push(row(
                "app: the same with WebKit's web and network processes (peak)",
                format!(
                    "{} MiB (WebKit {} MiB)",
                    fmt(num(app, &["landscape", "pss_peak_mib"]), 1),
                    fmt(num(app, &["landscape", "pss_webkit_peak_mib"]), 1)
                ),
                "",
                None,
            ));
            rows.push(row(
                "app: while its start-up sync asks every device (peak), app's process / with WebKit",
                format!(
                    "{} / {} MiB",
                    fmt(num(app, &["landscape", "pss_app_startup_sync_peak_mib"]), 1),
                    fmt(num(app, &["landscape", "pss_startup_sync_peak_mib"]), 1)
                ),
                "",
                None,
            ));
        }
        if app.get("wizard").is_some() {
            let devices = num(app, &["wizard", "devices_render_ms"]);
            rows.push(row(
                &format!(
                    "app: wizard step Devices with {} devices, first render",
                    fmt(num(app, &["wizard", "devices"]), 0)
                ),
                format!("{} ms", fmt(devices, 1)),
                "≤ 200 ms",
                at_most(devices, 200.0),
            ));
        }
    }
    for (phase, v) in r {
        if let Some(e) = v.get("failed").and_then(Value::as_str) {
            rows.push(row(
                &format!("{phase}: FAILED"),
                e.chars().take(60).collect(),
                "",
                None,
            ));
        }
    }
    rows
}

fn machine() -> Value {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string());
    let mem_kib: Option<f64> = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    json!({
        "cpu": model,
        "cores": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "memory_gib": mem_kib.map(|k| (k / 1_048_576.0 * 10.0).round() / 10.0),
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
    })
}

pub fn print_and_write(
    results: Map<String, Value>,
    concurrency: usize,
    complete: bool,
    out: &Path,
) -> anyhow::Result<()> {
    let rows = rows(&results);
    let width = |f: fn(&Row) -> &str| rows.iter().map(|r| f(r).chars().count()).max().unwrap_or(0);
    let (w1, w2, w3) = (
        width(|r| &r.figure),
        width(|r| &r.measured),
        width(|r| &r.goal),
    );
    let machine = machine();
    println!(
        "\nRollwright benchmark — {} cores, {}; engine concurrency {concurrency}\n",
        machine["cores"],
        machine["cpu"].as_str().unwrap_or("unknown CPU")
    );
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    println!(
        "| {} | {} | {} | met |",
        pad("figure", w1),
        pad("measured", w2),
        pad("goal", w3)
    );
    println!(
        "|{}|{}|{}|-----|",
        "-".repeat(w1 + 2),
        "-".repeat(w2 + 2),
        "-".repeat(w3 + 2)
    );
    let mut table = Vec::new();
    for r in &rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "| {} | {} | {} | {} |",
            pad(&r.figure, w1),
            pad(&r.measured, w2),
            pad(&r.goal, w3),
            pad(met, 3)
        );
        table.push(
            json!({"figure": r.figure, "measured": r.measured, "goal": r.goal, "met": r.met}),
        );
    }
    let when = chrono::Utc::now();
    let doc = json!({
        "ran_at": when.to_rfc3339(),
        "machine": machine,
        "engine_concurrency": concurrency,
        "table": table,
        "results": results,
    });
    std::fs::create_dir_all(out)?;
    let text = serde_json::to_string_pretty(&doc)?;
    let stamped = out.join(format!("bench-{}.json", when.format("%Y%m%dT%H%M%SZ")));
    std::fs::write(&stamped, &text)?;
    println!("\nwritten to {}", stamped.display());
    // Only a run of every phase is the latest table.
    if complete {
        let latest = out.join("latest.json");
        std::fs::write(&latest, &text)?;
        println!("and to {}", latest.display());
    }
    Ok(())
}
