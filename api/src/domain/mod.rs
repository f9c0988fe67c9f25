//! The domain: validation, state machines and database access, one module per area. Every
//! function that reads or writes records for a caller takes the caller's `Principal`.

pub mod access;
pub mod account;
pub mod activity;
pub mod administration;
pub mod appraisal;
pub mod assignment;
pub mod assistance;
pub mod audit_trail;
pub mod child;
pub mod guardian;
pub mod idempotency;
pub mod inspection;
pub mod intervention;
pub mod kind;
pub mod organization;
pub mod page;
pub mod pairing;
pub mod parent_contact;
pub mod region;
pub mod report;
pub mod schooling;
pub mod screening;
pub mod statistics;
pub mod submission;
pub mod values;
pub mod venue;
pub mod visit;
pub mod work;

use chrono::{DateTime, NaiveDate, Utc};
use entity::projection::{Projectable, Projected};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, JoinType, Order,
    PrimaryKeyTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, IntoCondition, Query, SelectStatement, WindowStatement,
    },
};
use uuid::Uuid;

use crate::{
    audit::{AuditRecord, MacKey},
    auth::{Principal, RequestMeta},
    error::{ApiError, ApiResult},
    policy::{Policy, rules::Use},
};

/// Who acts, under which policy, and when: what every domain function that reads or writes
/// records for a caller needs.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// The access policy.
    pub policy: &'a Policy,
    /// The key the audit events it writes are authenticated with.
    pub mac: &'a MacKey,
    /// Now, by the application's clock.
    pub now: DateTime<Utc>,
    /// The request, for the audit trail: its id, client app and trusted document.
    pub request: Option<&'a RequestMeta>,
    /// Whether records the caller opened by break-glass count as in scope: true for reads,
    /// false for writes (break-glass lets an officer read a record, never change it).
    pub break_glass: bool,
}

impl<'a> Actor<'a> {
    /// `principal` at `now`, for a use of the API: records the caller opened by break-glass
    /// count as in scope when the policy lets break-glass apply to that use.
    pub fn new(
        principal: &'a Principal,
        policy: &'a Policy,
        mac: &'a MacKey,
        now: DateTime<Utc>,
        usage: Use,
    ) -> Self {
        Self {
            principal,
            policy,
            mac,
            now,
            request: None,
            break_glass: policy.break_glass_applies(usage),
        }
    }

    /// The same caller, acting in the request `meta` describes.
    pub fn in_request(self, meta: Option<&'a RequestMeta>) -> Self {
        Self {
            request: meta,
            ..self
        }
    }

    /// The same caller, reading: records opened by break-glass count as in scope.
    pub fn reading(self) -> Self {
        Self {
            break_glass: true,
            ..self
        }
    }

    /// An audit event by this actor.
    pub fn event(&self, action: &'static str) -> AuditRecord {
        let event = AuditRecord::new(self.mac, action, self.now, None).by(self.principal);
        match self.request {
            Some(meta) => event.from_request(meta),
            None => event,
        }
    }

    /// Today's date (UTC+8 is where the ledger lives; the calendar day there).
    pub fn today(&self) -> NaiveDate {
        crate::clock::china_date(self.now)
    }
}

/// The record `id` of `E` when it meets `scope` (a condition of the caller's row scope): a
/// record outside it reads as one that is not there.
pub async fn find_scoped<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    scope: impl IntoCondition,
) -> ApiResult<Option<E::Model>>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    Ok(E::find_by_id(id).filter(scope).one(db).await?)
}

/// [`find_scoped`], with a record that is not there (or not in scope) as `NOT_FOUND`.
pub async fn get_scoped<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    scope: impl IntoCondition,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    find_scoped::<E>(db, id, scope)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The rows of `E` whose `column` holds one of `keys` (their own ids, or their parents'), in
/// `order`: one statement for many keys, for the loaders. Whoever calls it has the keys from
/// rows read through the caller's scope.
pub async fn rows_in<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: E::Column,
    keys: &[Uuid],
    order: Option<(E::Column, Order)>,
) -> ApiResult<Vec<E::Model>> {
    let mut query = E::find().filter(column.is_in(keys.iter().copied()));
    if let Some((by, direction)) = order {
        query = query.order_by(by, direction);
    }
    Ok(query.all(db).await?)
}

/// The parents a [`first_per`] reads under: the batch's rows of the parent table (with the
/// caller's scope on them where the parents' own scope is what the rows need, as a child's
/// is for its visits) and their id column.
pub struct Parents<P: EntityTrait> {
    /// The parents, as the caller may see them.
    pub rows: Select<P>,
    /// Their id column.
    pub id: P::Column,
}

impl<P: EntityTrait> Parents<P> {
    /// The parents' ids as a subquery of one column, `parent`.
    fn ids(self) -> SelectStatement {
        // Distinct: a parent listed twice would drive its rows twice on PostgreSQL.
        self.rows
            .select_only()
            .column_as(self.id, "parent")
            .distinct()
            .into_query()
    }
}

/// The first `limit` of `rows` under each of `parents` (`parent` column), each parent's rows
/// in `order`, in one statement, for a connection's first page under many parents; `rows`
/// carries the caller's scope on the rows themselves and the list's filters, `parents` the
/// scope on the parents.
/// - On PostgreSQL, a `LATERAL` join: for each parent, a scan of its rows alone that stops
///   after `limit` when an index holds them in `order` (a child's visits by date), however
///   many the parent has.
/// - On SQLite, which has no `LATERAL`, a row number per parent
///   (`ROW_NUMBER() OVER (PARTITION BY …)`) over the parents' rows.
///
/// The models are decoded by position: `rows` may read some columns only
/// ([`Columns::select`](entity::projection::Columns::select)).
pub async fn first_per<E, P>(
    db: &impl ConnectionTrait,
    rows: Select<E>,
    parent: E::Column,
    parents: Parents<P>,
    order: &[(E::Column, Order)],
    limit: u64,
) -> ApiResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: Projectable,
    P: EntityTrait,
{
    let first = match db.get_database_backend() {
        DbBackend::Postgres => {
            let mut each = rows.into_query();
            each.and_where(Expr::col((E::default(), parent)).equals(("parents", "parent")));
            for (column, direction) in order {
                each.order_by((E::default(), *column), direction.clone());
            }
            each.limit(limit);
            let mut first = Query::select();
            first
                .column(("first", Asterisk))
                .from_subquery(parents.ids(), "parents")
                .join_lateral(JoinType::InnerJoin, each, "first", Expr::cust("TRUE"))
                .order_by(("first", parent), Order::Asc);
            for (column, direction) in order {
                first.order_by(("first", *column), direction.clone());
            }
            first
        }
        _ => {
            let mut window = WindowStatement::partition_by(parent);
            for (column, direction) in order {
                window.order_by(*column, direction.clone());
            }
            let mut numbered = rows.filter(parent.in_subquery(parents.ids())).into_query();
            numbered.expr_window_as(Expr::cust("ROW_NUMBER()"), window, "position");
            Query::select()
                .column(Asterisk)
                .from_subquery(numbered, "numbered")
                .and_where(Expr::col("position").lte(limit))
                .order_by(Alias::new(parent.as_str()), Order::Asc)
                .order_by("position", Order::Asc)
                .to_owned()
        }
    };
    let rows = E::find()
        .from_raw_sql(db.get_database_backend().build(&first))
        .into_model::<Projected<E::Model>>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| row.0).collect())
}

/// Escapes `%`, `_` and backslash so user text matches literally inside a LIKE pattern (with
/// a backslash as the escape character).
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Optional free text as stored: trimmed, and none when blank.
pub fn optional_text(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Optional free text, trimmed, empty as none: at most `max` characters, else bad input in
/// `field`.
pub fn limited_text(field: &str, text: Option<String>, max: usize) -> ApiResult<Option<String>> {
    let text = optional_text(text);
    if text.as_ref().is_some_and(|t| t.chars().count() > max) {
        return Err(ApiError::bad_input(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(text)
}

/// Required free text, trimmed: 1 to `max` characters, else bad input in `field`.
pub fn required_text(field: &str, text: &str, max: usize) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::bad_input(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(text.to_owned())
}
