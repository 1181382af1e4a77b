//! Secrets handed to a client once: login cookies, agent tokens, share links.
//!
//! Each is 32 bytes from the operating system's random source (256 bits, beyond guessing), written as
//! URL-safe base64 after a short prefix saying what it is (`rc_agent_…`), and stored by the server only as
//! the hex SHA-256 of the whole string: a copy of the database authenticates nobody. A fast hash is right for
//! these (unlike passwords): with 256 random bits there is nothing to brute-force.

use base64::Engine;
use sha2::{Digest, Sha256};

/// What a secret is for; its prefix makes a leaked string recognisable (and greppable by secret scanners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A browser login session (cookie).
    Login,
    /// An agent token: streams for one team and driver.
    Agent,
    /// A share link: reads one session or lap.
    Share,
}

impl Kind {
    /// The prefix every secret of this kind starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Login => "rc_login_",
            Kind::Agent => "rc_agent_",
            Kind::Share => "rc_share_",
        }
    }
}

/// Random bytes per secret.
pub const SECRET_BYTES: usize = 32;

/// A new secret of `kind`.
pub fn generate(kind: Kind) -> Result<String, crate::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(crate::Error::Random)?;
    let mut out = String::with_capacity(kind.prefix().len() + 43);
    out.push_str(kind.prefix());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(bytes, &mut out);
    Ok(out)
}

/// Whether `text` looks like a secret of `kind` (prefix and length), before any database lookup.
pub fn looks_like(kind: Kind, text: &str) -> bool {
    text.strip_prefix(kind.prefix()).is_some_and(|rest| {
        rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// What the server stores and looks a secret up by: the lowercase hex SHA-256 of the whole string.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_prefixed_and_recognised() {
        let a = generate(Kind::Agent).expect("ok");
        let b = generate(Kind::Agent).expect("ok");
        assert_ne!(a, b);
        assert!(a.starts_with("rc_agent_"));
        assert!(looks_like(Kind::Agent, &a));
        assert!(!looks_like(Kind::Share, &a), "an agent token is not a share link");
        assert!(!looks_like(Kind::Agent, &a[..a.len() - 1]));
        assert!(!looks_like(Kind::Agent, &format!("{}!", &a[..a.len() - 1])));
    }

    proptest::proptest! {
        #[test]
        fn no_text_but_a_well_formed_secret_looks_like_one(raw in proptest::prelude::any::<String>()) {
            for kind in [Kind::Login, Kind::Agent, Kind::Share] {
                if looks_like(kind, &raw) {
                    proptest::prop_assert!(raw.starts_with(kind.prefix()) && raw.len() == kind.prefix().len() + 43);
                }
            }
        }
    }

    #[test]
    fn digest_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
