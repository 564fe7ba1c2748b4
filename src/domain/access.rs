//! Roles and the actions they allow. An admin may change the plan and the
//! landscape; a viewer may look at everything. Which role an actor has is
//! stored; whether that role allows an action is decided here.

use std::fmt;
use std::str::FromStr;

use super::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    /// "an admin", "a viewer": for sentences.
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Admin => "an admin",
            Role::Viewer => "a viewer",
        }
    }

    /// Whether this role allows `action`.
    pub fn allows(self, action: Action) -> bool {
        match self {
            Role::Admin => true,
            Role::Viewer => action.needs() == Role::Viewer,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Role, ValidationError> {
        match s {
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            other => Err(ValidationError::new(
                "role",
                format!("must be admin or viewer, not {other:?}"),
            )),
        }
    }
}

/// Everything that changes the plan, the landscape or who may do so. Each is
/// checked against the actor's role and written to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    CreateUpdate,
    ApproveUpdate,
    CancelUpdate,
    CancelDeviceUpdate,
    AddDowntime,
    EditDowntime,
    RemoveDowntime,
    AddDevice,
    EditDevice,
    RemoveDevice,
    ImportVersion,
    GrantRole,
    RevokeRole,
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::CreateUpdate,
        Action::ApproveUpdate,
        Action::CancelUpdate,
        Action::CancelDeviceUpdate,
        Action::AddDowntime,
        Action::EditDowntime,
        Action::RemoveDowntime,
        Action::AddDevice,
        Action::EditDevice,
        Action::RemoveDevice,
        Action::ImportVersion,
        Action::GrantRole,
        Action::RevokeRole,
    ];

    /// The role an actor needs. Every action that changes something is an
    /// admin's; looking needs no action at all.
    pub fn needs(self) -> Role {
        Role::Admin
    }

    /// The name written to the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateUpdate => "update.create",
            Action::ApproveUpdate => "update.approve",
            Action::CancelUpdate => "update.cancel",
            Action::CancelDeviceUpdate => "device_update.cancel",
            Action::AddDowntime => "downtime.add",
            Action::EditDowntime => "downtime.edit",
            Action::RemoveDowntime => "downtime.remove",
            Action::AddDevice => "device.add",
            Action::EditDevice => "device.edit",
            Action::RemoveDevice => "device.remove",
            Action::ImportVersion => "version.import",
            Action::GrantRole => "role.grant",
            Action::RevokeRole => "role.revoke",
        }
    }

    /// What the action is, for people: "only an admin may {describe}".
    pub fn describe(self) -> &'static str {
        match self {
            Action::CreateUpdate => "create updates",
            Action::ApproveUpdate => "approve updates",
            Action::CancelUpdate | Action::CancelDeviceUpdate => "cancel updates",
            Action::AddDowntime | Action::EditDowntime | Action::RemoveDowntime => {
                "edit the calendar"
            }
            Action::AddDevice | Action::EditDevice | Action::RemoveDevice => "change devices",
            Action::ImportVersion => "import versions",
            Action::GrantRole | Action::RevokeRole => "grant or revoke roles",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Serialised as its audit name, e.g. `"update.create"`.
impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action refused for lack of a role. The message names the user, the
/// role they have and the role the action needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{user} is {}; only {} may {}", .has.with_article(), .needs.with_article(), .action.describe())]
pub struct Forbidden {
    pub user: String,
    pub has: Role,
    pub needs: Role,
    pub action: Action,
}

impl Forbidden {
    /// Checks `role` against `action`.
    pub fn check(user: &str, role: Role, action: Action) -> Result<(), Forbidden> {
        if role.allows(action) {
            Ok(())
        } else {
            Err(Forbidden {
                user: user.to_owned(),
                has: role,
                needs: action.needs(),
                action,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_may_do_everything_a_viewer_nothing_that_changes() {
        for a in Action::ALL {
            assert!(Role::Admin.allows(a), "{a}");
            assert!(!Role::Viewer.allows(a), "{a}");
        }
    }

    #[test]
    fn forbidden_names_the_user_their_role_and_the_role_needed() {
        let e = Forbidden::check("bob", Role::Viewer, Action::CancelUpdate).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bob is a viewer; only an admin may cancel updates"
        );
        assert!(Forbidden::check("ana", Role::Admin, Action::CancelUpdate).is_ok());
    }

    #[test]
    fn action_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert!(seen.insert(a.as_str()));
        }
        assert_eq!(Action::parse("update.delete"), None);
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!("viewer".parse::<Role>().unwrap(), Role::Viewer);
        assert_eq!("root".parse::<Role>().unwrap_err().field, "role");
    }
}
