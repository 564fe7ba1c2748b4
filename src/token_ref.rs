//! Resolves the token references of a device import file to tokens:
//! `env:NAME` from the environment, `file:PATH` from a file (trimmed; a
//! relative path from the import file's directory). The I/O that
//! `domain::device_csv` leaves out. Never puts a token in an error.

use std::io::Read;
use std::path::Path;

use crate::domain::device_csv::TokenRef;
use crate::secrets::MAX_SECRET_LEN;

/// A token file holds one token; reading stops one byte past this.
pub const MAX_TOKEN_FILE_BYTES: usize = 64 * 1024;

/// The token `r` names, or why it cannot be had (said without the token).
pub fn resolve(r: &TokenRef, base_dir: &Path) -> Result<String, String> {
    let token = match r {
        TokenRef::Env(name) => match std::env::var(name) {
            Ok(value) => value.trim().to_owned(),
            Err(std::env::VarError::NotPresent) => {
                return Err("the environment variable is not set".into())
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err("the environment variable is not UTF-8 text".into())
            }
        },
        TokenRef::File(path) => read_token_file(&base_dir.join(path))?,
    };
    if token.contains('\0') {
        return Err("the token contains a NUL character".into());
    }
    if token.len() > MAX_SECRET_LEN {
        return Err(format!(
            "the token is {} bytes; at most {MAX_SECRET_LEN} are allowed",
            token.len()
        ));
    }
    Ok(token)
}

fn read_token_file(path: &Path) -> Result<String, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() > MAX_TOKEN_FILE_BYTES {
        return Err(format!(
            "{} is larger than {MAX_TOKEN_FILE_BYTES} bytes; a token file holds one token",
            path.display()
        ));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    Ok(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reference_reads_the_trimmed_content_relative_to_the_base() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(dir.path().join("tokens/b.txt"), "  tok-b\n").unwrap();
        let r = TokenRef::File("tokens/b.txt".into());
        assert_eq!(resolve(&r, dir.path()).unwrap(), "tok-b");
        let absolute = TokenRef::File(dir.path().join("tokens/b.txt").display().to_string());
        assert_eq!(resolve(&absolute, Path::new("/nowhere")).unwrap(), "tok-b");
    }

    #[test]
    fn a_missing_oversized_or_binary_file_is_refused_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(&TokenRef::File("none.txt".into()), dir.path()).unwrap_err();
        assert!(e.starts_with("cannot read "), "{e}");
        std::fs::write(dir.path().join("big"), "x".repeat(MAX_TOKEN_FILE_BYTES + 1)).unwrap();
        let e = resolve(&TokenRef::File("big".into()), dir.path()).unwrap_err();
        assert!(e.contains("larger than 65536 bytes"), "{e}");
        std::fs::write(dir.path().join("long"), "y".repeat(MAX_SECRET_LEN + 1)).unwrap();
        let e = resolve(&TokenRef::File("long".into()), dir.path()).unwrap_err();
        assert!(e.contains("at most 4096"), "{e}");
        assert!(!e.contains("yyyy"), "{e}");
        std::fs::write(dir.path().join("bin"), b"\xff\xfe").unwrap();
        let e = resolve(&TokenRef::File("bin".into()), dir.path()).unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn an_env_reference_reads_the_variable() {
        // A name of this test's own, so parallel tests do not race on it.
        let name = "ROLLWRIGHT_TEST_TOKEN_REF_7F3A";
        std::env::set_var(name, " tok-env ");
        assert_eq!(
            resolve(&TokenRef::Env(name.into()), Path::new(".")).unwrap(),
            "tok-env"
        );
        std::env::remove_var(name);
        let e = resolve(&TokenRef::Env(name.into()), Path::new(".")).unwrap_err();
        assert_eq!(e, "the environment variable is not set");
    }
}
