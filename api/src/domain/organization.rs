//! Organizations: the units accounts belong to. Not personal data: any signed-in account reads
//! them (a teacher picks a school, a reporter sees where a report went).

use entity::{enums::OrganizationKind, organization, region};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, LikeExpr},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        escape_like,
        page::{self, Page, Slice},
        values::RegionPath,
    },
    error::ApiResult,
    policy::scope,
};

/// Which organizations to list.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    /// Only units of these kinds.
    pub kinds: Option<Vec<OrganizationKind>>,
    /// Only units serving this region or a region under it.
    pub within_region: Option<Uuid>,
    /// Only units whose name contains this text.
    pub name_contains: Option<String>,
}

/// The sort key of the organization list: name, then id.
pub type OrganizationKey = (String, Uuid);

/// Lists organizations by name.
pub async fn list(
    db: &impl ConnectionTrait,
    _principal: &Principal,
    filter: OrganizationFilter,
    page: Page<OrganizationKey>,
) -> ApiResult<Slice<organization::Model>> {
    let mut query = organization::Entity::find();
    if let Some(kinds) = filter.kinds {
        query = query.filter(organization::Column::Kind.is_in(kinds));
    }
    if let Some(within) = filter.within_region {
        let Some(root) = region::Entity::find_by_id(within).one(db).await? else {
            return Ok(page.nothing());
        };
        let subtree = region::Entity::find()
            .select_only()
            .column(region::Column::Id)
            .filter(scope::within(
                region::Column::Path,
                &RegionPath::from(root.path),
            ))
            .into_query();
        query = query.filter(organization::Column::RegionId.in_subquery(subtree));
    }
    if let Some(text) = filter.name_contains.filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", escape_like(text.trim()));
        query = query.filter(
            Expr::col(organization::Column::Name).like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    Ok(page::read(
        db,
        query,
        |query| query.cursor_by((organization::Column::Name, organization::Column::Id)),
        page,
    )
    .await?)
}

/// One organization.
pub async fn find(
    db: &impl ConnectionTrait,
    _principal: &Principal,
    id: Uuid,
) -> ApiResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id).one(db).await?)
}
