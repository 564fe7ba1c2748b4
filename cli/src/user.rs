//! `user list|whoami|grant|revoke`: who may act. Users are the machine's
//! accounts; the first to use a new database is its admin, and admins grant
//! and revoke. Anyone without a recorded role is a viewer.

use clap::{Subcommand, ValueEnum};
use rollwright::domain::{Actor, Role};
use rollwright::store::Store;

use crate::{CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Users with a recorded role (everyone else is a viewer).
    List,
    /// Your account and its role.
    Whoami,
    /// Give a user a role (admin only).
    Grant {
        /// The user's operating-system account name.
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Admin)]
        role: RoleArg,
    },
    /// Take a user's role away, which leaves them a viewer (admin only).
    Revoke { name: String },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Admin,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::List => {
            let users = store.users()?;
            out.print(&users, || {
                users
                    .iter()
                    .map(|u| {
                        format!(
                            "{}\t{}\tgranted by {} at {}",
                            u.name,
                            u.role,
                            u.granted_by,
                            u.granted_at.to_rfc3339()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Whoami => {
            let role = store.sign_in(actor)?;
            out.print(
                &serde_json::json!({ "name": actor.name(), "role": role }),
                || format!("{actor} ({role})"),
            );
        }
        Cmd::Grant { name, role } => {
            let role = Role::from(*role);
            store.grant_role(actor, name, role)?;
            out.print(&serde_json::json!({ "name": name, "role": role }), || {
                format!("{name} is now {}", role.with_article())
            });
        }
        Cmd::Revoke { name } => {
            store.revoke_role(actor, name)?;
            out.print(
                &serde_json::json!({ "name": name, "role": Role::Viewer }),
                || format!("{name} is now a viewer"),
            );
        }
    }
    Ok(())
}
