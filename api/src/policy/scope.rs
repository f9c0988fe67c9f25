//! Row scopes as SQL conditions, built from the principal and put inside the domain queries:
//! rows outside never leave the database.

use chrono::{DateTime, Utc};
use entity::{
    access_grant, account, assessment, break_glass, child, enums::ReportState, organization,
    pairing, region, report, screening_campaign, service_item,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};

use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::values::RegionPath,
    policy::{Policy, ReportRows, RowScope},
};

/// A condition true for no row.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// The jurisdiction condition on a region-path column: the region itself and everything below
/// ([`RegionPath::contains`] in SQL).
pub fn within(column: impl ColumnTrait, path: &RegionPath) -> Condition {
    Condition::any()
        .add(column.eq(path.as_str()))
        .add(column.starts_with(format!("{path}/")))
}

/// The children the principal may see, as a condition on `child`: their role's row scope, and
/// when `break_glass` (reads), the records they opened by break-glass that have not yet expired.
pub fn children(
    policy: &Policy,
    principal: &Principal,
    now: DateTime<Utc>,
    break_glass: bool,
) -> Condition {
    if !break_glass {
        return role_children(policy, principal, now);
    }
    let broken = child::Column::Id.in_subquery(
        break_glass::Entity::find()
            .select_only()
            .column(break_glass::Column::ChildId)
            .filter(break_glass::Column::AccountId.eq(principal.account_id))
            .filter(break_glass::Column::OpenedAt.lte(now))
            .filter(break_glass::Column::ExpiresAt.gt(now))
            .into_query(),
    );
    Condition::any()
        .add(role_children(policy, principal, now))
        .add(broken)
}

/// The children the principal's role scope covers.
fn role_children(policy: &Policy, principal: &Principal, now: DateTime<Utc>) -> Condition {
    match policy.scope(principal.role) {
        RowScope::Jurisdiction => within(child::Column::RegionPath, &principal.region_path),
        RowScope::School => {
            Condition::all().add(child::Column::SchoolId.eq(principal.organization_id))
        }
        RowScope::Paired => Condition::all().add(
            child::Column::Id.in_subquery(
                pairing::Entity::find()
                    .select_only()
                    .column(pairing::Column::ChildId)
                    .filter(pairing::Column::TeacherAccountId.eq(principal.account_id))
                    .filter(pairing::Column::EndedOn.is_null())
                    .into_query(),
            ),
        ),
        RowScope::Granted => Condition::all().add(
            child::Column::Id.in_subquery(
                access_grant::Entity::find()
                    .select_only()
                    .column(access_grant::Column::ChildId)
                    .filter(access_grant::Column::OrganizationId.eq(principal.organization_id))
                    .filter(access_grant::Column::RevokedAt.is_null())
                    .filter(access_grant::Column::StartsAt.lte(now))
                    .filter(access_grant::Column::ExpiresAt.gt(now))
                    .into_query(),
            ),
        ),
        RowScope::Own => Condition::all().add(
            child::Column::Id.in_subquery(
                report::Entity::find()
                    .select_only()
                    .column(report::Column::ChildId)
                    .filter(report::Column::ReporterAccountId.eq(principal.account_id))
                    .filter(report::Column::ChildId.is_not_null())
                    .into_query(),
            ),
        ),
        RowScope::Counts | RowScope::None => nothing(),
    }
}

/// The children the principal's statistics count, as a condition on `child`: those of their
/// jurisdiction for a role that reads counts without rows, otherwise the rows it may see by
/// its role (never the records opened by break-glass, which are for one reader's eyes).
pub fn counted_children(policy: &Policy, principal: &Principal, now: DateTime<Utc>) -> Condition {
    match policy.scope(principal.role) {
        RowScope::Counts => within(child::Column::RegionPath, &principal.region_path),
        _ => role_children(policy, principal, now),
    }
}

/// Whether the principal's statistics count every child of a jurisdiction (its role's rows are
/// a jurisdiction, or counts of one): only then can they be read from counts kept per region,
/// such as the ledger's monthly snapshots.
pub fn counts_regions(policy: &Policy, principal: &Principal) -> bool {
    matches!(
        policy.scope(principal.role),
        RowScope::Jurisdiction | RowScope::Counts
    )
}

/// Where a principal's statistics count from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountingRoot {
    /// Everywhere: a role whose rows are not a jurisdiction counts its rows wherever the
    /// children live.
    Everywhere,
    /// The subtree of this region.
    Within(RegionPath),
    /// Nowhere: the region asked lies outside the jurisdiction and does not hold it.
    Outside,
}

/// Where the principal's statistics count from, given the region asked (`None`: not asked). A
/// region above the jurisdiction counts from the jurisdiction.
pub fn counting_root(
    policy: &Policy,
    principal: &Principal,
    asked: Option<RegionPath>,
) -> CountingRoot {
    let home = &principal.region_path;
    match (policy.scope(principal.role), asked) {
        (RowScope::Jurisdiction | RowScope::Counts, None) => CountingRoot::Within(home.clone()),
        (RowScope::Jurisdiction | RowScope::Counts, Some(asked)) => {
            if home.contains(asked.as_str()) {
                CountingRoot::Within(asked)
            } else if asked.contains(home.as_str()) {
                CountingRoot::Within(home.clone())
            } else {
                CountingRoot::Outside
            }
        }
        (_, Some(asked)) => CountingRoot::Within(asked),
        (_, None) => CountingRoot::Everywhere,
    }
}

/// The reports the principal may see, as a condition on `report`: their own, and what the
/// policy's `report_rows` adds for their role.
pub fn reports(policy: &Policy, principal: &Principal) -> Condition {
    let own = report::Column::ReporterAccountId.eq(principal.account_id);
    let path = &principal.region_path;
    match policy.report_rows(principal.role) {
        ReportRows::Own => Condition::all().add(own),
        ReportRows::HeldInJurisdiction => Condition::any()
            .add(own)
            .add(report::Column::HolderOrganizationId.in_subquery(units_serving(path))),
        ReportRows::InJurisdiction => Condition::any()
            .add(own)
            .add(within(report::Column::RegionPath, path)),
        ReportRows::NotifiedInJurisdiction => Condition::any().add(own).add(
            Condition::all()
                .add(within(report::Column::RegionPath, path))
                .add(
                    report::Column::State
                        .is_in([ReportState::TownshipNotified, ReportState::Closed]),
                ),
        ),
    }
}

/// The reports the principal's statistics count, as a condition on `report`: those about
/// places of their jurisdiction for a role that reads counts without rows, otherwise the
/// reports it may see.
pub fn counted_reports(policy: &Policy, principal: &Principal) -> Condition {
    match policy.scope(principal.role) {
        RowScope::Counts => within(report::Column::RegionPath, &principal.region_path),
        _ => reports(policy, principal),
    }
}

/// Whether an event about a report the principal may see now is theirs to hear, given whether
/// the township had been notified when the event happened: a role that sees reports only once
/// the township is notified hears nothing of the steps before. (Events are judged after they
/// happened, so the report's current state is not what decides.)
pub fn hears_report_event(
    policy: &Policy,
    principal: &Principal,
    report: &report::Model,
    notified_then: bool,
) -> bool {
    report.reporter_account_id == Some(principal.account_id)
        || match policy.report_rows(principal.role) {
            ReportRows::NotifiedInJurisdiction => notified_then,
            ReportRows::Own | ReportRows::HeldInJurisdiction | ReportRows::InJurisdiction => true,
        }
}

/// The service items the principal may see, as a condition on `service_item`: those assigned
/// to their unit, and for roles whose row scope is a jurisdiction, those of the children in it.
pub fn service_items(policy: &Policy, principal: &Principal) -> Condition {
    service_items_of(policy, principal, children_within(principal))
}

/// [`service_items`] for a batch of items that belong to `child_ids`: the jurisdiction is
/// checked on those children alone, so the database does not gather every child in it.
pub fn service_items_among(
    policy: &Policy,
    principal: &Principal,
    child_ids: &[Uuid],
) -> Condition {
    let among = children_within(principal)
        .and_where(child::Column::Id.is_in(child_ids.iter().copied()))
        .to_owned();
    service_items_of(policy, principal, among)
}

/// The service items assigned to the principal's unit, and for roles whose row scope is a
/// jurisdiction, those of the children `within` selects.
fn service_items_of(
    policy: &Policy,
    principal: &Principal,
    within: sea_orm::sea_query::SelectStatement,
) -> Condition {
    let mine = service_item::Column::OrganizationId.eq(principal.organization_id);
    match policy.scope(principal.role) {
        RowScope::Jurisdiction => Condition::any()
            .add(mine)
            .add(service_item::Column::ChildId.in_subquery(within)),
        _ => Condition::all().add(mine),
    }
}

/// The assessments the principal may see, as a condition on `assessment`: those of children in
/// their jurisdiction, for roles whose row scope is one.
pub fn assessments(policy: &Policy, principal: &Principal) -> Condition {
    match policy.scope(principal.role) {
        RowScope::Jurisdiction => within(assessment::Column::RegionPath, &principal.region_path),
        _ => nothing(),
    }
}

/// The screening campaigns the principal takes part in, as a condition on
/// `screening_campaign`: those covering their region or a region above it, and for roles whose
/// row scope is a jurisdiction, those inside it too.
pub fn campaigns(policy: &Policy, principal: &Principal) -> Condition {
    let covering = screening_campaign::Column::RegionPath.is_in(principal.region_path.ancestry());
    match policy.scope(principal.role) {
        RowScope::Jurisdiction => Condition::any().add(covering).add(within(
            screening_campaign::Column::RegionPath,
            &principal.region_path,
        )),
        RowScope::Counts | RowScope::None => nothing(),
        _ => Condition::all().add(covering),
    }
}

/// The ids of the children living in the principal's jurisdiction, as a subquery.
fn children_within(principal: &Principal) -> sea_orm::sea_query::SelectStatement {
    child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .filter(within(child::Column::RegionPath, &principal.region_path))
        .into_query()
}

/// The break-glass openings the principal reviews, as a condition on `break_glass`: those of
/// records of children in their jurisdiction.
pub fn break_glass(principal: &Principal) -> Condition {
    Condition::all().add(break_glass::Column::ChildId.in_subquery(children_within(principal)))
}

/// The access grants the principal oversees, as a condition on `access_grant`: those of
/// children in their jurisdiction.
pub fn grants(principal: &Principal) -> Condition {
    Condition::all().add(access_grant::Column::ChildId.in_subquery(children_within(principal)))
}

/// The accounts the principal administers ([`Policy::may_administer`]), as a condition on
/// `account`: those of units serving its jurisdiction, for a role of `[rules] account_admins`;
/// none for others.
pub fn administered_accounts(policy: &Policy, principal: &Principal) -> Condition {
    if !policy.may_administer(principal, principal.region_path.as_str()) {
        return nothing();
    }
    accounts_serving(&principal.region_path)
}

/// The accounts of units serving the region at `path` or one below it, as a condition on
/// `account`.
pub fn accounts_serving(path: &RegionPath) -> Condition {
    Condition::all().add(account::Column::OrganizationId.in_subquery(units_serving(path)))
}

/// The ids of the units serving the region at `path` or one below it, as a subquery.
fn units_serving(path: &RegionPath) -> sea_orm::sea_query::SelectStatement {
    let regions = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .filter(within(region::Column::Path, path))
        .into_query();
    organization::Entity::find()
        .select_only()
        .column(organization::Column::Id)
        .filter(organization::Column::RegionId.in_subquery(regions))
        .into_query()
}
