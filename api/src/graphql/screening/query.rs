//! Campaign and hazard site queries.

use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;

use crate::{
    domain::screening,
    error::ApiError,
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
        region,
        screening::types::{HazardSite, ScreeningCampaign},
    },
};

/// Screening queries.
#[derive(Default)]
pub struct ScreeningQuery;

#[Object]
impl ScreeningQuery {
    /// The screening campaigns you take part in (those covering your region, and those inside
    /// your jurisdiction), newest first.
    async fn screening_campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only campaigns running on this day.")] on: Option<NaiveDate>,
        #[graphql(desc = "How many campaigns to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the campaigns after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<ScreeningCampaign>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let slice = screening::campaigns(ctx.db(), &actor, on, page).await?;
        Ok(paging.connection(ctx, slice, |c| c.id, ScreeningCampaign))
    }

    /// One campaign you take part in; null when there is none.
    async fn screening_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's ID.")] id: ID,
    ) -> Result<Option<ScreeningCampaign>> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::ScreeningCampaign, &id, "id")?;
        match screening::get_campaign(ctx.db(), &actor, id).await {
            Ok(found) => Ok(Some(ScreeningCampaign(found))),
            Err(ApiError::NotFound) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Hazard sites in your region (your jurisdiction, or the township your unit serves),
    /// highest risk first.
    async fn hazard_sites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only in this township or village.")] region_id: Option<ID>,
    ) -> Result<Vec<HazardSite>> {
        let actor = ctx.actor()?;
        let path = region::filter_path(ctx, region_id, "regionId").await?;
        Ok(screening::sites(ctx.db(), &actor, path.as_ref())
            .await?
            .into_iter()
            .map(HazardSite)
            .collect())
    }
}
