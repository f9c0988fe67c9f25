//! Row scopes as SQL conditions, built from the principal and put inside the domain queries:
//! rows outside never leave the database.

use chrono::{DateTime, Utc};
use entity::{access_grant, child, enums::ReportState, organization, pairing, region, report};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    auth::Principal,
    policy::{Policy, ReportRows, RowScope},
};

/// A condition true for no row.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// The jurisdiction condition on a region-path column: the path itself and everything below.
pub fn within(column: impl ColumnTrait, path: &str) -> Condition {
    Condition::any()
        .add(column.eq(path))
        .add(column.starts_with(format!("{path}/")))
}

/// The children the principal may see, as a condition on `child`.
pub fn children(policy: &Policy, principal: &Principal, now: DateTime<Utc>) -> Condition {
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
        RowScope::None => nothing(),
    }
}

/// The reports the principal may see, as a condition on `report`: their own, and what the
/// policy's `report_rows` adds for their role.
pub fn reports(policy: &Policy, principal: &Principal) -> Condition {
    let own = report::Column::ReporterAccountId.eq(principal.account_id);
    let path = &principal.region_path;
    match policy.report_rows(principal.role) {
        ReportRows::Own => Condition::all().add(own),
        ReportRows::HeldInJurisdiction => {
            let regions = region::Entity::find()
                .select_only()
                .column(region::Column::Id)
                .filter(within(region::Column::Path, path))
                .into_query();
            let units = organization::Entity::find()
                .select_only()
                .column(organization::Column::Id)
                .filter(organization::Column::RegionId.in_subquery(regions))
                .into_query();
            Condition::any()
                .add(own)
                .add(report::Column::HolderOrganizationId.in_subquery(units))
        }
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
