//! The `Region` type.

use async_graphql::{Context, ID, Object, Result};
use entity::region;

use crate::graphql::{
    context::ContextExt,
    enums::RegionLevel,
    ids::{self, Kind},
};

/// The GraphQL `Region` object over a stored row; its description for clients is on the
/// `#[Object]` impl.
pub struct Region(pub region::Model);

impl Region {
    /// The region with this id, through the request's loader.
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Self>> {
        Ok(ctx.loaders().regions().one(id).await?.map(Self))
    }
}

/// An administrative region: prefecture, county, township or village. Jurisdictions are
/// regions: an account sees what lies in its organization's region and below.
#[Object]
impl Region {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Region, self.0.id)
    }

    /// The national administrative division code (行政区划代码), e.g. `652701`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The region's name, e.g. `博乐市`.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Where the region stands in the hierarchy.
    async fn level(&self) -> RegionLevel {
        self.0.level.into()
    }

    /// The division codes from the top of the hierarchy down to this region, joined by `/`.
    async fn path(&self) -> &str {
        &self.0.path
    }

    /// The region this one belongs to; null at the top.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(ctx.loaders().regions().one(parent).await?.map(Region))
    }

    /// The regions directly under this one, by division code.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        ctx.principal()?;
        let rows = ctx.loaders().region_children().of(self.0.id).await?;
        Ok(rows.into_iter().map(Region).collect())
    }
}
