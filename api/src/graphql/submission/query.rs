//! Listing submissions of the ledger.

use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        submission::types::LedgerSubmission,
    },
};

/// Submission queries.
#[derive(Default)]
pub struct SubmissionQuery;

#[Object]
impl SubmissionQuery {
    /// The latest submissions of the ledger (at most 40) of regions in your jurisdiction, or
    /// of the region `regionId`, newest first.
    async fn ledger_submissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this region's submissions.")] region_id: Option<ID>,
    ) -> Result<Vec<LedgerSubmission>> {
        let actor = ctx.actor()?;
        let region = ids::optional(region_id, Kind::Region, "regionId")?;
        let found = domain::submission::list(ctx.db(), actor.principal, region).await?;
        Ok(found.into_iter().map(LedgerSubmission).collect())
    }
}
