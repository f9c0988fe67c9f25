//! The ledger per the national registration form (登记表): the form's fields on `child`,
//! entrustment agreements, guardians' consents, access grants (read by the `granted` row scope),
//! and the lease that lets one sealer at a time chain the audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SCHOOLING_STAGES: &[&str] = &[
    "not_school_age",
    "kindergarten",
    "primary",
    "junior_secondary",
    "senior_secondary",
    "vocational",
    "dropped_out",
    "not_in_school",
];
const GUARDIANSHIP_QUALITIES: &[&str] = &[
    "unsupervised",
    "parent_unable",
    "entrusted_inadequate",
    "fair",
    "good",
];
const CONSENT_PURPOSES: &[&str] = &[
    "social_work_referral",
    "legal_aid",
    "medical_treatment",
    "counselling",
    "data_sharing",
];

fn one_of(column: impl IntoIden + Clone, values: &[&str]) -> Expr {
    Expr::col(column).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let columns = [
            boolean(Child::HouseholdRegistered).default(true).take(),
            string_null(Child::HouseholdRegistrationPlace).take(),
            string(Child::SchoolingStage)
                .default("primary")
                .check(one_of(Child::SchoolingStage, SCHOOLING_STAGES))
                .take(),
            boolean(Child::Boarding).default(false).take(),
            string(Child::GuardianshipQuality)
                .default("fair")
                .check(one_of(Child::GuardianshipQuality, GUARDIANSHIP_QUALITIES))
                .take(),
            text(Child::IncomeSources).default("[]").take(),
            text(Child::Benefits).default("[]").take(),
            string_null(Child::FilledBy).take(),
            string_null(Child::ReviewedBy).take(),
            string_null(Child::ApprovedBy).take(),
            string_null(Child::StatusReason).take(),
            date_null(Child::StatusChangedOn).take(),
            uuid_null(Child::CreatedBy).take(),
        ];
        for column in columns {
            manager
                .alter_table(Table::alter().table(Child::Table).add_column(column).take())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_child_name_birth")
                    .table(Child::Table)
                    .col(Child::Name)
                    .col(Child::BirthDate)
                    .col(Child::ResidenceVillageId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EntrustmentAgreement::Table)
                    .col(pk_uuid(EntrustmentAgreement::Id))
                    .col(uuid(EntrustmentAgreement::ChildId))
                    .col(string(EntrustmentAgreement::Parents))
                    .col(uuid(EntrustmentAgreement::EntrustedGuardianId))
                    .col(date(EntrustmentAgreement::StartsOn))
                    .col(date_null(EntrustmentAgreement::EndsOn))
                    .col(text(EntrustmentAgreement::Duties))
                    .col(string(EntrustmentAgreement::GuidedBy))
                    .col(date(EntrustmentAgreement::SignedOn))
                    .col(uuid(EntrustmentAgreement::RecordedBy))
                    .col(timestamp_with_time_zone(EntrustmentAgreement::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_entrustment_child")
                            .from(EntrustmentAgreement::Table, EntrustmentAgreement::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_entrustment_guardian")
                            .from(
                                EntrustmentAgreement::Table,
                                EntrustmentAgreement::EntrustedGuardianId,
                            )
                            .to(Guardian::Table, Guardian::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_entrustment_recorder")
                            .from(
                                EntrustmentAgreement::Table,
                                EntrustmentAgreement::RecordedBy,
                            )
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_entrustment_child")
                    .table(EntrustmentAgreement::Table)
                    .col(EntrustmentAgreement::ChildId)
                    .col(EntrustmentAgreement::StartsOn)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consent::Table)
                    .col(pk_uuid(Consent::Id))
                    .col(uuid(Consent::ChildId))
                    .col(uuid(Consent::GuardianId))
                    .col(string(Consent::Purpose).check(one_of(Consent::Purpose, CONSENT_PURPOSES)))
                    .col(date(Consent::GivenOn))
                    .col(timestamp_with_time_zone_null(Consent::WithdrawnAt))
                    .col(uuid(Consent::RecordedBy))
                    .col(timestamp_with_time_zone(Consent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_child")
                            .from(Consent::Table, Consent::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_guardian")
                            .from(Consent::Table, Consent::GuardianId)
                            .to(Guardian::Table, Guardian::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_recorder")
                            .from(Consent::Table, Consent::RecordedBy)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consent_child")
                    .table(Consent::Table)
                    .col(Consent::ChildId)
                    .col(Consent::Purpose)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessGrant::Table)
                    .col(pk_uuid(AccessGrant::Id))
                    .col(uuid(AccessGrant::ChildId))
                    .col(uuid(AccessGrant::OrganizationId))
                    .col(string(AccessGrant::Purpose))
                    .col(timestamp_with_time_zone(AccessGrant::StartsAt))
                    .col(timestamp_with_time_zone(AccessGrant::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccessGrant::RevokedAt))
                    .col(uuid_null(AccessGrant::GrantedBy))
                    .col(timestamp_with_time_zone(AccessGrant::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_grant_child")
                            .from(AccessGrant::Table, AccessGrant::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_grant_organization")
                            .from(AccessGrant::Table, AccessGrant::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_access_grant_org_child")
                    .table(AccessGrant::Table)
                    .col(AccessGrant::OrganizationId)
                    .col(AccessGrant::ChildId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditSealLease::Table)
                    .col(integer(AuditSealLease::Id).primary_key())
                    .col(uuid_null(AuditSealLease::Holder))
                    .col(timestamp_with_time_zone_null(AuditSealLease::ExpiresAt))
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditSealLease::Table)
                    .columns([AuditSealLease::Id])
                    .values_panic([1.into()])
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_event_unsealed")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::Seq)
                    .col(AuditEvent::OccurredAt)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_event_unsealed")
                    .table(AuditEvent::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            AuditSealLease::Table.into_iden(),
            AccessGrant::Table.into_iden(),
            Consent::Table.into_iden(),
            EntrustmentAgreement::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_child_name_birth")
                    .table(Child::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Child::HouseholdRegistered,
            Child::HouseholdRegistrationPlace,
            Child::SchoolingStage,
            Child::Boarding,
            Child::GuardianshipQuality,
            Child::IncomeSources,
            Child::Benefits,
            Child::FilledBy,
            Child::ReviewedBy,
            Child::ApprovedBy,
            Child::StatusReason,
            Child::StatusChangedOn,
            Child::CreatedBy,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Child::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Child {
    Table,
    Id,
    Name,
    BirthDate,
    ResidenceVillageId,
    HouseholdRegistered,
    HouseholdRegistrationPlace,
    SchoolingStage,
    Boarding,
    GuardianshipQuality,
    IncomeSources,
    Benefits,
    FilledBy,
    ReviewedBy,
    ApprovedBy,
    StatusReason,
    StatusChangedOn,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Guardian {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Seq,
    OccurredAt,
}

#[derive(DeriveIden, Clone)]
enum EntrustmentAgreement {
    Table,
    Id,
    ChildId,
    Parents,
    EntrustedGuardianId,
    StartsOn,
    EndsOn,
    Duties,
    GuidedBy,
    SignedOn,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Consent {
    Table,
    Id,
    ChildId,
    GuardianId,
    Purpose,
    GivenOn,
    WithdrawnAt,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum AccessGrant {
    Table,
    Id,
    ChildId,
    OrganizationId,
    Purpose,
    StartsAt,
    ExpiresAt,
    RevokedAt,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditSealLease {
    Table,
    Id,
    Holder,
    ExpiresAt,
}
