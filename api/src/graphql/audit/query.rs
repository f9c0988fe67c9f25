//! Audit trail queries.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::{
    domain,
    domain::kind::Kind,
    error::ApiError,
    graphql::{
        audit::types::{AuditEvent, ChildAccessReport},
        connection::{self, Connection},
        context::ContextExt,
        ids,
    },
};

/// Audit trail queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Who touched a record and when, newest first: writes, reads of sensitive fields and
    /// sign-ins. For civil affairs officers and administrators.
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The global ID of the record (a child, a guardian, a report, an account, an \
                    organization); a record outside your scope has no trail for you."
        )]
        subject_id: ID,
        #[graphql(desc = "How many events to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the events after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<AuditEvent>> {
        let actor = ctx.actor()?;
        let (kind, subject) = ids::decode(&subject_id)
            .ok_or_else(|| ApiError::bad_input("subjectId", "not a global ID"))?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let slice =
            domain::audit_trail::for_subject(ctx.db(), &actor, kind.name(), subject, page).await?;
        Ok(paging.connection(ctx, slice, |e| e.id, AuditEvent))
    }

    /// Who read or changed one child's record in a period, with the fields, grouped by account
    /// and action: for a guardian's request under the Personal Information Protection Law. For
    /// civil affairs officers, for the children of their jurisdiction (any other child is not
    /// found). The report itself is recorded in the child's trail.
    async fn child_access_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child's global ID.")] child_id: ID,
        #[graphql(desc = "The period's start (inclusive); the whole trail when omitted.")]
        from: Option<DateTime<Utc>>,
        #[graphql(desc = "The period's end (exclusive); up to now when omitted.")] until: Option<
            DateTime<Utc>,
        >,
    ) -> Result<ChildAccessReport> {
        let actor = ctx.actor()?;
        let child = ids::expect(ids::Kind::Child, &child_id, "childId")?;
        if let (Some(from), Some(until)) = (from, until)
            && until <= from
        {
            return Err(ApiError::bad_input("until", "must be after `from`").into());
        }
        let state = ctx.state();
        let report =
            domain::audit_trail::access_report(&state.db, &actor, child, from, until).await?;
        state
            .audit
            .send(
                actor
                    .event("audit.access_report")
                    .on(Kind::Child, child)
                    .with(serde_json::json!({ "from": from, "until": until })),
            )
            .await;
        Ok(ChildAccessReport {
            from,
            until,
            report,
        })
    }
}
