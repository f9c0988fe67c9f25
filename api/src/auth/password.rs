//! argon2id password hashing.

use std::sync::LazyLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

/// The fewest characters a password may have.
pub const MIN_LENGTH: usize = 12;

/// The most: argon2 hashes any length, but a megabyte-long password would cost every sign-in.
pub const MAX_LENGTH: usize = 128;

/// Passwords of the accepted length that lists of leaked passwords hold near the top (in lower
/// case): refused whatever their length.
const COMMON: [&str; 36] = [
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "123456654321",
    "123123123123",
    "147258369147",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "!qaz2wsx#edc",
    "1qaz@wsx3edc",
    "zaq12wsxcde3",
    "qazwsxedcrfv",
    "1234qwerasdf",
    "qwer1234asdf",
    "qwertyuiop123",
    "abc123456789",
    "123456789abc",
    "a123456789012",
    "aa1234567890",
    "qq1234567890",
    "password1234",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "iloveyou1234",
    "woaini1314520",
    "woaini520520",
    "5201314520131",
    "admin1234567",
    "administrator",
    "welcome12345",
    "changeme1234",
    "letmein12345",
    "shouhu123456",
    "shouhu@123456",
];

/// Runs along a keyboard row or the digits, either way: a password that is a stretch of one of
/// these is refused.
const RUNS: [&str; 3] = [
    "0123456789012345678901234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
];

/// Why `password` may not be the password of `username`, in words for the person choosing it,
/// or `None` when it may: at least [`MIN_LENGTH`] and at most [`MAX_LENGTH`] characters, not
/// containing the username, not one character repeated or a run of the keyboard or the
/// digits, and not one of the most common passwords.
pub fn refusal(password: &str, username: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some("must be at least 12 characters");
    }
    if length > MAX_LENGTH {
        return Some("must be at most 128 characters");
    }
    let lower = password.to_lowercase();
    let username = username.trim().to_lowercase();
    if username.chars().count() >= 3 && lower.contains(&username) {
        return Some("must not contain the username");
    }
    let mut characters = lower.chars();
    let first = characters.next();
    if characters.all(|c| Some(c) == first) {
        return Some("must not be one character repeated");
    }
    let reversed: String = lower.chars().rev().collect();
    if RUNS
        .iter()
        .any(|run| run.contains(&lower) || run.contains(&reversed))
    {
        return Some("must not be a run of the keyboard or of the digits");
    }
    if COMMON.contains(&lower.as_str()) {
        return Some("is one of the most common passwords: choose another");
    }
    None
}

/// Hashes a password with argon2id and a fresh salt, in PHC string format.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Whether `password` matches `stored`. An unparsable hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash no password is known to match; an unknown username is checked against it so that
/// it takes as long to refuse as a wrong password.
pub static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(uuid::Uuid::now_v7().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let refused = |password: &str| refusal(password, "zhang.wei");

        assert_eq!(refused("short-one"), Some("must be at least 12 characters"));
        assert_eq!(
            refused(&"x".repeat(129)),
            Some("must be at most 128 characters")
        );
        assert_eq!(
            refused("my-Zhang.Wei-2026"),
            Some("must not contain the username")
        );
        assert_eq!(
            refused("777777777777"),
            Some("must not be one character repeated")
        );
        for run in [
            "1234567890123",
            "09876543210987",
            "QWERTYUIOPASDF",
            "zyxwvutsrqpo",
        ] {
            assert_eq!(
                refused(run),
                Some("must not be a run of the keyboard or of the digits"),
                "{run}"
            );
        }
        assert_eq!(
            refused("1QAZ2wsx3edc"),
            Some("is one of the most common passwords: choose another")
        );
        assert_eq!(
            refused("绿水青山就是金山银山"),
            Some("must be at least 12 characters")
        );
        assert_eq!(refused("春眠不觉晓，处处闻啼鸟。"), None);
        assert_eq!(refused("correct horse battery"), None);
        assert!(
            COMMON
                .iter()
                .all(|p| p.chars().count() >= MIN_LENGTH && *p == p.to_lowercase())
        );
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong horse", &stored));
        assert!(!verify("anything", "not a hash"));
    }
}
