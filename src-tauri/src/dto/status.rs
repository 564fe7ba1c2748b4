//! The status screen's shapes: a page of updates, one update's device
//! updates, and a device update's log.

use std::collections::BTreeMap;

use rollwright::domain::{DeviceUpdateStatus, LogEntry, LogLevel, LogSource, UpdateStatus};
use rollwright::store::{DeviceUpdateListing, UpdateFilter, UpdateListing, UpdatesPage};
use serde::{Deserialize, Serialize};

/// Which updates to show; empty fields match everything.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct UpdateQuery {
    pub status: Option<UpdateStatus>,
    pub product: Option<String>,
    pub text: Option<String>,
    pub offset: u32,
}

impl UpdateQuery {
    pub fn filter(&self) -> UpdateFilter {
        UpdateFilter {
            status: self.status,
            product: self.product.clone(),
            text: self.text.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct UpdatePage {
    pub rows: Vec<UpdateRow>,
    /// How many updates match the query in all.
    pub total: u64,
    pub offset: u32,
    pub page_len: u32,
    /// When the page was read (RFC 3339).
    pub read_at: String,
}

impl UpdatePage {
    pub fn new(page: UpdatesPage, offset: u32, page_len: u32, read_at: String) -> UpdatePage {
        UpdatePage {
            rows: page.updates.into_iter().map(UpdateRow::from).collect(),
            total: page.total,
            offset,
            page_len,
            read_at,
        }
    }
}

/// A product of an update: the version it goes to and those it comes from.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct UpdateTargetView {
    pub product: String,
    pub version: String,
    /// What its devices ran before, lowest first.
    pub from: Vec<String>,
}

/// One row of the update status list.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct UpdateRow {
    pub id: i64,
    pub title: String,
    pub targets: Vec<UpdateTargetView>,
    pub created_by: String,
    pub status: UpdateStatus,
    pub progress: u8,
    pub devices: usize,
    pub counts: BTreeMap<DeviceUpdateStatus, usize>,
    pub approved: bool,
    pub window_from: String,
    /// The planned (estimated) end.
    pub window_to: String,
    pub actual_start: Option<String>,
    /// Replaces `window_to` once the update finished.
    pub actual_end: Option<String>,
}

impl From<UpdateListing> for UpdateRow {
    fn from(l: UpdateListing) -> UpdateRow {
        let (u, s) = (l.update, l.summary);
        let mut from = l.from;
        UpdateRow {
            id: u.id.0,
            targets: u
                .targets
                .iter()
                .map(|t| UpdateTargetView {
                    product: t.product.to_string(),
                    version: t.version.to_string(),
                    from: from
                        .remove(&t.product)
                        .unwrap_or_default()
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                })
                .collect(),
            title: u.title,
            created_by: u.created_by,
            status: s.status,
            progress: s.progress,
            devices: s.total,
            counts: s.counts,
            approved: u.approved_at.is_some(),
            window_from: u.window_from.to_rfc3339(),
            window_to: u.window_to.to_rfc3339(),
            actual_start: l.actual_start.map(|t| t.to_rfc3339()),
            actual_end: u.actual_end.map(|t| t.to_rfc3339()),
        }
    }
}

/// A device update's product: where it goes and what the device had.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceTargetView {
    pub product: String,
    pub version: String,
    pub previous_configured: Option<String>,
    pub previous_deployed: Option<String>,
}

/// One row of the deployment overview.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceUpdateRow {
    pub id: String,
    pub device: String,
    pub site: Option<String>,
    /// `config_only`, `now` or `at`.
    pub option: String,
    /// The deploy time of `at`.
    pub at: Option<String>,
    pub status: DeviceUpdateStatus,
    pub progress: u8,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
    pub tries: u32,
    pub targets: Vec<DeviceTargetView>,
    pub log_entries: u32,
}

impl From<DeviceUpdateListing> for DeviceUpdateRow {
    fn from(l: DeviceUpdateListing) -> DeviceUpdateRow {
        let du = l.device_update;
        DeviceUpdateRow {
            id: du.id.to_string(),
            device: l.device,
            site: l.site,
            option: du.option.kind().to_owned(),
            at: du.option.at().map(|t| t.to_rfc3339()),
            status: du.status,
            progress: du.progress,
            actual_start: du.actual_start.map(|t| t.to_rfc3339()),
            actual_end: du.actual_end.map(|t| t.to_rfc3339()),
            tries: du.attempts,
            targets: du
                .targets
                .iter()
                .map(|t| DeviceTargetView {
                    product: t.product.to_string(),
                    version: t.version.to_string(),
                    previous_configured: t.previous.configured.as_ref().map(ToString::to_string),
                    previous_deployed: t.previous.deployed.as_ref().map(ToString::to_string),
                })
                .collect(),
            log_entries: l.log_entries,
        }
    }
}

/// One entry of a device update's log.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct LogRow {
    pub at: String,
    pub level: LogLevel,
    pub source: LogSource,
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
}

impl From<LogEntry> for LogRow {
    fn from(e: LogEntry) -> LogRow {
        LogRow {
            at: e.at.to_rfc3339(),
            level: e.level,
            source: e.source,
            code: e.code,
            message: e.message,
            detail: e.detail,
        }
    }
}
