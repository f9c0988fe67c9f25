//! Pairing queries: the pairing app's home screen and the school head's gaps.

use async_graphql::{Context, Object, Result};

use crate::{
    domain::{self, child::ChildKey},
    graphql::{
        child::types::Child,
        connection::{self, Connection},
        context::ContextExt,
    },
};

/// Pairing queries.
#[derive(Default)]
pub struct PairingQuery;

#[Object]
impl PairingQuery {
    /// The children you help as a teacher, by name: the pairing app's home screen. Ask for
    /// `guardians`, `lastVisitedAt`, `guardianContacts` and `parentContactOverdue` in the same
    /// query; they are batched.
    async fn my_paired_children(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only children not in touch with a parent working away for this many days (1 to 366), or never; with `totalCount`, how many need help to call home."
        )]
        no_parent_contact_in_days: Option<u32>,
        #[graphql(desc = "How many children to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the children after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Child>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<ChildKey>(ctx, first, after.as_deref())?;
        let filter = domain::child::ChildFilter {
            paired_with: Some(actor.principal.account_id),
            no_parent_contact_since: crate::graphql::child::inputs::silent_since(
                no_parent_contact_in_days,
                actor.now,
                "noParentContactInDays",
            )?,
            ..Default::default()
        };
        let order = domain::child::ChildOrder::Name;
        let columns = connection::node_columns(ctx, Child::COLUMNS);
        let db = ctx.db();
        let slice = domain::child::list(db, &actor, filter, order, page, columns).await?;
        Ok(paging.connection(ctx, slice, |c| order.key(c), Child))
    }

    /// Active children enrolled at your school without a helping teacher, by name (every
    /// left-behind child at school must have one).
    async fn unpaired_children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many children to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the children after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Child>> {
        let actor = ctx.actor()?;
        let (page, paging) =
            connection::page::<(String, uuid::Uuid)>(ctx, first, after.as_deref())?;
        let slice = domain::pairing::unpaired(ctx.db(), &actor, page).await?;
        Ok(paging.connection(ctx, slice, |c| (c.name.clone(), c.id), Child))
    }
}
