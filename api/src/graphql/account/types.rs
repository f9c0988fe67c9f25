//! The `Account` type and the sign-in inputs and payloads.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::account;

use crate::{
    domain::account::IssuedTokens,
    graphql::{
        context::ContextExt,
        enums::Role,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
    },
};

/// The GraphQL `Account` object over a stored row; its description for clients is on the
/// `#[Object]` impl.
pub struct Account(pub account::Model);

/// A person who signs in.
#[Object]
impl Account {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Account, self.0.id)
    }

    /// The login name.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// How the person is shown to colleagues.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// What the account may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// Whether the account is disabled (it can then neither sign in nor use its tokens).
    async fn disabled(&self) -> bool {
        self.0.disabled
    }

    /// Whether the password is a one-time password an administrator set, which the person
    /// has yet to replace (`changePassword`); until then the account signs in nowhere.
    async fn must_change_password(&self) -> bool {
        self.0.must_change_password
    }

    /// The unit the person works for.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// The region the account's rows are drawn from: its organization's region.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(organization) = ctx
            .loaders()
            .organizations()
            .one(self.0.organization_id)
            .await?
        else {
            return Ok(None);
        };
        Region::load(ctx, organization.region_id).await
    }
}

/// Credentials to sign in with.
#[derive(InputObject)]
pub struct LoginInput {
    /// The login name (case does not matter).
    pub username: String,
    /// The password.
    #[graphql(secret)]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from the last `login` or `refreshToken`. It works once: the answer
    /// carries its successor. Presenting a used one again signs every device of the family out.
    #[graphql(secret)]
    pub refresh_token: String,
}

/// What to sign out of.
#[derive(InputObject)]
pub struct LogoutInput {
    /// The refresh token of this device, revoked with every token rotated from it. Without it,
    /// the session of the access token this request carries is revoked.
    #[graphql(secret)]
    pub refresh_token: Option<String>,
    /// Also revoke every other refresh token and every access token of the account.
    #[graphql(default)]
    pub everywhere: bool,
}

/// Tokens for a signed-in account.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <accessToken>`. Short-lived (15 minutes by default).
    pub access_token: String,
    /// When the access token expires.
    pub access_token_expires_at: DateTime<Utc>,
    /// Exchange with `refreshToken` for a new pair before it expires. Keep it secret; it works
    /// once.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The account signed in.
    pub account: Account,
}

impl From<IssuedTokens> for LoginPayload {
    fn from(tokens: IssuedTokens) -> Self {
        Self {
            access_token: tokens.access_token,
            access_token_expires_at: tokens.access_expires_at,
            refresh_token: tokens.refresh_token,
            refresh_token_expires_at: tokens.refresh_expires_at,
            account: Account(tokens.account),
        }
    }
}

/// The outcome of signing out.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always true: the tokens named are revoked.
    pub revoked: bool,
}
