//! Reading the audit trail: who touched a record and when, and a child's access report.

use entity::{account as account_model, audit_event, child_guardian, organization};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, account, child, guardian,
        kind::Kind,
        page::{self, Page, Slice},
        report,
    },
    error::{ApiError, ApiResult},
    policy::rules::Use,
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
        "Account" => account::find(db, actor.policy, actor.principal, subject)
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

/// One audit event, when one of the records it is about (its subject, or a record it read) is
/// one the caller may see: the events a trail would list for some record of theirs. Others
/// read as not found.
pub async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<audit_event::Model>> {
    let Some(event) = audit_event::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    // A read of a page of children names each of them: their visibility is one statement.
    let (children, others): (Vec<_>, Vec<_>) = crate::audit::stored_records_of(&event)
        .into_iter()
        .partition(|(kind, _)| kind == Kind::Child.name());
    let children: Vec<Uuid> = children.into_iter().map(|(_, id)| id).collect();
    if !children.is_empty() && !child::find_many(db, actor, &children).await?.is_empty() {
        return Ok(Some(event));
    }
    for (kind, subject) in others {
        if subject_visible(db, actor, &kind, subject).await? {
            return Ok(Some(event));
        }
    }
    Ok(None)
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
        return Ok(page.nothing());
    }
    let events = audit::events_about(db.get_database_backend(), &[subject]);
    let query = audit_event::Entity::find().filter(audit_event::Column::Id.in_subquery(events));
    let newest_first = |query: sea_orm::Select<audit_event::Entity>| {
        let mut cursor = query.cursor_by(audit_event::Column::Id);
        cursor.desc();
        cursor
    };
    Ok(page::read(db, query, newest_first, page).await?)
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

/// A child's access report: its entries, and the events about the child left out because they
/// failed authentication.
#[derive(Debug, Clone, Default)]
pub struct AccessReport {
    /// One entry per account, role and action, in order of first occurrence.
    pub entries: Vec<AccessEntry>,
    /// Events about the child whose MAC does not verify or that the sealer refused: tampering
    /// for `shouhu audit verify` to locate; none of them is counted in the entries.
    pub unverified: u64,
}

/// Who read or changed the child `child_id`'s record from `from` until `until` (either open):
/// reads and writes of the child's record and of its guardians' records, and of the records
/// about it that name it (visits, pairings, …), grouped by account, role and action, in order
/// of first occurrence: what a guardian's request for access under the Personal Information
/// Protection Law needs. Only events whose MAC verifies count. A child outside the caller's
/// jurisdiction (a break-glass opening included: the report is not an emergency) is not found.
pub async fn access_report(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_id: Uuid,
    from: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<AccessReport> {
    use std::collections::{BTreeSet, HashMap, HashSet};

    let within = Actor {
        break_glass: actor.policy.break_glass_applies(Use::AccessReport),
        ..*actor
    };
    child::get(db, &within, child_id).await?;
    let guardians: Vec<Uuid> = child_guardian::Entity::find()
        .select_only()
        .column(child_guardian::Column::GuardianId)
        .filter(child_guardian::Column::ChildId.eq(child_id))
        .into_tuple()
        .all(db)
        .await?;
    let about: HashSet<Uuid> = guardians.iter().copied().chain([child_id]).collect();
    let records: Vec<Uuid> = about.iter().copied().collect();
    let mut report = AccessReport::default();
    let mut index: HashMap<(Option<Uuid>, Option<String>, String), usize> = HashMap::new();
    let mut accounts: HashSet<Uuid> = HashSet::new();
    let mut after: Option<Uuid> = None;
    loop {
        let events = audit::events_about(db.get_database_backend(), &records);
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
            let authentic = event.refused_at.is_none()
                && event
                    .mac
                    .as_deref()
                    .is_some_and(|mac| actor.mac.verifies(&audit::content(event), mac));
            if !authentic {
                report.unverified += 1;
                continue;
            }
            let Some((kind, fields)) = accessed(event, child_id, &about) else {
                continue;
            };
            let key = (
                event.actor_account_id,
                event.actor_role.clone(),
                event.action.clone(),
            );
            let at = event.occurred_at;
            let groups = &mut report.entries;
            let slot = *index.entry(key).or_insert_with(|| {
                groups.push(AccessEntry {
                    account: None,
                    organization: None,
                    role: event.actor_role.clone(),
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
            group.last_at = group.last_at.max(at);
            group.times += 1;
            accounts.extend(event.actor_account_id);
        }
        if (events.len() as u64) < REPORT_CHUNK {
            break;
        }
    }
    let accounts: HashMap<Uuid, account_model::Model> = account_model::Entity::find()
        .filter(account_model::Column::Id.is_in(accounts))
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
    for ((account, _, _), slot) in index {
        let account = account.and_then(|id| accounts.get(&id)).cloned();
        let entry = &mut report.entries[slot];
        entry.organization = account
            .as_ref()
            .and_then(|a| organizations.get(&a.organization_id))
            .cloned();
        entry.account = account;
    }
    report.entries.sort_by_key(|g| g.first_at);
    Ok(report)
}

/// What an event did to the child `child_id` or its guardians (`about` holds both): its kind
/// and the fields (a guardian's as `guardian.<field>`), or none when the event only names them
/// without touching a record.
fn accessed(
    event: &audit_event::Model,
    child_id: Uuid,
    about: &std::collections::HashSet<Uuid>,
) -> Option<(AccessKind, Vec<String>)> {
    let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap_or_default();
    let on_guardian = event.subject_type.as_deref() == Some("Guardian");
    let names = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_object()
            .map(|o| {
                o.keys()
                    .map(|k| {
                        if on_guardian {
                            format!("guardian.{k}")
                        } else {
                            k.clone()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    match event.action.as_str() {
        "read" => {
            let fields = detail["read"]
                .as_array()?
                .iter()
                .filter(|g| {
                    g["ids"].as_array().is_some_and(|ids| {
                        ids.iter()
                            .filter_map(|id| id.as_str().and_then(|i| Uuid::parse_str(i).ok()))
                            .any(|id| about.contains(&id))
                    })
                })
                .flat_map(|g| {
                    let prefix = if g["type"] == "Guardian" {
                        "guardian."
                    } else {
                        ""
                    };
                    g["fields"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(move |f| f.as_str().map(|f| format!("{prefix}{f}")))
                })
                .collect::<Vec<_>>();
            (!fields.is_empty()).then_some((AccessKind::Read, fields))
        }
        "audit.access_report" if event.subject_id == Some(child_id) => {
            Some((AccessKind::Read, vec!["accessReport".to_owned()]))
        }
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
    // A cell a spreadsheet would read as a formula is written as text.
    let cell = |text: &str| -> String {
        match text.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
                format!("'{text}")
            }
            _ => text.to_owned(),
        }
    };
    let failed =
        |e: &dyn std::fmt::Display| ApiError::internal(anyhow::anyhow!("writing CSV: {e}"));
    let china = crate::clock::CHINA_TZ;
    let time = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&china)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |row: &[&str]| {
        writer
            .write_record(row.iter().map(|c| cell(c)))
            .map_err(|e| failed(&e))
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        let at = chrono::Utc::now();
        let entry = AccessEntry {
            account: None,
            organization: None,
            role: Some("=HYPERLINK(\"http://x\")".into()),
            kind: AccessKind::Read,
            action: "+1".into(),
            fields: ["＠sum".to_owned(), "idNumber".to_owned()].into(),
            first_at: at,
            last_at: at,
            times: 1,
        };
        let csv = access_csv(&[entry]).unwrap();
        let row = csv.lines().nth(1).unwrap();
        assert!(row.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{row}");
        assert!(row.contains(",'+1,"), "{row}");
        assert!(!row.contains(",=") && !row.contains(",+"), "{row}");
    }
}
