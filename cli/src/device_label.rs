//! `device label NAME --set KEY=VALUE --unset KEY`: edits the admin's labels
//! of a device. Splits `--set` at its first '='; the store checks the rest.

use clap::Args;
use rollwright::domain::{Actor, ValidationError};
use rollwright::store::Store;

use crate::{CliError, Out};

#[derive(Args)]
pub(crate) struct LabelArgs {
    name: String,
    /// A label to add or replace, key=value; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// A label key to remove; repeatable.
    #[arg(long = "unset", value_name = "KEY")]
    unset: Vec<String>,
}

pub(crate) fn label(
    store: &Store,
    out: &Out,
    actor: &Actor,
    args: &LabelArgs,
) -> Result<(), CliError> {
    let set = args
        .set
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    ValidationError::new(
                        format!("set[{i}]"),
                        format!("must be key=value (got {s:?})"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let device = store.set_labels(actor, &args.name, &set, &args.unset)?;
    out.print(&device, || {
        let labels: Vec<String> = device
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("device {} labels: {}", device.name, labels.join(","))
    });
    Ok(())
}
