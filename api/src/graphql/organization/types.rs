//! The `Organization` type and its list's filter.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::organization;

use crate::graphql::{
    context::ContextExt,
    enums::OrganizationKind,
    ids::{self, Kind},
    region::types::Region,
};

/// The GraphQL `Organization` object over a stored row; its description for clients is on the
/// `#[Object]` impl.
pub struct Organization(pub organization::Model);

impl Organization {
    /// The organization with this id, through the request's loader.
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Self>> {
        Ok(ctx.loaders().organizations().one(id).await?.map(Self))
    }
}

/// A unit: a bureau, a school, a police station, a village committee, an agency. Every account
/// belongs to one, and its region is the account's jurisdiction.
#[Object]
impl Organization {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organization, self.0.id)
    }

    /// A stable, unique code, used by imports and integrations.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The unit's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What kind of unit it is.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }

    /// Whether the unit's staff have a duty to report children in danger to the police (强制报告).
    async fn mandatory_reporter(&self) -> bool {
        self.0.mandatory_reporter
    }

    /// The region the unit serves.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }
}

/// Which organizations to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    /// Only units of these kinds.
    pub kinds: Option<Vec<OrganizationKind>>,
    /// Only units serving this region or a region under it.
    pub region_id: Option<ID>,
    /// Only units whose name contains this text.
    pub name_contains: Option<String>,
}
