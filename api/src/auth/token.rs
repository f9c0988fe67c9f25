//! Access tokens (HS256 JWTs) and opaque refresh tokens.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::JwtConfig;

/// The claims of an access token. They say who and which session, nothing more: the role,
/// organization and jurisdiction a request acts with come from the account as the database has
/// it, so a token re-signed with a wider region or another role gains nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account.
    pub sub: Uuid,
    /// The session: the refresh-token family the token was issued in. Revoking the family
    /// (logout on this device, refresh-token reuse) refuses the token at once.
    pub sid: Uuid,
    /// The account's token version when issued; a bump revokes the token.
    pub tv: i32,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires at (seconds).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}

/// Issues and checks access tokens. Only HS256 is accepted: a token signed with any other
/// algorithm, or with `alg: none`, is refused.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: TimeDelta,
    refresh_ttl: TimeDelta,
}

impl TokenService {
    /// Builds the service from the secret [`secret`] chose.
    pub fn new(config: &JwtConfig, secret: &[u8]) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: TimeDelta::seconds(i64::try_from(config.access_ttl_secs)?),
            refresh_ttl: TimeDelta::seconds(i64::try_from(config.refresh_ttl_secs)?),
        })
    }

    /// How long refresh tokens live.
    pub fn refresh_ttl(&self) -> TimeDelta {
        self.refresh_ttl
    }

    /// Signs an access token; returns it with its expiry.
    pub fn issue(
        &self,
        subject: &AccessSubject,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let expires_at = now + self.access_ttl;
        let claims = Claims {
            sub: subject.account_id,
            sid: subject.session_id,
            tv: subject.token_version,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, expires_at))
    }

    /// Checks signature, algorithm, expiry, issuer and audience. Any failure is `None`: the
    /// client is told only that it is unauthenticated.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Some(data.claims),
            Err(err) => {
                tracing::debug!(reason = %err, "access token refused");
                None
            }
        }
    }
}

/// The service's secret: the configured one (at least 32 bytes), or one generated for this
/// process (with a warning). Tokens are signed with it and cursors sealed under a key derived
/// from it, so every instance of a deployment must share it.
pub fn secret(config: &JwtConfig) -> anyhow::Result<Vec<u8>> {
    match &config.secret {
        Some(secret) => {
            let bytes = secret.expose_secret().as_bytes().to_vec();
            anyhow::ensure!(
                bytes.len() >= 32,
                "jwt.secret must be at least 32 bytes long"
            );
            Ok(bytes)
        }
        None => {
            tracing::warn!(
                "no jwt.secret configured: generated one for this process; tokens and cursors \
                 will not survive a restart (set SHOUHU_JWT__SECRET in production)"
            );
            Ok(random_bytes(32))
        }
    }
}

/// What an access token is issued for.
pub struct AccessSubject {
    /// The account.
    pub account_id: Uuid,
    /// The session (refresh-token family).
    pub session_id: Uuid,
    /// Its current token version.
    pub token_version: i32,
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(32))
}

/// The form a refresh token is stored in: hex SHA-256.
pub fn hash_refresh_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// `n` bytes from the operating system's random source.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}
