//! Device import files: CSV (RFC 4180) whose header names the columns
//! `name`, `url`, `token_ref` and `labels` in any order (and `tls_fingerprint`
//! where some agents are `https://`), one device a row. [`parse`] splits the
//! text into raw rows; [`validate`] checks each with [`NewDevice::validate`]
//! and the token its reference resolved to, and names names repeated in the
//! file. Pure: never reads a file or the environment. A row holds only a
//! *reference* to its token (`env:NAME`, `file:PATH`) that the caller
//! resolves (`rollwright::token_ref`), and no error echoes a `token_ref` cell:
//! it may hold a token pasted by mistake.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::device::{NewDevice, ValidDevice};
use super::{DeviceId, ValidationError};

/// The largest import file, in bytes: 100,000 rows of about 160 bytes.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;
/// The most device rows in one file; all are written in one transaction.
pub const MAX_IMPORT_ROWS: usize = 100_000;
/// The columns every file's header names, in any order, any case.
pub const REQUIRED_COLUMNS: [&str; 4] = ["name", "url", "token_ref", "labels"];
/// The certificate pin of an `https://` agent; a file of loopback agents
/// leaves it out.
pub const OPTIONAL_COLUMNS: [&str; 1] = ["tls_fingerprint"];

/// Where a row's agent token is read from: never the token itself, so the
/// file can be kept, mailed and versioned like any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRef {
    /// `env:NAME`: the value of the environment variable `NAME`.
    Env(String),
    /// `file:PATH`: the content of the file, trimmed; a relative path is
    /// taken from the import file's directory.
    File(String),
}

impl TokenRef {
    /// Parses `env:NAME` or `file:PATH`. The error never quotes `s`.
    pub fn parse(field: &str, s: &str) -> Result<TokenRef, ValidationError> {
        let s = s.trim();
        if let Some(name) = s.strip_prefix("env:") {
            let valid = name.len() <= 255
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return if valid {
                Ok(TokenRef::Env(name.to_owned()))
            } else {
                Err(ValidationError::new(
                    field,
                    "env: must name an environment variable: 1 to 255 letters, digits or '_', not starting with a digit",
                ))
            };
        }
        if let Some(path) = s.strip_prefix("file:") {
            return if path.is_empty() {
                Err(ValidationError::new(field, "file: must name a file"))
            } else {
                Ok(TokenRef::File(path.to_owned()))
            };
        }
        Err(ValidationError::new(
            field,
            if s.is_empty() {
                "is required: env:NAME or file:PATH, where the agent token is read from"
            } else {
                "must be env:NAME or file:PATH, a reference to the agent token, never the token itself (the cell is not shown: it may hold one)"
            },
        ))
    }
}

/// A reference prints as written; it names where a token is, not the token.
impl fmt::Display for TokenRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenRef::Env(name) => write!(f, "env:{name}"),
            TokenRef::File(path) => write!(f, "file:{path}"),
        }
    }
}

/// One data row as written, its cells trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// Counted from 0 after the header: the `i` of `rows[i]` in field names.
    pub index: usize,
    /// The file line the row starts on; the header is line 1.
    pub line: u64,
    pub name: String,
    pub url: String,
    pub token_ref: TokenRef,
    /// `None` when the file has no `tls_fingerprint` column.
    pub tls_fingerprint: Option<String>,
    /// The `key=value` pairs of the `labels` cell, in order.
    pub labels: Vec<String>,
}

/// What is wrong with one row; `error.field` is `rows[i].COLUMN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub index: usize,
    pub line: u64,
    pub error: ValidationError,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {} (line {}), field {}: {}",
            self.index, self.line, self.error.field, self.error.rule
        )
    }
}

/// One row after [`validate`]: the device to add, or why not.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    pub index: usize,
    pub line: u64,
    /// The name as written (trimmed), for the report even when invalid.
    pub name: String,
    pub device: Result<ValidDevice, RowError>,
}

/// Splits `bytes` into rows. A file-wide fault (size, encoding, header,
/// too many or no rows) is the error; a fault of one row is that row's
/// entry, so every bad row can be reported at once.
pub fn parse(bytes: &[u8]) -> Result<Vec<Result<CsvRow, RowError>>, ValidationError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ValidationError::new(
            "file",
            format!(
                "must be at most {MAX_IMPORT_BYTES} bytes (16 MiB); split it into several imports"
            ),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ValidationError::new("file", format!("must be UTF-8 text ({e})")))?;
    // Spreadsheets often write a byte-order mark before the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // A row with a wrong number of cells is reported as that row's
        // fault, not as a parse error of the file.
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let syntax = |e: csv::Error| ValidationError::new("file", format!("is not valid CSV: {e}"));
    let header = match records.next() {
        Some(h) => h.map_err(syntax)?,
        None => {
            return Err(ValidationError::new(
                "header",
                format!(
                    "is missing: the first line must name the columns {}",
                    column_list()
                ),
            ))
        }
    };
    let columns = Columns::of(&header)?;
    let mut lines = LineCounter::new(text);
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(syntax)?;
        let index = rows.len();
        if index == MAX_IMPORT_ROWS {
            return Err(ValidationError::new(
                "rows",
                format!("at most {MAX_IMPORT_ROWS} devices in one file (this one has more); split it into several imports"),
            ));
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        rows.push(columns.row(index, line, &record).map_err(|error| RowError {
            index,
            line,
            error,
        }));
    }
    if rows.is_empty() {
        return Err(ValidationError::new(
            "rows",
            "the file has no device rows, only its header",
        ));
    }
    Ok(rows)
}

/// Validates every row with its token (`token` resolves a reference, or
/// says why it cannot), and refuses a name already used by an earlier row.
pub fn validate(
    rows: Vec<Result<CsvRow, RowError>>,
    mut token: impl FnMut(&TokenRef) -> Result<String, String>,
) -> Vec<CheckedRow> {
    let mut first_line_of: HashMap<String, (usize, u64)> = HashMap::new();
    rows.into_iter()
        .map(|row| {
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    return CheckedRow {
                        index: e.index,
                        line: e.line,
                        name: String::new(),
                        device: Err(e),
                    }
                }
            };
            let (index, line, name) = (row.index, row.line, row.name.clone());
            let at = |field: &str, rule: String| RowError {
                index,
                line,
                error: ValidationError::new(format!("rows[{index}].{field}"), rule),
            };
            let earlier = first_line_of.get(&name).copied();
            if earlier.is_none() && !name.is_empty() {
                first_line_of.insert(name.clone(), (index, line));
            }
            let device = match token(&row.token_ref) {
                Err(why) => Err(at("token_ref", format!("{}: {why}", row.token_ref))),
                Ok(token) => validate_row(row, token).and_then(|d| match earlier {
                    Some((i, l)) => Err(at(
                        "name",
                        format!("{name:?} is already the name of rows[{i}] (line {l}); a name may appear once"),
                    )),
                    None => Ok(d),
                }),
            };
            CheckedRow {
                index,
                line,
                name,
                device,
            }
        })
        .collect()
}

/// One row through [`NewDevice::validate`], its fields renamed to the
/// file's columns (`agent_url` is `url`, the token is `token_ref`'s).
fn validate_row(row: CsvRow, token: String) -> Result<ValidDevice, RowError> {
    let (index, line) = (row.index, row.line);
    let no_pin_column = row.tls_fingerprint.is_none();
    let fail = |field: &str, rule: String| RowError {
        index,
        line,
        error: ValidationError::new(format!("rows[{index}].{field}"), rule),
    };
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for (k, label) in row.labels.iter().enumerate() {
        let key = label.split_once('=').map_or(label.as_str(), |(k, _)| k);
        if let Some(first) = keys.insert(key, k) {
            return Err(fail(
                &format!("labels[{k}]"),
                format!("key {key:?} is set twice in this row (also labels[{first}])"),
            ));
        }
    }
    NewDevice {
        name: row.name,
        agent_url: row.url,
        agent_token: token,
        tls_fingerprint: row.tls_fingerprint,
        labels: row.labels,
        products: Default::default(),
    }
    .validate()
    .map_err(|e| match e.field.as_str() {
        "agent_url" => fail("url", e.rule),
        "agent_token" => fail("token_ref", format!("the token it names {}", e.rule)),
        "tls_fingerprint" if no_pin_column => fail(
            "tls_fingerprint",
            format!("{} (add a tls_fingerprint column)", e.rule),
        ),
        field => fail(field, e.rule),
    })
}

/// The line a record starts on, from its byte offset. The csv crate's own
/// line count is behind by one per CRLF line end (rust-csv issue 395), and
/// spreadsheets write CRLF.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes counted so far, and the line breaks among them.
    scanned: usize,
    breaks: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            scanned: 0,
            breaks: 0,
        }
    }

    /// Offsets only grow, so each byte is counted once.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = (offset as usize).min(self.text.len());
        // A record's offset may lie before the end of the line break
        // ahead of it, or before blank lines skipped; its first cell does
        // not start with a line break (the file has several columns).
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.scanned {
            let newlines = self.text[self.scanned..start]
                .iter()
                .filter(|&&b| b == b'\n');
            self.breaks += newlines.count() as u64;
            self.scanned = start;
        }
        self.breaks + 1
    }
}

/// Where each column is in the file's rows.
struct Columns {
    name: usize,
    url: usize,
    token_ref: usize,
    labels: usize,
    tls_fingerprint: Option<usize>,
    count: usize,
}

impl Columns {
    fn of(header: &csv::StringRecord) -> Result<Columns, ValidationError> {
        let mut at: HashMap<String, usize> = HashMap::new();
        for (i, cell) in header.iter().enumerate() {
            let column = cell.trim().to_ascii_lowercase();
            if !REQUIRED_COLUMNS.contains(&column.as_str())
                && !OPTIONAL_COLUMNS.contains(&column.as_str())
            {
                return Err(ValidationError::new(
                    "header",
                    format!(
                        "unknown column {:?} (column {}); the columns are {}",
                        cell.trim(),
                        i + 1,
                        column_list()
                    ),
                ));
            }
            if at.insert(column.clone(), i).is_some() {
                return Err(ValidationError::new(
                    "header",
                    format!("column {column:?} is named twice"),
                ));
            }
        }
        let required = |c: &str| {
            at.get(c).copied().ok_or_else(|| {
                ValidationError::new(
                    "header",
                    format!("missing column {c:?}; the columns are {}", column_list()),
                )
            })
        };
        Ok(Columns {
            name: required("name")?,
            url: required("url")?,
            token_ref: required("token_ref")?,
            labels: required("labels")?,
            tls_fingerprint: at.get("tls_fingerprint").copied(),
            count: header.len(),
        })
    }

    fn row(
        &self,
        index: usize,
        line: u64,
        record: &csv::StringRecord,
    ) -> Result<CsvRow, ValidationError> {
        let field = |c: &str| format!("rows[{index}].{c}");
        if record.len() != self.count {
            return Err(ValidationError::new(
                format!("rows[{index}]"),
                format!(
                    "has {} cells; the header names {} columns",
                    record.len(),
                    self.count
                ),
            ));
        }
        let cell = |column: &str, i: usize| -> Result<String, ValidationError> {
            let value = record[i].trim();
            // A formula a spreadsheet left unevaluated is not a device; and
            // such a cell would run as one when the fleet is exported again.
            if value.starts_with(['=', '+', '-', '@']) {
                return Err(ValidationError::new(
                    field(column),
                    "must not start with '=', '+', '-' or '@' (a spreadsheet formula)",
                ));
            }
            Ok(value.to_owned())
        };
        let labels = cell("labels", self.labels)?
            .split(';')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(CsvRow {
            index,
            line,
            name: cell("name", self.name)?,
            url: cell("url", self.url)?,
            token_ref: TokenRef::parse(&field("token_ref"), &cell("token_ref", self.token_ref)?)?,
            tls_fingerprint: self
                .tls_fingerprint
                .map(|i| cell("tls_fingerprint", i))
                .transpose()?,
            labels,
        })
    }
}

fn column_list() -> String {
    format!(
        "{} (and {} for https:// agents)",
        REQUIRED_COLUMNS.join(", "),
        OPTIONAL_COLUMNS.join(", ")
    )
}

/// What became of one row of an import: what both front doors report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RowOutcome {
    Added {
        id: DeviceId,
    },
    /// Valid, but not added: another row was not.
    Valid,
    Invalid {
        field: String,
        rule: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    /// Counted from 0 after the header, as in `rows[i]`.
    pub row: usize,
    pub line: u64,
    pub name: String,
    #[serde(flatten)]
    pub outcome: RowOutcome,
}

/// Every row's fate; nothing is added when any row failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRowsReport {
    pub added: usize,
    pub rows: Vec<RowReport>,
}

/// The row a refusal names by its field (`rows[3].name` is row 3), if it
/// is one of `rows` rows.
pub fn refused_row(field: &str, rows: usize) -> Option<usize> {
    field
        .strip_prefix("rows[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(i, _)| i.parse::<usize>().ok())
        .filter(|i| *i < rows)
}

/// The report of an import. `added`: the new devices' ids in row order,
/// when it was written; `refused`: the row the store refused, with its
/// field and rule, when it was not.
pub fn import_report(
    rows: &[CheckedRow],
    added: Option<&[DeviceId]>,
    refused: Option<(usize, String, String)>,
) -> ImportRowsReport {
    let report = rows
        .iter()
        .map(|r| {
            let outcome = match (&r.device, added) {
                (Err(e), _) => RowOutcome::Invalid {
                    field: e.error.field.clone(),
                    rule: e.error.rule.clone(),
                },
                (Ok(_), Some(ids)) => RowOutcome::Added { id: ids[r.index] },
                (Ok(_), None) => match &refused {
                    Some((i, field, rule)) if *i == r.index => RowOutcome::Invalid {
                        field: field.clone(),
                        rule: rule.clone(),
                    },
                    _ => RowOutcome::Valid,
                },
            };
            RowReport {
                row: r.index,
                line: r.line,
                name: r.name.clone(),
                outcome,
            }
        })
        .collect();
    ImportRowsReport {
        added: added.map_or(0, <[DeviceId]>::len),
        rows: report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolves `env:X` to `tok-X`; `file:` references fail.
    fn tokens(r: &TokenRef) -> Result<String, String> {
        match r {
            TokenRef::Env(name) => Ok(format!("tok-{name}")),
            TokenRef::File(_) => Err("cannot read it".into()),
        }
    }

    fn check(text: &str) -> Vec<CheckedRow> {
        validate(parse(text.as_bytes()).unwrap(), tokens)
    }

    fn errors(text: &str) -> Vec<String> {
        check(text)
            .into_iter()
            .filter_map(|r| r.device.err().map(|e| e.to_string()))
            .collect()
    }

    fn file_error(text: &[u8]) -> ValidationError {
        parse(text).unwrap_err()
    }

    const HEADER: &str = "name,url,token_ref,labels\n";

    #[test]
    fn a_good_file_gives_one_device_per_row_with_its_token_and_labels() {
        let rows = check(
            "Labels,NAME,url,Token_Ref\r\n\
             \"site=berlin; group=line-2;\",berlin-01,http://127.0.0.1:7000/devices/berlin-01,env:BERLIN\r\n\
             ,paris-01,http://127.0.0.1:7000/devices/paris-01,env:PARIS\r\n",
        );
        assert_eq!(rows.len(), 2);
        let berlin = rows[0].device.as_ref().unwrap();
        assert_eq!(berlin.name, "berlin-01");
        assert_eq!(berlin.agent_token, "tok-BERLIN");
        assert_eq!(berlin.labels["site"], "berlin");
        assert_eq!(berlin.labels["group"], "line-2");
        let paris = rows[1].device.as_ref().unwrap();
        assert!(paris.labels.is_empty());
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
    }

    #[test]
    fn quoted_cells_may_hold_commas_quotes_and_line_breaks_and_lines_still_count() {
        let rows = parse(
            format!(
                "{HEADER}\"a,b\",http://127.0.0.1:1,\"file:x \"\"y\"\".txt\",\n\
                 \"c\nd\",http://127.0.0.1:1,env:T,\nlast,http://127.0.0.1:1,env:T,\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.name, "a,b");
        assert_eq!(first.token_ref, TokenRef::File("x \"y\".txt".into()));
        assert_eq!(rows[1].as_ref().unwrap().name, "c\nd");
        assert_eq!(
            rows[2].as_ref().unwrap().line,
            5,
            "the row after a two-line cell"
        );
    }

    #[test]
    fn the_header_is_required_and_names_every_column_once() {
        assert_eq!(file_error(b"").field, "header");
        assert!(file_error(b"")
            .rule
            .contains("name, url, token_ref, labels"));
        let e = file_error(b"name,url,token_ref\nx,http://127.0.0.1:1,env:T\n");
        assert_eq!(
            (
                e.field.as_str(),
                e.rule.starts_with("missing column \"labels\"")
            ),
            ("header", true),
            "{e}"
        );
        let e = file_error(b"name,url,token_ref,labels,site\n");
        assert!(
            e.rule.starts_with("unknown column \"site\" (column 5)"),
            "{e}"
        );
        let e = file_error(b"name,url,token_ref,labels,NAME\n");
        assert!(e.rule.contains("\"name\" is named twice"), "{e}");
        // A header alone is a file with nothing to import.
        assert_eq!(file_error(HEADER.as_bytes()).field, "rows");
        // The optional column may be there.
        let rows =
            check("name,url,token_ref,labels,tls_fingerprint\nx,http://127.0.0.1:1,env:T,,\n");
        assert!(rows[0].device.is_ok());
    }

    #[test]
    fn a_row_with_another_number_of_cells_is_that_rows_fault() {
        let errors = errors(&format!(
            "{HEADER}ok,http://127.0.0.1:1,env:T,\nshort,http://127.0.0.1:1\n"
        ));
        assert_eq!(
            errors,
            ["row 1 (line 3), field rows[1]: has 2 cells; the header names 4 columns"]
        );
    }

    #[test]
    fn every_bad_row_is_reported_by_row_line_and_column() {
        let found = errors(&format!(
            "{HEADER}\
             good,http://127.0.0.1:1,env:T,\n\
             a/b,http://127.0.0.1:1,env:T,\n\
             x1,ftp://h,env:T,\n\
             x2,http://127.0.0.1:1,env:T,site\n\
             x3,http://127.0.0.1:1,file:missing.txt,\n\
             x4,https://edge-4:7443,env:T,\n\
             x5,http://127.0.0.1:1,env:T,site=a;site=b\n"
        ));
        assert_eq!(found.len(), 6, "{found:#?}");
        let expect = [
            "row 1 (line 3), field rows[1].name: must not contain",
            "row 2 (line 4), field rows[2].url: must be an http:// or https:// URL",
            "row 3 (line 5), field rows[3].labels[0]: must be key=value",
            "row 4 (line 6), field rows[4].token_ref: file:missing.txt: cannot read it",
            "row 5 (line 7), field rows[5].tls_fingerprint: is required for an https:// agent",
            "row 6 (line 8), field rows[6].labels[1]: key \"site\" is set twice",
        ];
        for (got, want) in found.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\nshould start with\n{want}");
        }
        assert!(
            found[4].ends_with("(add a tls_fingerprint column)"),
            "{}",
            found[4]
        );
    }

    #[test]
    fn a_token_that_resolves_to_nothing_or_with_spaces_is_named_as_its_reference() {
        let rows = validate(
            parse(format!("{HEADER}x,http://127.0.0.1:1,env:EMPTY,\n").as_bytes()).unwrap(),
            |_| Ok("has space".into()),
        );
        let e = rows[0].device.as_ref().unwrap_err();
        assert_eq!(e.error.field, "rows[0].token_ref");
        assert!(
            e.error
                .rule
                .contains("the token it names must be non-empty"),
            "{e}"
        );
        assert!(!e.to_string().contains("has space"), "never the token: {e}");
    }

    #[test]
    fn a_token_ref_is_env_or_file_and_a_literal_token_is_refused_without_echo() {
        let field = |s: &str| TokenRef::parse("f", s);
        assert_eq!(
            field("env:AGENT_1").unwrap(),
            TokenRef::Env("AGENT_1".into())
        );
        assert_eq!(
            field(" file:/etc/t ").unwrap(),
            TokenRef::File("/etc/t".into())
        );
        assert_eq!(field("env:_X").unwrap().to_string(), "env:_X");
        for bad in [
            "",
            "s3cr3t-token-42",
            "env:",
            "env:1X",
            "env:A-B",
            "file:",
            "vault:s3cr3t",
        ] {
            let e = field(bad).unwrap_err();
            assert_eq!(e.field, "f", "{bad:?}");
            assert!(!e.rule.contains("s3cr3t"), "echoed {bad:?}: {e}");
        }
        assert!(field("").unwrap_err().rule.starts_with("is required"));
        assert!(field(&format!("env:{}", "A".repeat(255))).is_ok());
        assert!(field(&format!("env:{}", "A".repeat(256))).is_err());
    }

    #[test]
    fn a_name_repeated_in_the_file_is_refused_on_the_later_row() {
        let rows = check(&format!(
            "{HEADER}a,http://127.0.0.1:1,env:T,\nb,http://127.0.0.1:2,env:T,\n a ,http://127.0.0.1:3,env:T,\n"
        ));
        assert!(rows[0].device.is_ok() && rows[1].device.is_ok());
        let e = rows[2].device.as_ref().unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 2 (line 4), field rows[2].name: \"a\" is already the name of rows[0] (line 2); a name may appear once"
        );
    }

    #[test]
    fn formula_cells_are_refused() {
        for (cell_row, field) in [
            (
                "=HYPERLINK(\"x\"),http://127.0.0.1:1,env:T,",
                "rows[0].name",
            ),
            ("x,@SUM(1),env:T,", "rows[0].url"),
            ("x,http://127.0.0.1:1,env:T,+a=b", "rows[0].labels"),
            ("-x,http://127.0.0.1:1,env:T,", "rows[0].name"),
        ] {
            let rows = check(&format!("{HEADER}{cell_row}\n"));
            let e = rows[0].device.as_ref().unwrap_err();
            assert_eq!(e.error.field, field, "{cell_row}");
            assert!(e.error.rule.contains("spreadsheet formula"), "{e}");
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend(b"caf\xe9,http://127.0.0.1:1,env:T,\n");
        let e = file_error(&bytes);
        assert_eq!(e.field, "file");
        assert!(e.rule.starts_with("must be UTF-8 text"), "{e}");
    }

    #[test]
    fn lines_are_counted_with_crlf_blank_lines_and_line_breaks_in_cells() {
        let rows = parse(
            b"name,url,token_ref,labels\r\n\r\n\
              a,http://127.0.0.1:1,env:T,\r\n\
              \"b\r\nb\",http://127.0.0.1:1,env:T,\r\n\
              \n\n\
              c,http://127.0.0.1:1,env:T,",
        )
        .unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().line).collect();
        assert_eq!(lines, [3, 4, 8]);
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_skipped() {
        let rows = check(&format!("\u{feff}{HEADER}x,http://127.0.0.1:1,env:T,\n"));
        assert!(rows[0].device.is_ok());
    }

    #[test]
    fn a_file_may_be_16_mib_and_not_a_byte_more() {
        let row = "x,http://127.0.0.1:1,env:T,\n";
        let mut text = HEADER.to_owned();
        text.push_str(row);
        // Blank lines fill it up: CSV skips them, so it stays one row.
        text.push_str(&"\n".repeat(MAX_IMPORT_BYTES - text.len()));
        assert_eq!(text.len(), MAX_IMPORT_BYTES);
        assert_eq!(parse(text.as_bytes()).unwrap().len(), 1);
        text.push('\n');
        let e = file_error(text.as_bytes());
        assert_eq!(e.field, "file");
        assert!(e.rule.starts_with("must be at most 16777216 bytes"), "{e}");
    }

    #[test]
    fn a_file_may_hold_100000_rows_and_not_one_more() {
        let mut text = HEADER.to_owned();
        for i in 0..MAX_IMPORT_ROWS {
            text.push_str(&format!("d{i},http://127.0.0.1:1,env:T,\n"));
        }
        assert_eq!(parse(text.as_bytes()).unwrap().len(), MAX_IMPORT_ROWS);
        text.push_str("one-more,http://127.0.0.1:1,env:T,\n");
        let e = file_error(text.as_bytes());
        assert_eq!(e.field, "rows");
        assert!(e.rule.starts_with("at most 100000 devices"), "{e}");
    }

    #[test]
    fn a_refusal_names_its_row_and_the_report_marks_it() {
        assert_eq!(refused_row("rows[1].name", 2), Some(1));
        assert_eq!(refused_row("rows[2].name", 2), None, "past the last row");
        assert_eq!(refused_row("name", 2), None);
        let text = b"name,url,token_ref,labels\na,http://127.0.0.1:1,env:A,\nb,http://127.0.0.1:2,env:B,\n";
        let rows = validate(parse(text).unwrap(), tokens);
        let refused = Some((1, "rows[1].name".to_owned(), "taken".to_owned()));
        let report = import_report(&rows, None, refused);
        assert_eq!(report.added, 0);
        assert_eq!(report.rows[0].outcome, RowOutcome::Valid);
        assert!(
            matches!(&report.rows[1].outcome, RowOutcome::Invalid { rule, .. } if rule == "taken")
        );
        let ids = [DeviceId(7), DeviceId(8)];
        let report = import_report(&rows, Some(&ids), None);
        assert_eq!(report.added, 2);
        assert_eq!(
            report.rows[1].outcome,
            RowOutcome::Added { id: DeviceId(8) }
        );
    }
}
