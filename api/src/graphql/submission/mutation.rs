//! Submitting the ledger.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::{
    domain,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        submission::types::LedgerSubmission,
    },
};

/// A submission to make.
#[derive(InputObject)]
pub struct SubmitLedgerInput {
    /// The region to submit, within your jurisdiction (a township, a county).
    pub region_id: ID,
}

/// The result of submitting the ledger.
#[derive(SimpleObject)]
pub struct SubmitLedgerPayload {
    /// The submission.
    pub submission: LedgerSubmission,
}

/// Submission mutations.
#[derive(Default)]
pub struct SubmissionMutation;

#[Object]
impl SubmissionMutation {
    /// Submits the ledger of a region (每季度报送): the children you may see in it never
    /// submitted for the region or whose record changed since its previous submissions took it
    /// (every child for its first), marked new, changed or closed. Download it from
    /// `GET /exports/ledger.xlsx?submissionId=<id>`. Of two submissions of a region made at the
    /// same moment, one may be refused with `CONFLICT`.
    async fn submit_ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region.")] input: SubmitLedgerInput,
    ) -> Result<SubmitLedgerPayload> {
        let actor = ctx.actor()?;
        let region = ids::expect(Kind::Region, &input.region_id, "input.regionId")?;
        let submission = domain::submission::submit(ctx.state().store(), &actor, region).await?;
        Ok(SubmitLedgerPayload {
            submission: LedgerSubmission(submission),
        })
    }
}
