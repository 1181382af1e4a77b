//! Users' passwords: Argon2id with the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's
//! minimum for Argon2id), stored as PHC strings so the parameters travel with each hash.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;

/// Shortest password a user may choose.
pub const MIN_LEN: usize = 10;

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The PHC string of `password` under a fresh random salt.
pub fn hash(password: &str) -> Result<String, crate::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(crate::Error::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(crate::Error::Hash)?;
    Ok(hasher().hash_password(password.as_bytes(), &salt).map_err(crate::Error::Hash)?.to_string())
}

/// Whether `password` matches the stored PHC string `stored`.
pub fn verify(password: &str, stored: &str) -> Result<bool, crate::Error> {
    let parsed = PasswordHash::new(stored).map_err(crate::Error::BadHash)?;
    match hasher().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(crate::Error::BadHash(e)),
    }
}

/// A hash to check against when the account does not exist, so a wrong name costs as long as a wrong
/// password and timing does not tell which names exist.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("not a password of anyone").unwrap_or_default())
}

/// A one-time password for a new user: 16 random bytes as URL-safe base64 (22 characters, 128 bits).
pub fn generate() -> Result<String, crate::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(crate::Error::Random)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Why a chosen password is refused, if it is.
pub fn weakness(password: &str) -> Option<String> {
    (password.chars().count() < MIN_LEN).then(|| format!("a password needs at least {MIN_LEN} characters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_accepts_its_password_only_and_salts_differ() {
        let h = hash("correct horse battery").expect("ok");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h).expect("ok"));
        assert!(!verify("correct horse batterz", &h).expect("ok"));
        assert_ne!(h, hash("correct horse battery").expect("ok"));
    }

    #[test]
    fn an_unreadable_hash_is_an_error_not_a_match() {
        assert!(matches!(verify("x", "plaintext"), Err(crate::Error::BadHash(_))));
        assert!(!verify("x", decoy()).expect("ok"));
    }

    #[test]
    fn generated_passwords_pass_the_length_rule() {
        let p = generate().expect("ok");
        assert_eq!(p.len(), 22);
        assert_eq!(weakness(&p), None);
        assert!(weakness("short").is_some());
    }
}
