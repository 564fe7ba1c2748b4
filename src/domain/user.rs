//! Who did something, as recorded on an update: created by, approved by.

use super::ValidationError;

/// A user name as recorded: trimmed, 1 to 64 characters (not bytes).
pub fn check_user_name(field: &str, raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ValidationError::new(field, "must be 1 to 64 characters"));
    }
    Ok(name.to_owned())
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
}
