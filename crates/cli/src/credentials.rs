//! Where credentials come from, and which registry each set is for.
//!
//! Credentials belong to one registry host and go nowhere else (the core also keeps them off
//! redirects and foreign-layer URLs). For `inspect` and `verify` that is the image's registry;
//! for `copy`, `--username` (alias `--dst-username`) is for the destination and
//! `--src-username` for the source — and when both images live on the same host, the
//! destination's credentials serve the source too. Passwords come from stdin
//! (`--password-stdin`, one line) or the environment, never from the command line, where other
//! users could read them in the process list.

use std::io::BufRead as _;

use waybill_core::registry::Credentials;

use crate::failure::Failure;

/// A username and where its password comes from.
#[derive(Debug, Default)]
pub struct CredentialSource {
    /// The username, if given.
    pub username: Option<String>,
    /// Read the password from stdin.
    pub password_stdin: bool,
    /// The environment variable holding the password otherwise.
    pub password_env: &'static str,
}

impl CredentialSource {
    /// Resolves the source into credentials, reading stdin or the environment.
    pub fn resolve(&self) -> Result<Option<Credentials>, Failure> {
        let Some(username) = self.username.as_deref().filter(|u| !u.is_empty()) else {
            if self.password_stdin {
                return Err(Failure::error(
                    "--password-stdin needs a username (--username or WAYBILL_USERNAME)",
                ));
            }
            return Ok(None);
        };
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Failure::error(format!("reading the password from stdin: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        } else {
            std::env::var(self.password_env).map_err(|_| {
                Failure::error(format!(
                    "a username was given for {username:?} but no password: pass --password-stdin or set {}",
                    self.password_env
                ))
            })?
        };
        Ok(Some(Credentials::new(username, password)))
    }
}

/// Refuses two passwords on one stdin.
pub fn one_stdin(sources: &[&CredentialSource]) -> Result<(), Failure> {
    if sources.iter().filter(|s| s.password_stdin).count() > 1 {
        return Err(Failure::error(
            "only one password can come from stdin: pass the other in WAYBILL_PASSWORD or WAYBILL_SRC_PASSWORD",
        ));
    }
    Ok(())
}
