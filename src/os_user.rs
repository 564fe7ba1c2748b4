//! The operating-system account a front door acts for: Rollwright's users
//! are the accounts of the machine, and the store keeps their roles.

use crate::domain::Actor;

#[derive(Debug, thiserror::Error)]
#[error("cannot tell which operating-system account runs Rollwright: {0}")]
pub struct OsUserError(String);

/// The account of this process (its real user id), as an [`Actor`].
pub fn os_actor() -> Result<Actor, OsUserError> {
    let name = whoami::fallible::username().map_err(|e| OsUserError(e.to_string()))?;
    Actor::new(&name).map_err(|e| OsUserError(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_account_running_the_tests_is_an_actor() {
        let actor = super::os_actor().unwrap();
        assert!(!actor.name().is_empty());
    }
}
