//! Organization queries.

use async_graphql::{Context, Object, Result};

use crate::{
    domain::{self, organization::OrganizationKey},
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
        organization::types::{Organization, OrganizationFilter},
    },
};

/// Organization queries.
#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// Organizations ordered by name, a page at a time (`first` at most 100, default 20).
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the organizations must all meet.")] filter: Option<
            OrganizationFilter,
        >,
        #[graphql(desc = "How many organizations to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the organizations after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Organization>> {
        let principal = ctx.principal()?;
        let (page, paging) = connection::page::<OrganizationKey>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let within_region = ids::optional(filter.region_id, Kind::Region, "filter.regionId")?;
        let filter = domain::organization::OrganizationFilter {
            kinds: filter
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            within_region,
            name_contains: filter.name_contains,
        };
        let slice = domain::organization::list(ctx.db(), principal, filter, page).await?;
        Ok(paging.connection(ctx, slice, |o| (o.name.clone(), o.id), Organization))
    }
}
