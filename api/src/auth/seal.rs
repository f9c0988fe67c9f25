//! Sealed values: authenticated encryption (XChaCha20-Poly1305) under a key derived from the
//! service's secret, so that what the service hands a client to give back later (a cursor) can
//! be neither read nor altered by it, and is bound to what it was issued for.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use rand::RngCore;
use sha2::{Digest, Sha256};

const NONCE_BYTES: usize = 24;

/// Seals and opens values under one key. Every instance built from the same secret and purpose
/// opens what any of them sealed.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// A sealer for `purpose` (e.g. `"cursor"`), its key derived from `secret`, so that values
    /// sealed for one purpose never open for another.
    pub fn new(secret: &[u8], purpose: &str) -> Self {
        let key = Sha256::new()
            .chain_update(b"shouhu seal v1\0")
            .chain_update(purpose.as_bytes())
            .chain_update(b"\0")
            .chain_update(secret)
            .finalize();
        Self {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// `plaintext` sealed and bound to `context`, as URL-safe base64.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        // Encryption into a Vec cannot fail for messages of this size.
        let ciphertext = self
            .cipher
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// The plaintext of a value this sealer sealed for the same `context`; `None` for anything
    /// else (garbled, altered, sealed with another key or for another context).
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.as_bytes()).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let sealer = Sealer::new(b"a secret of the service", "cursor");
        let sealed = sealer.seal(b"[\"name\"]", b"account-1|children");
        assert_eq!(
            sealer.open(&sealed, b"account-1|children").as_deref(),
            Some(&b"[\"name\"]"[..])
        );
        assert!(!sealed.contains("name"));
        assert_eq!(sealer.open(&sealed, b"account-2|children"), None);
        assert_eq!(
            Sealer::new(b"another secret", "cursor").open(&sealed, b"account-1|children"),
            None
        );
        assert_eq!(
            Sealer::new(b"a secret of the service", "other").open(&sealed, b"account-1|children"),
            None
        );
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(sealer.open(&tampered, b"account-1|children"), None);
        assert_eq!(sealer.open("", b"account-1|children"), None);
        assert_eq!(sealer.open("%%%", b"account-1|children"), None);
    }
}
