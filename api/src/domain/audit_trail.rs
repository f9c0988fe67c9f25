//! Reading the audit trail: who touched a record and when.

use entity::{audit_event, audit_subject};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::{
    domain::{
        Actor, account, child, guardian,
        page::{self, Page, Slice},
        report,
    },
    error::{ApiError, ApiResult},
};

/// Whether the caller may see the record the trail is about: the trail of a record outside
/// their scope is as absent as the record (who read a child is itself about the child).
async fn subject_visible(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    kind: &str,
    subject: Uuid,
) -> ApiResult<bool> {
    let found = match kind {
        "Child" => child::get(db, actor, subject).await.map(drop),
        "Guardian" => guardian::get(db, actor, subject).await.map(drop),
        "Report" => report::get(db, actor, subject).await.map(drop),
        "Account" => account::find(db, actor.principal, subject)
            .await?
            .map(drop)
            .ok_or(ApiError::NotFound),
        "Organization" => Ok(()),
        _ => Err(ApiError::NotFound),
    };
    match found {
        Ok(()) => Ok(true),
        Err(ApiError::NotFound) => Ok(false),
        Err(err) => Err(err),
    }
}

/// The events about the record `subject` of kind `kind` (`Child`, `Guardian`, `Report`,
/// `Account`, `Organization`), newest first; none when the caller may not see the record.
/// Who may call this at all is the policy's business (`Query.auditTrail`).
pub async fn for_subject(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    kind: &str,
    subject: Uuid,
    page: Page<Uuid>,
) -> ApiResult<Slice<audit_event::Model>> {
    if !subject_visible(db, actor, kind, subject).await? {
        return Ok(Slice {
            items: Vec::new(),
            has_next_page: false,
        });
    }
    let events = audit_subject::Entity::find()
        .select_only()
        .column(audit_subject::Column::EventId)
        .filter(audit_subject::Column::SubjectId.eq(subject))
        .filter(audit_subject::Column::SubjectType.eq(kind))
        .into_query();
    let mut cursor = audit_event::Entity::find()
        .filter(audit_event::Column::Id.in_subquery(events))
        .cursor_by(audit_event::Column::Id);
    cursor.desc();
    Ok(page::read(db, cursor, page).await?)
}
