//! Who is asking a team server, and what they may do.
//!
//! # Layout
//! - [`secret`]: login cookies, agent tokens and share links: 256 random bits, handed out once, stored only
//!   as their SHA-256 digest ([`secret::digest`]).
//! - [`password`]: Argon2id hashes of users' passwords and the one-time passwords new users get.
//! - [`throttle::Throttle`]: failed logins counted per account and per address; too many and the key waits.
//! - [`policy`]: the [`Principal`] behind a request (the local owner, a signed-in user with their teams, an
//!   agent token, a share link, nobody) and what it may do with a session ([`SessionAccess`]).
//!
//! Nothing here touches the network or a database: the server resolves the principal from its store and asks
//! this crate for the decision.

pub mod password;
pub mod policy;
pub mod secret;
pub mod throttle;

pub use policy::{Principal, SessionAccess};

/// Longest user name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;

/// A user name as typed, trimmed, if it can be one: 1 to [`MAX_NAME_BYTES`] bytes, no control characters.
pub fn user_name(raw: &str) -> Result<&str, String> {
    let name = raw.trim();
    if name.is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        return Err(format!("a user name is 1 to {MAX_NAME_BYTES} bytes without control characters, not {raw:?}"));
    }
    Ok(name)
}

/// What can go wrong here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system's random source failed.
    #[error("no randomness from the operating system: {0}")]
    Random(getrandom::Error),
    /// A stored password hash is not a PHC string this crate can check.
    #[error("stored password hash unreadable: {0}")]
    BadHash(argon2::password_hash::Error),
    /// Hashing failed (parameters out of range).
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(super::user_name("  olga "), Ok("olga"));
        assert!(super::user_name("   ").is_err());
        assert!(super::user_name("a\nb").is_err());
        assert!(super::user_name(&"x".repeat(65)).is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_a_name_or_a_clear_refusal(raw in any::<String>()) {
            match super::user_name(&raw) {
                Ok(name) => prop_assert!(!name.is_empty() && name.len() <= super::MAX_NAME_BYTES && raw.contains(name)),
                Err(why) => prop_assert!(why.contains("user name")),
            }
        }
    }
}
