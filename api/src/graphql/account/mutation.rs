//! Sign-in, token rotation and sign-out.

use async_graphql::{Context, Object, Result};

use crate::{
    domain,
    graphql::{
        account::types::{LoginInput, LoginPayload, LogoutInput, LogoutPayload, RefreshTokenInput},
        context::ContextExt,
    },
};

/// Account mutations.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs in. An unknown username, a wrong password and a disabled account all answer
    /// `UNAUTHENTICATED`; too many attempts for one username or from one address answer
    /// `RATE_LIMITED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Username and password.")] input: LoginInput,
    ) -> Result<LoginPayload> {
        let tokens = domain::account::login(
            &ctx.state().accounts(),
            &input.username,
            &input.password,
            &ctx.meta(),
        )
        .await?;
        Ok(tokens.into())
    }

    /// Exchanges a refresh token for a new access and refresh token.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token to exchange.")] input: RefreshTokenInput,
    ) -> Result<LoginPayload> {
        let tokens =
            domain::account::refresh(&ctx.state().accounts(), &input.refresh_token, &ctx.meta())
                .await?;
        Ok(tokens.into())
    }

    /// Signs out this device (the refresh token given, else the session of the access token in
    /// use) and, with `everywhere`, every device.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to sign out of.")] input: LogoutInput,
    ) -> Result<LogoutPayload> {
        let principal = ctx.principal()?;
        domain::account::logout(
            &ctx.state().accounts(),
            principal,
            input.refresh_token.as_deref(),
            input.everywhere,
            &ctx.meta(),
        )
        .await?;
        Ok(LogoutPayload { revoked: true })
    }
}
