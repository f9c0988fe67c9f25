//! Regions: the administrative hierarchy. Not personal data: any signed-in account reads it.

use entity::region;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{auth::Principal, error::ApiResult};

/// The regions directly under `parent`, or the top-level ones, ordered by division code.
pub async fn children_of(
    db: &impl ConnectionTrait,
    _principal: &Principal,
    parent: Option<Uuid>,
) -> ApiResult<Vec<region::Model>> {
    let query = region::Entity::find();
    let query = match parent {
        Some(parent) => query.filter(region::Column::ParentId.eq(parent)),
        None => query.filter(region::Column::ParentId.is_null()),
    };
    Ok(query.order_by_asc(region::Column::Code).all(db).await?)
}

/// One region.
pub async fn find(
    db: &impl ConnectionTrait,
    _principal: &Principal,
    id: Uuid,
) -> ApiResult<Option<region::Model>> {
    Ok(region::Entity::find_by_id(id).one(db).await?)
}

/// The regions directly under each of `parents`, by division code, for dataloaders.
pub async fn children_of_many(
    db: &impl ConnectionTrait,
    parents: &[Uuid],
) -> ApiResult<Vec<region::Model>> {
    Ok(region::Entity::find()
        .filter(region::Column::ParentId.is_in(parents.iter().copied()))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?)
}
