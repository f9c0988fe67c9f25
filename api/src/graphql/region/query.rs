//! Region queries.

use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        region::types::Region,
    },
};

/// Region queries.
#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// The regions directly under `parentId`, or the top-level regions when it is omitted,
    /// ordered by division code. Walk down from the prefecture to counties, townships and
    /// villages.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region whose children to list; omit for the top level.")]
        parent_id: Option<ID>,
    ) -> Result<Vec<Region>> {
        let principal = ctx.principal()?;
        let parent = parent_id
            .map(|id| ids::expect(Kind::Region, &id, "parentId"))
            .transpose()?;
        let rows = domain::region::children_of(ctx.db(), principal, parent).await?;
        Ok(rows.into_iter().map(Region).collect())
    }
}
