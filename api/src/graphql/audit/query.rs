//! Audit trail queries.

use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain,
    error::ApiError,
    graphql::{
        audit::types::AuditEvent,
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
        let page = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let slice =
            domain::audit_trail::for_subject(&ctx.state().db, &actor, kind.name(), subject, page)
                .await?;
        Ok(connection::connection(
            ctx,
            slice,
            after.is_some(),
            |e| e.id,
            AuditEvent,
        ))
    }
}
