//! An admin's change to a device's labels: keys to set (added or replaced)
//! and keys to unset. Pure: the store reads the labels, calls
//! [`edit_labels`] and writes the result in one transaction.

use super::device::{parse_label, Labels};
use super::ValidationError;

/// `current` with `set` applied and `unset` removed, or the first rule
/// broken: a label not `key=value` slugs, a key given twice or both set and
/// unset, a key to unset that is not set, more labels than the protocol
/// allows, or nothing to change at all.
pub fn edit_labels(
    current: &Labels,
    set: &[(String, String)],
    unset: &[String],
) -> Result<Labels, ValidationError> {
    if set.is_empty() && unset.is_empty() {
        return Err(ValidationError::new(
            "set",
            "nothing to change: name at least one label to set or unset",
        ));
    }
    let mut labels = current.clone();
    let mut set_at = std::collections::HashMap::new();
    for (i, (key, value)) in set.iter().enumerate() {
        let field = format!("set[{i}]");
        let (key, value) = parse_label(&field, &format!("{key}={value}"))?;
        if let Some(first) = set_at.insert(key.clone(), i) {
            return Err(ValidationError::new(
                field,
                format!("key {key:?} is given twice (also set[{first}])"),
            ));
        }
        labels.insert(key, value);
    }
    for (i, key) in unset.iter().enumerate() {
        let field = format!("unset[{i}]");
        if let Some(j) = set_at.get(key) {
            return Err(ValidationError::new(
                field,
                format!("{key:?} is also in set[{j}]; set a key or unset it, not both"),
            ));
        }
        if unset[..i].contains(key) {
            return Err(ValidationError::new(
                field,
                format!("{key:?} is given twice"),
            ));
        }
        if labels.remove(key).is_none() {
            let keys: Vec<&str> = current.keys().map(String::as_str).collect();
            return Err(ValidationError::new(
                field,
                format!(
                    "no label {key:?} is set on this device (its label keys: {})",
                    if keys.is_empty() {
                        "none".to_owned()
                    } else {
                        keys.join(", ")
                    }
                ),
            ));
        }
    }
    // The protocol's limit on how many, the same as an agent's.
    rollwright_protocol::validate::labels(
        "labels",
        labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn set_adds_or_replaces_and_unset_removes() {
        let now = labels(&[("site", "berlin"), ("rack", "r1")]);
        let edited = edit_labels(
            &now,
            &set(&[("site", "paris"), ("group", "line-2")]),
            &keys(&["rack"]),
        )
        .unwrap();
        assert_eq!(edited, labels(&[("site", "paris"), ("group", "line-2")]));
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let now = labels(&[("site", "berlin")]);
        let field = |s: &[(&str, &str)], u: &[&str]| {
            edit_labels(&now, &set(s), &keys(u))
                .unwrap_err()
                .to_string()
        };
        assert!(field(&[], &[]).starts_with("set: nothing to change"));
        assert!(field(&[("site", "")], &[]).starts_with("set[0]: key and value must each be"));
        assert!(field(&[("a/b", "x")], &[]).starts_with("set[0]: "));
        assert!(
            field(&[("a", "1"), ("a", "2")], &[]).starts_with("set[1]: key \"a\" is given twice")
        );
        assert!(
            field(&[("site", "x")], &["site"]).starts_with("unset[0]: \"site\" is also in set[0]")
        );
        assert_eq!(
            field(&[], &["rack"]),
            "unset[0]: no label \"rack\" is set on this device (its label keys: site)"
        );
        assert!(field(&[], &["site", "site"]).starts_with("unset[1]: \"site\" is given twice"));
    }

    #[test]
    fn a_device_may_have_32_labels_and_not_33() {
        let now: Labels = (0..31).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(
            edit_labels(&now, &set(&[("k31", "v")]), &[]).unwrap().len(),
            32
        );
        let e = edit_labels(&now, &set(&[("k31", "v"), ("k32", "v")]), &[]).unwrap_err();
        assert_eq!(e.to_string(), "labels: at most 32 labels (got 33)");
        // Replacing one at the limit adds none.
        let full: Labels = (0..32).map(|i| (format!("k{i}"), "v".into())).collect();
        assert!(edit_labels(&full, &set(&[("k0", "w")]), &[]).is_ok());
    }
}
