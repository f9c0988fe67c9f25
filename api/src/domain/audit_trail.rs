//! Reading the audit trail: who touched a record and when.

use entity::audit_event;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    domain::{
        Actor,
        page::{self, Page, Slice},
    },
    error::ApiResult,
};

/// The events about `subject`, newest first. Who may call this is the policy's business
/// (`Query.auditTrail`); the trail itself is not row-scoped.
pub async fn for_subject(
    db: &impl ConnectionTrait,
    _actor: &Actor<'_>,
    subject: Uuid,
    page: Page<Uuid>,
) -> ApiResult<Slice<audit_event::Model>> {
    let mut cursor = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectId.eq(subject))
        .cursor_by(audit_event::Column::Id);
    cursor.desc();
    Ok(page::read(db, cursor, page).await?)
}
