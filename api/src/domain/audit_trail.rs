//! Reading the audit trail: who touched a record and when, and a child's access report.

use entity::{account as account_model, audit_event, audit_subject, organization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
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

/// What an account did to a child's record, as an access report lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessKind {
    /// Read sensitive fields.
    Read,
    /// Created or changed the record or something recorded about the child (a visit, a
    /// pairing, a break-glass opening, …).
    Change,
}

/// One line of a child's access report: an account's reads or changes of one kind (one
/// action) in the period.
#[derive(Debug, Clone)]
pub struct AccessEntry {
    /// The account, when the event had one (a report from the public has none).
    pub account: Option<account_model::Model>,
    /// The account's unit.
    pub organization: Option<organization::Model>,
    /// The role the account acted in (the latest in the period).
    pub role: Option<String>,
    /// Read or change.
    pub kind: AccessKind,
    /// The action (`read`, `child.update`, `visit.record`, …).
    pub action: String,
    /// The fields read or changed (for reads, the child's fields; for changes, those whose
    /// value changed, or every field of a new record).
    pub fields: std::collections::BTreeSet<String>,
    /// The first time in the period.
    pub first_at: chrono::DateTime<chrono::Utc>,
    /// The last time in the period.
    pub last_at: chrono::DateTime<chrono::Utc>,
    /// How many times in the period.
    pub times: u64,
}

/// Events read per statement while building a report.
const REPORT_CHUNK: u64 = 1_000;

/// Who read or changed the child `child_id`'s record from `from` until `until` (either open),
/// its reads and writes and those of the records about it that name it (visits, pairings, …),
/// grouped by account and action, in order of first occurrence: what a guardian's request for
/// access under the Personal Information Protection Law needs. A child outside the caller's
/// scope is not found.
pub async fn access_report(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_id: Uuid,
    from: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<Vec<AccessEntry>> {
    use std::collections::{BTreeSet, HashMap};

    child::get(db, actor, child_id).await?;
    let mut groups: Vec<AccessEntry> = Vec::new();
    let mut index: HashMap<(Option<Uuid>, String), usize> = HashMap::new();
    let mut accounts: HashMap<Uuid, ()> = HashMap::new();
    let mut after: Option<Uuid> = None;
    loop {
        let events = audit_subject::Entity::find()
            .select_only()
            .column(audit_subject::Column::EventId)
            .filter(audit_subject::Column::SubjectId.eq(child_id))
            .filter(audit_subject::Column::SubjectType.eq("Child"))
            .into_query();
        let mut query = audit_event::Entity::find()
            .filter(audit_event::Column::Id.in_subquery(events))
            .order_by_asc(audit_event::Column::Id)
            .limit(REPORT_CHUNK);
        if let Some(after) = after {
            query = query.filter(audit_event::Column::Id.gt(after));
        }
        if let Some(from) = from {
            query = query.filter(audit_event::Column::OccurredAt.gte(from));
        }
        if let Some(until) = until {
            query = query.filter(audit_event::Column::OccurredAt.lt(until));
        }
        let events = query.all(db).await?;
        let Some(last) = events.last() else {
            break;
        };
        after = Some(last.id);
        for event in &events {
            let Some((kind, fields)) = accessed(event, child_id) else {
                continue;
            };
            let key = (event.actor_account_id, event.action.clone());
            let at = event.occurred_at;
            let slot = *index.entry(key).or_insert_with(|| {
                groups.push(AccessEntry {
                    account: None,
                    organization: None,
                    role: None,
                    kind,
                    action: event.action.clone(),
                    fields: BTreeSet::new(),
                    first_at: at,
                    last_at: at,
                    times: 0,
                });
                groups.len() - 1
            });
            let group = &mut groups[slot];
            group.fields.extend(fields);
            group.first_at = group.first_at.min(at);
            if at >= group.last_at {
                group.last_at = at;
                group.role.clone_from(&event.actor_role);
            }
            group.times += 1;
            if let Some(account) = event.actor_account_id {
                accounts.insert(account, ());
            }
        }
        if (events.len() as u64) < REPORT_CHUNK {
            break;
        }
    }
    let accounts: HashMap<Uuid, account_model::Model> = account_model::Entity::find()
        .filter(account_model::Column::Id.is_in(accounts.into_keys()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let organizations: HashMap<Uuid, organization::Model> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(accounts.values().map(|a| a.organization_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut keys: Vec<(Option<Uuid>, usize)> = index
        .into_iter()
        .map(|((account, _), slot)| (account, slot))
        .collect();
    keys.sort_by_key(|(_, slot)| *slot);
    for (account, slot) in keys {
        let account = account.and_then(|id| accounts.get(&id)).cloned();
        groups[slot].organization = account
            .as_ref()
            .and_then(|a| organizations.get(&a.organization_id))
            .cloned();
        groups[slot].account = account;
    }
    groups.sort_by_key(|g| g.first_at);
    Ok(groups)
}

/// What an event did to the child `child_id`: its kind and the fields, or none when the event
/// only names the child without touching its record (such as a sign-in).
fn accessed(event: &audit_event::Model, child_id: Uuid) -> Option<(AccessKind, Vec<String>)> {
    let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap_or_default();
    let names = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    match event.action.as_str() {
        "read" => {
            let id = serde_json::Value::String(child_id.to_string());
            let fields = detail["read"]
                .as_array()?
                .iter()
                .filter(|g| {
                    g["type"] == "Child" && g["ids"].as_array().is_some_and(|ids| ids.contains(&id))
                })
                .flat_map(|g| g["fields"].as_array().cloned().unwrap_or_default())
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect::<Vec<_>>();
            (!fields.is_empty()).then_some((AccessKind::Read, fields))
        }
        "audit.access_report" => Some((AccessKind::Read, vec!["accessReport".to_owned()])),
        "login" | "login.failed" | "logout" => None,
        _ => {
            let fields = if detail["changes"].is_object() {
                names(&detail["changes"])
            } else {
                names(&detail["after"])
            };
            Some((AccessKind::Change, fields))
        }
    }
}

/// The report as CSV for a guardian or an inspector: a byte-order mark (so spreadsheet programs
/// read the Chinese), a header row, one row per entry; times in China Standard Time.
pub fn access_csv(entries: &[AccessEntry]) -> ApiResult<String> {
    let failed =
        |e: &dyn std::fmt::Display| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    let china = chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(|| failed(&"UTC+8"))?;
    let time = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&china)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |row: &[&str]| writer.write_record(row).map_err(|e| failed(&e));
    write(&[
        "账号 account",
        "姓名 name",
        "角色 role",
        "单位 unit",
        "类型 kind",
        "操作 action",
        "字段 fields",
        "首次 first (UTC+8)",
        "最近 last (UTC+8)",
        "次数 times",
    ])?;
    for entry in entries {
        let fields = entry.fields.iter().cloned().collect::<Vec<_>>().join(" ");
        write(&[
            entry
                .account
                .as_ref()
                .map_or("(public)", |a| a.username.as_str()),
            entry
                .account
                .as_ref()
                .map_or("", |a| a.display_name.as_str()),
            entry.role.as_deref().unwrap_or_default(),
            entry.organization.as_ref().map_or("", |o| o.name.as_str()),
            match entry.kind {
                AccessKind::Read => "查阅 read",
                AccessKind::Change => "变更 change",
            },
            &entry.action,
            &fields,
            &time(entry.first_at),
            &time(entry.last_at),
            &entry.times.to_string(),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    let text = String::from_utf8(bytes).map_err(|e| failed(&e))?;
    Ok(format!("\u{feff}{text}"))
}
