//! Dropout cases and the unit inbox.

use async_graphql::{Context, Object, Result};

use crate::{
    domain,
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        schooling::types::{DropoutCase, DropoutState},
    },
};

/// Schooling queries.
#[derive(Default)]
pub struct SchoolingQuery;

#[Object]
impl SchoolingQuery {
    /// Dropout cases of the children you may see, newest first.
    async fn dropout_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only cases in these states.")] states: Option<Vec<DropoutState>>,
        #[graphql(desc = "How many cases to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the cases after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<DropoutCase>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let states = states.map(|s| s.into_iter().map(Into::into).collect());
        let slice = domain::schooling::cases(ctx.db(), &actor, states, page).await?;
        Ok(paging.connection(ctx, slice, |c| c.id, DropoutCase))
    }
}
