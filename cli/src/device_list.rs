//! `device list` (filtered, sorted, paged in the store) and `device sync`
//! (the inventory read from the agents, through the engine).

use clap::Args;
use rollwright::domain::{Device, RawDeviceQuery, SyncReport};
use rollwright::engine::EngineConfig;
use rollwright::store::{DevicePage, DeviceSelection, Store, StoreError};

use crate::{show, CliError, Out};

#[derive(Args)]
pub(crate) struct ListArgs {
    /// Part of the name or agent URL, any case.
    #[arg(long)]
    text: Option<String>,
    /// Only devices with this label, key=value; repeatable (all must match).
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Only devices that have this product.
    #[arg(long)]
    product: Option<String>,
    /// With --product: configured or deployed at this version.
    #[arg(long)]
    version: Option<String>,
    /// unknown, reachable, unreachable or identity_mismatch.
    #[arg(long)]
    reach: Option<String>,
    /// Only devices running another version than they are configured with.
    #[arg(long)]
    drifted: bool,
    /// name, last_seen or latency.
    #[arg(long)]
    sort: Option<String>,
    #[arg(long)]
    descending: bool,
    /// Devices to skip, for the next page.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Devices per page, 1 to 1000.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

#[derive(Args)]
pub(crate) struct SyncArgs {
    /// Devices to read, by name.
    names: Vec<String>,
    /// Every device.
    #[arg(long, conflicts_with = "names")]
    all: bool,
}

pub(crate) fn list(store: &Store, out: &Out, a: &ListArgs) -> Result<(), CliError> {
    let query = RawDeviceQuery {
        text: a.text.clone(),
        labels: a.labels.clone(),
        product: a.product.clone(),
        version: a.version.clone(),
        reach: a.reach.clone(),
        drifted: a.drifted,
        sort: a.sort.clone(),
        descending: a.descending,
        offset: a.offset,
        limit: Some(a.limit),
    }
    .validate()
    .map_err(StoreError::from)?;
    let page = store.device_page(&query)?;
    out.print(&page, || page_text(&page));
    Ok(())
}

fn page_text(page: &DevicePage) -> String {
    let mut lines: Vec<String> = page.devices.iter().map(device_line).collect();
    let shown = page.devices.len();
    lines.push(if shown == 0 {
        format!("no devices here ({} match)", page.total)
    } else {
        let (first, last) = (page.offset + 1, page.offset + shown);
        let more = if last < page.total {
            format!("; next page: --offset {last}")
        } else {
            String::new()
        };
        format!("devices {first}–{last} of {}{more}", page.total)
    });
    lines.join("\n")
}

/// `name  reach  labels  product=configured/deployed…`, a `*` marking drift.
fn device_line(d: &Device) -> String {
    let labels: Vec<_> = d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let products: Vec<_> = d
        .products
        .iter()
        .map(|(p, v)| {
            let drift = if v.drifted() { "*" } else { "" };
            format!("{p}={}/{}{drift}", show(&v.configured), show(&v.deployed))
        })
        .collect();
    let seen = d.reach.last_seen.map_or("never seen".to_owned(), |t| {
        format!("seen {}", t.format("%Y-%m-%d %H:%M:%SZ"))
    });
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        d.name,
        d.reach.state().as_str(),
        seen,
        d.agent_url,
        labels.join(","),
        products.join(" ")
    )
}

pub(crate) fn sync(store: &Store, out: &Out, a: &SyncArgs) -> Result<(), CliError> {
    let selection = if a.all {
        DeviceSelection::All
    } else if a.names.is_empty() {
        return Err(StoreError::from(rollwright::domain::ValidationError::new(
            "names",
            "name the devices to sync, or pass --all",
        ))
        .into());
    } else {
        let mut ids = Vec::with_capacity(a.names.len());
        for name in &a.names {
            let device = store
                .device_by_name(name)?
                .ok_or_else(|| StoreError::not_found("device", name))?;
            ids.push(device.id);
        }
        DeviceSelection::Ids(ids)
    };
    let report = crate::running::runtime()?.block_on(async {
        let engine = crate::running::engine(store, EngineConfig::default())?;
        let report = engine.sync_inventory(selection).await;
        engine.shutdown().await;
        report
    })?;
    out.print(&report, || report_text(&report));
    Ok(())
}

fn report_text(r: &SyncReport) -> String {
    let mut lines = vec![format!(
        "synced {} devices: {} reached ({} changed), {} unreachable, {} answering as another device",
        r.devices, r.reached, r.changed, r.unreachable, r.mismatched
    )];
    lines.extend(
        r.failures
            .iter()
            .map(|f| format!("  {}: {}", f.device, f.error)),
    );
    let unnamed = r.unreachable + r.mismatched - r.failures.len();
    if unnamed > 0 {
        lines.push(format!(
            "  … and {unnamed} more (`device list --reach unreachable`)"
        ));
    }
    lines.join("\n")
}
