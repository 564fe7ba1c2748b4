//! Who acts: the operating-system account behind a front door, and the rule
//! for every recorded user name (created by, approved by, audit entries).

use std::fmt;

use super::ValidationError;

/// A user name as recorded: trimmed, 1 to 64 characters (not bytes).
pub fn check_user_name(field: &str, raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ValidationError::new(field, "must be 1 to 64 characters"));
    }
    Ok(name.to_owned())
}

/// The user on whose behalf a front door calls the core. Every entry point
/// that changes the plan or the landscape takes one; the store looks up its
/// role and writes the audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Actor(String);

impl Actor {
    pub fn new(name: &str) -> Result<Actor, ValidationError> {
        check_user_name("user", name).map(Actor)
    }

    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_name_is_1_to_64_characters_after_trimming() {
        assert_eq!(check_user_name("by", " ana ").unwrap(), "ana");
        assert_eq!(
            check_user_name("by", &"é".repeat(64)).unwrap(),
            "é".repeat(64)
        );
        for bad in ["", "   ", &"a".repeat(65)] {
            let e = check_user_name("approved_by", bad).unwrap_err();
            assert_eq!(e.field, "approved_by", "{bad:?}");
        }
    }

    #[test]
    fn an_actor_is_a_checked_user_name() {
        assert_eq!(Actor::new(" ana ").unwrap().name(), "ana");
        assert_eq!(Actor::new("").unwrap_err().field, "user");
    }
}
