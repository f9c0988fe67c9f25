//! Two roles of their own: `education_officer` (the county and township education bureaus,
//! which until now signed in as civil affairs officers) and `procurator` (the procuratorate,
//! which supervises mandatory reporting). `account.role` and `visit.visitor_role` are checked
//! against the list of roles, so the list grows (see [`crate::checks`]).

use sea_orm_migration::prelude::*;

use crate::checks;

/// Adds `education_officer` and `procurator` to the roles `account` and `visit` admit.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The roles before this migration.
const BEFORE: &[&str] = &[
    "admin",
    "civil_affairs_officer",
    "child_supervisor",
    "child_director",
    "teacher",
    "school_head",
    "police_officer",
    "womens_federation_worker",
    "social_worker",
    "health_worker",
    "justice_officer",
    "court_officer",
    "analyst",
];

/// The roles it adds.
const ADDED: &[&str] = &["education_officer", "procurator"];

/// The checked role columns: (table, column).
const COLUMNS: [(&str, &str); 2] = [("account", "role"), ("visit", "visitor_role")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let after = [BEFORE, ADDED].concat();
        for (table, column) in COLUMNS {
            checks::admit(manager, table, column, BEFORE, &after).await?;
        }
        Ok(())
    }

    /// Narrows the checks again while no account or visit holds the new roles. Otherwise the
    /// checks stay as they are: narrowing them would need those rows changed or deleted, and
    /// a rollback loses no row; the older release then cannot read those accounts until they
    /// are given a role it knows.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            if checks::holding(manager, table, column, ADDED).await? > 0 {
                return Ok(());
            }
        }
        let after = [BEFORE, ADDED].concat();
        for (table, column) in COLUMNS {
            checks::admit(manager, table, column, &after, BEFORE).await?;
        }
        Ok(())
    }
}
