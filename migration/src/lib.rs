//! Shouhu's schema migrations. One file per change, named by date, never edited once landed;
//! each runs on SQLite and PostgreSQL and has a working `down()`.

pub use sea_orm_migration::prelude::*;

mod checks;
mod m20261128_000001_core;
mod m20261128_000002_ledger;
mod m20261128_000003_visits;
mod m20261128_000004_schooling;
mod m20261128_000005_service_activities;
mod m20261128_000006_reports;
mod m20261128_000007_responsibility;
mod m20261128_000008_interventions;
mod m20261128_000009_evaluations;
mod m20261128_000010_assistance;
mod m20261128_000011_screening;
mod m20261129_000012_idempotency_fingerprint;
mod m20261129_000013_audit_subjects;
mod m20261130_000014_audit_batches;
mod m20261201_000015_audit_subject_compact;
mod m20261202_000016_audit_event_storage;
mod m20261203_000017_child_filled_on;
mod m20261204_000018_child_order_indexes;
mod m20261205_000019_child_stat_key;
mod m20261206_000020_ledger_snapshots;
mod m20261207_000021_ledger_submissions;
mod m20261208_000022_assignment_done_at;
mod m20261209_000023_guardians_version;
mod m20261210_000024_account_passwords;
mod m20261211_000025_parent_contacts;
mod m20261212_000026_venues;
mod m20261213_000027_activity_participants;
mod m20261214_000028_education_and_procurator_roles;
mod m20261215_000029_inspections;
mod m20261216_000030_assignment_cycles;
mod m20261217_000031_visit_compliance_months;
pub mod rollback;

/// The ordered list of Shouhu's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_core::Migration),
            Box::new(m20261128_000002_ledger::Migration),
            Box::new(m20261128_000003_visits::Migration),
            Box::new(m20261128_000004_schooling::Migration),
            Box::new(m20261128_000005_service_activities::Migration),
            Box::new(m20261128_000006_reports::Migration),
            Box::new(m20261128_000007_responsibility::Migration),
            Box::new(m20261128_000008_interventions::Migration),
            Box::new(m20261128_000009_evaluations::Migration),
            Box::new(m20261128_000010_assistance::Migration),
            Box::new(m20261128_000011_screening::Migration),
            Box::new(m20261129_000012_idempotency_fingerprint::Migration),
            Box::new(m20261129_000013_audit_subjects::Migration),
            Box::new(m20261130_000014_audit_batches::Migration),
            Box::new(m20261201_000015_audit_subject_compact::Migration),
            Box::new(m20261202_000016_audit_event_storage::Migration),
            Box::new(m20261203_000017_child_filled_on::Migration),
            Box::new(m20261204_000018_child_order_indexes::Migration),
            Box::new(m20261205_000019_child_stat_key::Migration),
            Box::new(m20261206_000020_ledger_snapshots::Migration),
            Box::new(m20261207_000021_ledger_submissions::Migration),
            Box::new(m20261208_000022_assignment_done_at::Migration),
            Box::new(m20261209_000023_guardians_version::Migration),
            Box::new(m20261210_000024_account_passwords::Migration),
            Box::new(m20261211_000025_parent_contacts::Migration),
            Box::new(m20261212_000026_venues::Migration),
            Box::new(m20261213_000027_activity_participants::Migration),
            Box::new(m20261214_000028_education_and_procurator_roles::Migration),
            Box::new(m20261215_000029_inspections::Migration),
            Box::new(m20261216_000030_assignment_cycles::Migration),
            Box::new(m20261217_000031_visit_compliance_months::Migration),
        ]
    }
}
