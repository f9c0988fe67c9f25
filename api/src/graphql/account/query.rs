//! Account queries.

use async_graphql::{Context, Object, Result};

use crate::{
    domain,
    error::ApiError,
    graphql::{account::types::Account, context::ContextExt},
};

/// Account queries.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in account: who the token belongs to, its role, organization and
    /// jurisdiction.
    async fn me(&self, ctx: &Context<'_>) -> Result<Account> {
        let principal = ctx.principal()?;
        let state = ctx.state();
        let account =
            domain::account::find(&state.db, &state.policy, principal, principal.account_id)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
        Ok(Account(account))
    }
}
