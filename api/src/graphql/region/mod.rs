//! Regions in the GraphQL API.

pub mod query;
pub mod types;

use async_graphql::{Context, ID};

use crate::{
    domain,
    domain::values::RegionPath,
    error::ApiError,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
    },
};

/// The materialized path of a region filter argument (`field` names it in errors). An unknown
/// region gives a path no record has, so the filter matches nothing.
pub async fn filter_path(
    ctx: &Context<'_>,
    region_id: Option<ID>,
    field: &str,
) -> Result<Option<RegionPath>, ApiError> {
    let Some(id) = region_id else {
        return Ok(None);
    };
    let region = ids::expect(Kind::Region, &id, field)?;
    let found = domain::region::find(ctx.db(), ctx.principal()?, region).await?;
    Ok(Some(RegionPath::from(
        found.map_or_else(|| "-".to_owned(), |r| r.path),
    )))
}

/// The region an argument names (`field` names it in errors): `BAD_USER_INPUT` when there is
/// no such region.
pub async fn find_input(
    ctx: &Context<'_>,
    id: &ID,
    field: &str,
) -> Result<entity::region::Model, ApiError> {
    let region = ids::expect(Kind::Region, id, field)?;
    domain::region::find(ctx.db(), ctx.principal()?, region)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such region"))
}
