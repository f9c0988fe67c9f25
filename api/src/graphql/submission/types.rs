//! The `LedgerSubmission` type.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::ledger_submission;

use crate::graphql::{
    context::ContextExt,
    ids::{self, Kind},
    region::types::Region,
};

/// A region's submission of the ledger's changes.
pub struct LedgerSubmission(pub ledger_submission::Model);

/// A quarterly submission of the ledger (每季度报送): the children of a region registered,
/// changed or closed since the region's previous submissions. Download it in the
/// national form from `GET /exports/ledger.xlsx?submissionId=<id>` (or `.csv`), as often as
/// needed: it always holds the same children (their rows read as they are now).
#[Object]
impl LedgerSubmission {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::LedgerSubmission, self.0.id)
    }

    /// The region submitted for.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(
            crate::domain::region::find(ctx.db(), ctx.actor()?.principal, self.0.region_id)
                .await?
                .map(Region),
        )
    }

    /// Its number among the region's submissions, from 1.
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }

    /// When the region's previous submission was made; null for the region's first, which
    /// holds every child.
    async fn since(&self) -> Option<DateTime<Utc>> {
        self.0.since
    }

    /// When it was made.
    async fn until(&self) -> DateTime<Utc> {
        self.0.until
    }

    /// Children not in the region's earlier submissions (in a first submission, every child).
    async fn new_records(&self) -> i32 {
        self.0.new_records
    }

    /// Children submitted before whose records changed since.
    async fn changed_records(&self) -> i32 {
        self.0.changed_records
    }

    /// Children submitted before as followed (`ACTIVE`) and no longer followed now.
    async fn closed_records(&self) -> i32 {
        self.0.closed_records
    }
}
