//! The audit trail's keys, which never enter the database: the MAC key every event is
//! authenticated with when it is created, and the Ed25519 key each sealed batch is signed with.
//! `shouhu audit keygen` makes a set for a deployment.

use std::{path::PathBuf, sync::Arc};

use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::{auth::token::random_bytes, config::AuditConfig};

/// The MAC key, keyed once; cheap to clone.
#[derive(Clone)]
pub struct MacKey(Arc<Hmac<Sha256>>);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(…)")
    }
}

impl MacKey {
    fn new(key: &[u8]) -> Self {
        // HMAC takes a key of any length; ours are 32 bytes.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
        Self(Arc::new(mac))
    }

    /// The MAC of `content`, in lower-case hex.
    pub fn tag(&self, content: &[u8]) -> String {
        crate::auth::token::hex(&self.tag_bytes(content))
    }

    /// The MAC of `content`.
    pub fn tag_bytes(&self, content: &[u8]) -> [u8; 32] {
        let mut mac = (*self.0).clone();
        mac.update(content);
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `content` in the form [`MacKey::tag`] writes (lower-case
    /// hex, so that no second spelling of a MAC verifies), compared in constant time.
    pub fn verifies(&self, content: &[u8], tag: &str) -> bool {
        if tag.bytes().any(|b| b.is_ascii_uppercase()) {
            return false;
        }
        let Some(bytes) = from_hex(tag) else {
            return false;
        };
        let mut mac = (*self.0).clone();
        mac.update(content);
        mac.verify_slice(&bytes).is_ok()
    }
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What the audit trail is protected with.
#[derive(Clone)]
pub struct AuditKeys {
    /// Authenticates each event as it is created.
    pub mac: MacKey,
    /// Signs each sealed batch's head.
    signing: SigningKey,
    /// Where checkpoints are appended.
    pub checkpoint_file: PathBuf,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys")
            .field("verifying_key", &self.verifying_key_text())
            .field("checkpoint_file", &self.checkpoint_file)
            .finish_non_exhaustive()
    }
}

impl AuditKeys {
    /// The configured keys; each one missing is generated for this process, with a warning.
    pub fn from_config(config: &AuditConfig) -> anyhow::Result<Self> {
        let mac = match &config.mac_key {
            Some(key) => decode_key(key, "audit.mac_key")?,
            None => {
                tracing::warn!(
                    "no audit.mac_key configured: generated one for this process; audit events \
                     it writes cannot be verified after it stops, and events other instances \
                     write will be refused (run `shouhu audit keygen` and set \
                     SHOUHU_AUDIT__MAC_KEY in production)"
                );
                random_key()
            }
        };
        let signing = match &config.signing_key {
            Some(key) => decode_key(key, "audit.signing_key")?,
            None => {
                tracing::warn!(
                    "no audit.signing_key configured: generated one for this process; the \
                     batches it seals cannot be verified after it stops, and after a restart the \
                     sealer will not chain onto them (run `shouhu audit keygen` and set \
                     SHOUHU_AUDIT__SIGNING_KEY in production)"
                );
                random_key()
            }
        };
        Ok(Self {
            mac: MacKey::new(&mac),
            signing: SigningKey::from_bytes(&signing),
            checkpoint_file: config.checkpoint_file.clone(),
        })
    }

    /// Signs a batch head.
    pub fn sign(&self, head: &[u8]) -> String {
        STANDARD.encode(self.signing.sign(head).to_bytes())
    }

    /// Whether `signature` (base64) is this deployment's signature of `head`.
    pub fn signed(&self, head: &[u8], signature: &str) -> bool {
        let Ok(bytes) = STANDARD.decode(signature) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&bytes) else {
            return false;
        };
        self.verifying_key().verify(head, &signature).is_ok()
    }

    /// The public half of the signing key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The public key as checkpoints name it (base64).
    pub fn verifying_key_text(&self) -> String {
        STANDARD.encode(self.verifying_key().to_bytes())
    }
}

fn decode_key(key: &SecretString, name: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD
        .decode(key.expose_secret().trim())
        .map_err(|_| anyhow::anyhow!("{name} must be base64 (as `shouhu audit keygen` prints)"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("{name} must be 32 bytes, base64-encoded"))
}

fn random_key() -> [u8; 32] {
    let mut key = [0_u8; 32];
    key.copy_from_slice(&random_bytes(32));
    key
}

/// A fresh MAC key and signing key, with the public key, as lines for an environment file.
pub fn keygen(checkpoint_file: &std::path::Path) -> String {
    let mac = random_key();
    let signing = SigningKey::from_bytes(&random_key());
    format!(
        "# Shouhu audit keys, made {}. Keep the first two secret; give the public key to auditors.\n\
         # Public key (checkpoint signatures): {}\n\
         SHOUHU_AUDIT__MAC_KEY={}\n\
         SHOUHU_AUDIT__SIGNING_KEY={}\n\
         SHOUHU_AUDIT__CHECKPOINT_FILE={}\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        STANDARD.encode(signing.verifying_key().to_bytes()),
        STANDARD.encode(mac),
        STANDARD.encode(signing.to_bytes()),
        checkpoint_file.display(),
    )
}
