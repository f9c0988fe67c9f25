//! Dataloaders: each nested lookup is batched into one SQL statement per level of the query.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{organization, region};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{domain, error::ApiError};

/// Loads regions by id.
pub struct RegionLoader(pub DatabaseConnection);

impl Loader<Uuid> for RegionLoader {
    type Value = region::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::region::find_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads the regions directly under each parent region, by division code.
pub struct RegionChildrenLoader(pub DatabaseConnection);

impl Loader<Uuid> for RegionChildrenLoader {
    type Value = Vec<region::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::region::children_of_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        let mut grouped: HashMap<Uuid, Vec<region::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let Some(parent) = row.parent_id {
                grouped.entry(parent).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// Loads organizations by id.
pub struct OrganizationLoader(pub DatabaseConnection);

impl Loader<Uuid> for OrganizationLoader {
    type Value = organization::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::organization::find_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// The loaders of one request; each caches what it loaded for the rest of the request.
pub struct Loaders {
    /// Regions.
    pub regions: DataLoader<RegionLoader, HashMapCache>,
    /// Regions under a region.
    pub region_children: DataLoader<RegionChildrenLoader, HashMapCache>,
    /// Organizations.
    pub organizations: DataLoader<OrganizationLoader, HashMapCache>,
}

impl Loaders {
    /// Fresh loaders for one request.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            regions: DataLoader::with_cache(
                RegionLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            region_children: DataLoader::with_cache(
                RegionChildrenLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            organizations: DataLoader::with_cache(
                OrganizationLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
        }
    }
}

/// Turns a loader's shared error back into a GraphQL error.
pub fn loader_error(err: Arc<ApiError>) -> async_graphql::Error {
    match Arc::try_unwrap(err) {
        Ok(err) => err.into(),
        Err(shared) => ApiError::Internal(anyhow::anyhow!(shared.message())).into(),
    }
}
