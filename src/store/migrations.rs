//! Schema migrations keyed on SQLite's `user_version`. Append-only: a released
//! migration is never edited or removed, because databases in the field were
//! written by it.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: bookkeeping only; the domain tables arrive with later versions.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;",
    // 2: the catalog, the fleet, the calendar and updates. Times are integer
    // milliseconds since the epoch (UTC); versions are semver text.
    r#"
    -- One row per imported product version; `body` is the validated manifest
    -- as JSON, so the engine reads back exactly what was checked.
    CREATE TABLE manifests (
        product     TEXT NOT NULL,
        version     TEXT NOT NULL,
        body        TEXT NOT NULL,
        imported_at INTEGER NOT NULL,
        PRIMARY KEY (product, version)
    ) STRICT;

    CREATE TABLE devices (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        agent_url   TEXT NOT NULL,
        agent_token TEXT NOT NULL,
        labels      TEXT NOT NULL DEFAULT '{}'
    ) STRICT;

    -- What each device is configured at and runs, per product.
    CREATE TABLE device_products (
        device_id          INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        product            TEXT NOT NULL,
        configured_version TEXT,
        deployed_version   TEXT,
        PRIMARY KEY (device_id, product)
    ) STRICT;

    CREATE TABLE downtimes (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('planned', 'unplanned')),
        title       TEXT NOT NULL,
        from_ms     INTEGER NOT NULL,
        to_ms       INTEGER NOT NULL CHECK (to_ms > from_ms),
        scope       TEXT NOT NULL CHECK (scope IN ('all', 'label', 'devices')),
        label_key   TEXT,
        label_value TEXT
    ) STRICT;
    CREATE INDEX downtimes_by_from ON downtimes(from_ms);

    CREATE TABLE downtime_devices (
        downtime_id INTEGER NOT NULL REFERENCES downtimes(id) ON DELETE CASCADE,
        device_id   INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        PRIMARY KEY (downtime_id, device_id)
    ) STRICT;
    CREATE INDEX downtime_devices_by_device ON downtime_devices(device_id);

    CREATE TABLE updates (
        id          INTEGER PRIMARY KEY,
        product     TEXT NOT NULL,
        version     TEXT NOT NULL,
        title       TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        window_from INTEGER NOT NULL,
        window_to   INTEGER NOT NULL,
        FOREIGN KEY (product, version) REFERENCES manifests(product, version)
    ) STRICT;
    -- The status screen lists the newest updates first.
    CREATE INDEX updates_by_created ON updates(created_at DESC, id DESC);

    -- No ON DELETE on device_id: a device with update history cannot be
    -- removed, or the history would lose its subject.
    CREATE TABLE device_updates (
        id                  TEXT PRIMARY KEY,
        update_id           INTEGER NOT NULL REFERENCES updates(id) ON DELETE CASCADE,
        device_id           INTEGER NOT NULL REFERENCES devices(id),
        option              TEXT NOT NULL CHECK (option IN ('config_only', 'now', 'at')),
        at_ms               INTEGER,
        window_from         INTEGER NOT NULL,
        window_to           INTEGER NOT NULL,
        status              TEXT NOT NULL CHECK (status IN ('scheduled', 'configuring',
                                'configured', 'deploying', 'succeeded', 'error',
                                'cancelling', 'cancelled')),
        progress            INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        actual_start        INTEGER,
        actual_end          INTEGER,
        previous_configured TEXT,
        previous_deployed   TEXT,
        attempts            INTEGER NOT NULL DEFAULT 0,
        updated_at          INTEGER NOT NULL,
        UNIQUE (update_id, device_id)
    ) STRICT;
    -- The engine resumes by status; conflicts are found by device.
    CREATE INDEX device_updates_by_status ON device_updates(status);
    CREATE INDEX device_updates_by_device ON device_updates(device_id);

    CREATE TABLE device_update_log (
        id               INTEGER PRIMARY KEY,
        device_update_id TEXT NOT NULL REFERENCES device_updates(id) ON DELETE CASCADE,
        at               INTEGER NOT NULL,
        level            TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        code             TEXT NOT NULL,
        message          TEXT NOT NULL,
        detail           TEXT,
        source           TEXT NOT NULL CHECK (source IN ('agent', 'rollwright'))
    ) STRICT;
    CREATE INDEX device_update_log_by_du ON device_update_log(device_update_id, id);
    "#,
    // 3: approval and the actual end of an update, for the engine.
    r#"
    ALTER TABLE updates ADD COLUMN approved_at INTEGER;
    ALTER TABLE updates ADD COLUMN approved_by TEXT;
    ALTER TABLE updates ADD COLUMN actual_end INTEGER;
    -- Resume looks for unsettled work of approved updates only.
    CREATE INDEX updates_by_approved ON updates(approved_at) WHERE approved_at IS NOT NULL;
    "#,
    // 4: the status list counts device updates per update without reading them.
    r#"
    CREATE INDEX device_updates_summary ON device_updates(update_id, status, option, progress);
    "#,
    // 5: every transition rewrote this index, and nothing hot reads by status
    // alone (resume reads unsettled work of approved updates, a small set).
    r#"
    DROP INDEX device_updates_by_status;
    "#,
    // 6: resumes counted apart from attempts; the last progress change, from
    // which the stall limit counts.
    r#"
    ALTER TABLE device_updates ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE device_updates ADD COLUMN progress_at INTEGER;
    "#,
    // 7: the status list reads per-update counts that triggers keep, instead
    // of counting device updates: its cost no longer grows with the size of
    // an update, so it stays fast while a rollout writes. The covering index
    // of migration 4 goes; every transition rewrote it, and the unique
    // (update_id, device_id) index serves reads by update.
    r#"
    CREATE TABLE update_status_counts (
        update_id    INTEGER NOT NULL REFERENCES updates(id) ON DELETE CASCADE,
        status       TEXT NOT NULL,
        config_only  INTEGER NOT NULL,
        count        INTEGER NOT NULL,
        progress_sum INTEGER NOT NULL,
        PRIMARY KEY (update_id, status, config_only)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO update_status_counts
        SELECT update_id, status, option = 'config_only', COUNT(*), SUM(MIN(progress, 100))
        FROM device_updates GROUP BY update_id, status, option = 'config_only';

    CREATE TRIGGER device_updates_count_insert AFTER INSERT ON device_updates BEGIN
        INSERT INTO update_status_counts
            VALUES (NEW.update_id, NEW.status, NEW.option = 'config_only', 1, MIN(NEW.progress, 100))
            ON CONFLICT DO UPDATE SET count = count + 1,
                progress_sum = progress_sum + excluded.progress_sum;
    END;

    CREATE TRIGGER device_updates_count_update AFTER UPDATE OF status, progress ON device_updates
    BEGIN
        UPDATE update_status_counts
            SET count = count - 1, progress_sum = progress_sum - MIN(OLD.progress, 100)
            WHERE update_id = OLD.update_id AND status = OLD.status
              AND config_only = (OLD.option = 'config_only');
        INSERT INTO update_status_counts
            VALUES (NEW.update_id, NEW.status, NEW.option = 'config_only', 1, MIN(NEW.progress, 100))
            ON CONFLICT DO UPDATE SET count = count + 1,
                progress_sum = progress_sum + excluded.progress_sum;
    END;

    CREATE TRIGGER device_updates_count_delete AFTER DELETE ON device_updates BEGIN
        UPDATE update_status_counts
            SET count = count - 1, progress_sum = progress_sum - MIN(OLD.progress, 100)
            WHERE update_id = OLD.update_id AND status = OLD.status
              AND config_only = (OLD.option = 'config_only');
    END;

    DROP INDEX device_updates_summary;
    "#,
    // 8: roles and the hash-chained audit log. A user without a row is a
    // viewer. The triggers stop the app itself from rewriting history; the
    // chain (see `domain::audit`) is what detects an edit made around them.
    r#"
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        granted_by TEXT NOT NULL,
        granted_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        objects TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    ) STRICT;

    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
    "#, // 9: the pinned certificate of an https agent (`AB:CD:…`); NULL for
    // loopback agents, which speak plain HTTP.
    r#"
    ALTER TABLE devices ADD COLUMN tls_fingerprint TEXT;
    "#, // 10: agent tokens move to the secret store; the row keeps a reference
    // (`keyring:<uuid>`, `file:<uuid>`) and `agent_token` is blanked.
    // Moving needs the secret store, so `Store::open` does it right after
    // the migrations, for every row not moved yet.
    r#"
    ALTER TABLE devices ADD COLUMN token_ref TEXT;
    "#, // 11: the inventory read from each agent. `agent_id` is the identity
    // adopted at first contact; `reported_id` is set while the agent at the
    // address reports another one (the device is flagged, its versions kept).
    // `labels` stay the admin's; `agent_labels` are the agent's, and the
    // admin's win where both set a key. Modules are JSON `[{name, version}]`.
    // A retired device was removed after it took part in updates: its row
    // stays for its history and leaves every list.
    r#"
    ALTER TABLE devices ADD COLUMN agent_id TEXT;
    ALTER TABLE devices ADD COLUMN reported_id TEXT;
    ALTER TABLE devices ADD COLUMN agent_labels TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE devices ADD COLUMN last_sync_ms INTEGER;
    ALTER TABLE devices ADD COLUMN last_seen_ms INTEGER;
    ALTER TABLE devices ADD COLUMN latency_ms INTEGER;
    ALTER TABLE devices ADD COLUMN last_error TEXT;
    ALTER TABLE devices ADD COLUMN retired_at_ms INTEGER;
    ALTER TABLE device_products ADD COLUMN modules TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX device_products_by_version
        ON device_products(product, configured_version, deployed_version);
    "#,
    // 12: the planning calendar's items gain the kinds `window` and
    // `freeze`, a time zone and a recurrence (RRULE text, EXDATEs as a JSON
    // array of ms). `until_ms` is when the last occurrence ends (NULL: never),
    // so a range query reads only the series that can reach it; occurrences
    // are expanded per viewed range, never stored. SQLite cannot change a
    // CHECK, so both tables are rebuilt; the children go first so that no
    // cascade runs, and renaming the parent renames the child's reference.
    r#"
    CREATE TABLE downtimes_v12 (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL
            CHECK (kind IN ('planned', 'unplanned', 'window', 'freeze')),
        title       TEXT NOT NULL,
        from_ms     INTEGER NOT NULL,
        to_ms       INTEGER NOT NULL CHECK (to_ms > from_ms),
        zone        TEXT NOT NULL DEFAULT 'UTC',
        rrule       TEXT,
        exdates     TEXT NOT NULL DEFAULT '[]',
        until_ms    INTEGER,
        scope       TEXT NOT NULL CHECK (scope IN ('all', 'label', 'devices')),
        label_key   TEXT,
        label_value TEXT
    ) STRICT;
    INSERT INTO downtimes_v12 (id, kind, title, from_ms, to_ms, until_ms, scope, label_key, label_value)
        SELECT id, kind, title, from_ms, to_ms, to_ms, scope, label_key, label_value FROM downtimes;
    CREATE TABLE downtime_devices_v12 (
        downtime_id INTEGER NOT NULL REFERENCES downtimes_v12(id) ON DELETE CASCADE,
        device_id   INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        PRIMARY KEY (downtime_id, device_id)
    ) STRICT;
    INSERT INTO downtime_devices_v12 SELECT downtime_id, device_id FROM downtime_devices;
    DROP TABLE downtime_devices;
    DROP TABLE downtimes;
    ALTER TABLE downtimes_v12 RENAME TO downtimes;
    ALTER TABLE downtime_devices_v12 RENAME TO downtime_devices;
    CREATE INDEX downtimes_by_from ON downtimes(from_ms);
    CREATE INDEX downtimes_by_until ON downtimes(until_ms);
    CREATE INDEX downtime_devices_by_device ON downtime_devices(device_id);
    -- Conflicts read the unfinished device updates that reach a range; the
    -- window does not change with status, so transitions do not rewrite it.
    CREATE INDEX device_updates_by_window_to ON device_updates(window_to);
    "#,
    // 13: an update carries one or more products, each to its own version
    // (its targets), and a device update the targets that apply to its device
    // with the versions the device had before (what a cancel restores). The
    // rows so far become single-target ones. `updates.product`/`version` keep
    // the first target (NOT NULL, and SQLite cannot drop a column under a
    // foreign key without rebuilding the table); `device_updates.previous_*`
    // are no longer written or read.
    r#"
    CREATE TABLE update_targets (
        update_id INTEGER NOT NULL REFERENCES updates(id) ON DELETE CASCADE,
        position  INTEGER NOT NULL CHECK (position >= 0),
        product   TEXT NOT NULL,
        version   TEXT NOT NULL,
        PRIMARY KEY (update_id, position),
        UNIQUE (update_id, product),
        FOREIGN KEY (product, version) REFERENCES manifests(product, version)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO update_targets SELECT id, 0, product, version FROM updates;
    -- Learned durations read the finished updates of one product.
    CREATE INDEX update_targets_by_product ON update_targets(product);
    CREATE TABLE device_update_targets (
        device_update_id    TEXT NOT NULL REFERENCES device_updates(id) ON DELETE CASCADE,
        position            INTEGER NOT NULL CHECK (position >= 0),
        product             TEXT NOT NULL,
        version             TEXT NOT NULL,
        previous_configured TEXT,
        previous_deployed   TEXT,
        PRIMARY KEY (device_update_id, position)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO device_update_targets
        SELECT du.id, 0, u.product, u.version, du.previous_configured, du.previous_deployed
        FROM device_updates du JOIN updates u ON u.id = du.update_id;
    "#,
    // 14: the index of device products by version goes. Every inventory
    // sync that moved a version rewrote two of its entries (a first sync's
    // batch of 1,000 wrote its products in 2.4–6 ms with it, 1.4–2 ms
    // without), and the reads it was for were slower through it: at 100,000
    // devices a product's version spread took 105–115 ms, joining the
    // devices in version order, against 20–37 ms scanning the table, which
    // joins them in id order.
    "DROP INDEX device_products_by_version;",
];

pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Runs every pending migration in one transaction: a failure leaves the
/// database exactly as it was.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let found = user_version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}
