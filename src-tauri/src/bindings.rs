//! The UI's TypeScript types, generated from the Rust types that cross IPC so
//! they are written once. Test-only: the app itself never needs them. `ui/src/lib/bindings.ts` is [`render`]'s output: a
//! test fails when the file is stale, and
//! `ROLLWRIGHT_WRITE_BINDINGS=1 cargo test -p rollwright-desktop bindings`
//! writes it anew.

use rollwright::domain::{
    AuditOutcome, DeviceUpdateStatus, ErrorCode, LogLevel, LogSource, Reachability, Role,
    UpdateStatus,
};
use ts_rs::{Config, TS};

use crate::dto::calendar::{
    CalendarItemView, CalendarUpdateView, CalendarView, DowntimeInput, IcsEventView, IcsExportView,
    IcsImportReportView, ItemKind, OccurrenceView, ScopeInput, ScopeView, UpdatePhaseView,
};
use crate::dto::landscape::{
    AgentCheck, CatalogProduct, CatalogVersion, DeviceDetail, DeviceImportReport, DevicePageDto,
    DeviceQueryDto, DeviceRow, DeviceUpdateRef, ImportRowDto, ImportedVersion, ModuleDiffRow,
    ModuleDto, NewDeviceDto, ProductModules, ProductState, SyncFailureDto, SyncProgressDto,
    SyncReportDto, VersionCountDto, VersionSpreadDto,
};
use crate::dto::plan_devices::{PlanDeviceColumns, PlanTarget};
use crate::dto::status::{
    DeviceTargetView, DeviceUpdateRow, LogRow, UpdatePage, UpdateQuery, UpdateRow, UpdateTargetView,
};
use crate::dto::wizard::{
    ChangeSetsView, ConflictView, DeployChoice, DeviceSlotView, LearnedDurationView, ModuleOpView,
    PlanCheck, PlanDeviceInput, PlanInput, ProductChangesView, ProductChoicesView, RunningCount,
    SlotSuggestion, SlotView, TargetInput, VersionChoiceView,
};
use crate::dto::{
    Activity, AppInfo, AuditQuery, AuditRow, ChainStatus, EngineStatus, Me, TargetView, UserRow,
};
use crate::error::IpcError;

/// The file, relative to the workspace root.
const BINDINGS: &str = "ui/src/lib/bindings.ts";

/// The declarations of every type the commands and events carry.
fn render() -> String {
    // Ids are SQLite row ids, far below 2^53: plain numbers in JavaScript.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ErrorCode::decl(&cfg),
        IpcError::decl(&cfg),
        UpdateStatus::decl(&cfg),
        DeviceUpdateStatus::decl(&cfg),
        AppInfo::decl(&cfg),
        TargetView::decl(&cfg),
        UpdateQuery::decl(&cfg),
        UpdateTargetView::decl(&cfg),
        UpdateRow::decl(&cfg),
        UpdatePage::decl(&cfg),
        DeviceTargetView::decl(&cfg),
        DeviceUpdateRow::decl(&cfg),
        LogLevel::decl(&cfg),
        LogSource::decl(&cfg),
        LogRow::decl(&cfg),
        Activity::decl(&cfg),
        EngineStatus::decl(&cfg),
        Role::decl(&cfg),
        AuditOutcome::decl(&cfg),
        Me::decl(&cfg),
        UserRow::decl(&cfg),
        AuditQuery::decl(&cfg),
        AuditRow::decl(&cfg),
        ChainStatus::decl(&cfg),
        Reachability::decl(&cfg),
        DeviceQueryDto::decl(&cfg),
        ProductState::decl(&cfg),
        DeviceUpdateRef::decl(&cfg),
        DeviceRow::decl(&cfg),
        DevicePageDto::decl(&cfg),
        ModuleDto::decl(&cfg),
        ProductModules::decl(&cfg),
        DeviceDetail::decl(&cfg),
        VersionCountDto::decl(&cfg),
        VersionSpreadDto::decl(&cfg),
        SyncFailureDto::decl(&cfg),
        SyncReportDto::decl(&cfg),
        SyncProgressDto::decl(&cfg),
        NewDeviceDto::decl(&cfg),
        AgentCheck::decl(&cfg),
        CatalogVersion::decl(&cfg),
        CatalogProduct::decl(&cfg),
        ModuleDiffRow::decl(&cfg),
        ImportedVersion::decl(&cfg),
        ImportRowDto::decl(&cfg),
        DeviceImportReport::decl(&cfg),
        ItemKind::decl(&cfg),
        UpdatePhaseView::decl(&cfg),
        ScopeView::decl(&cfg),
        OccurrenceView::decl(&cfg),
        CalendarItemView::decl(&cfg),
        CalendarUpdateView::decl(&cfg),
        CalendarView::decl(&cfg),
        ScopeInput::decl(&cfg),
        DowntimeInput::decl(&cfg),
        IcsEventView::decl(&cfg),
        IcsImportReportView::decl(&cfg),
        IcsExportView::decl(&cfg),
        VersionChoiceView::decl(&cfg),
        RunningCount::decl(&cfg),
        ProductChoicesView::decl(&cfg),
        TargetInput::decl(&cfg),
        PlanTarget::decl(&cfg),
        PlanDeviceColumns::decl(&cfg),
        DeployChoice::decl(&cfg),
        PlanDeviceInput::decl(&cfg),
        PlanInput::decl(&cfg),
        ConflictView::decl(&cfg),
        LearnedDurationView::decl(&cfg),
        SlotView::decl(&cfg),
        SlotSuggestion::decl(&cfg),
        DeviceSlotView::decl(&cfg),
        ModuleOpView::decl(&cfg),
        ProductChangesView::decl(&cfg),
        ChangeSetsView::decl(&cfg),
        PlanCheck::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.\n",
    );
    for decl in decls {
        out.push_str("\nexport ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(BINDINGS);
        let fresh = render();
        if std::env::var_os("ROLLWRIGHT_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{BINDINGS} is stale: run `ROLLWRIGHT_WRITE_BINDINGS=1 cargo test -p rollwright-desktop bindings` and commit it"
        );
    }
}
