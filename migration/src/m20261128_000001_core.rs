//! The core of the data model: regions, organizations, accounts and their refresh tokens,
//! children, guardians and their links, visits, pairings, the audit trail and idempotency keys.
//!
//! The allowed values of enum columns are written out here on purpose: a migration is a snapshot
//! and must not change when the code's enums do.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const REGION_LEVELS: &[&str] = &["prefecture", "county", "township", "village"];
const ORGANIZATION_KINDS: &[&str] = &[
    "civil_affairs",
    "education",
    "school",
    "kindergarten",
    "public_security",
    "justice",
    "health",
    "medical_institution",
    "court",
    "procuratorate",
    "womens_federation",
    "youth_league",
    "disabled_federation",
    "trade_union",
    "care_committee",
    "civilization_office",
    "social_work_agency",
    "rescue_agency",
    "welfare_institution",
    "village_committee",
    "township_government",
    "county_government",
    "finance",
    "human_resources",
    "transport",
    "water",
    "housing",
    "poverty_alleviation",
    "village_work_team",
    "culture_media",
    "taxation",
];
const ROLES: &[&str] = &[
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
const GENDERS: &[&str] = &["male", "female"];
const LEFT_BEHIND_TYPES: &[&str] = &["both_parents_away", "one_parent_away_other_unable"];
const LIVING_ARRANGEMENTS: &[&str] = &[
    "with_grandparents",
    "with_relatives",
    "with_entrusted_guardian",
    "with_one_parent",
    "alone",
];
const HEALTH_STATUSES: &[&str] = &["healthy", "disabled", "seriously_ill"];
const RISK_LEVELS: &[&str] = &["none", "low", "medium", "high"];
const CHILD_STATUSES: &[&str] = &[
    "active",
    "parents_returned",
    "aged_out",
    "moved_away",
    "deceased",
];
const RELATIONS: &[&str] = &[
    "father",
    "mother",
    "grandfather",
    "grandmother",
    "other_relative",
    "entrusted_other",
];
const CAPACITIES: &[&str] = &["full", "limited", "none"];
const VISIT_METHODS: &[&str] = &["home", "phone", "video", "school"];
const RATINGS: &[&str] = &["good", "fair", "poor", "serious"];

fn one_of(column: impl IntoIden + Clone, values: &[&str]) -> SimpleExpr {
    Expr::col(column).is_in(values.iter().copied())
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .col(pk_uuid(Region::Id))
                    .col(string_uniq(Region::Code))
                    .col(string(Region::Name))
                    .col(string(Region::Level).check(one_of(Region::Level, REGION_LEVELS)))
                    .col(uuid_null(Region::ParentId))
                    .col(string_uniq(Region::Path))
                    .foreign_key(&mut fk(
                        "fk_region_parent",
                        (Region::Table, Region::ParentId),
                        (Region::Table, Region::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_region_parent")
                    .table(Region::Table)
                    .col(Region::ParentId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organization::Table)
                    .col(pk_uuid(Organization::Id))
                    .col(string_uniq(Organization::Code))
                    .col(string(Organization::Name))
                    .col(
                        string(Organization::Kind)
                            .check(one_of(Organization::Kind, ORGANIZATION_KINDS)),
                    )
                    .col(uuid(Organization::RegionId))
                    .col(boolean(Organization::MandatoryReporter).default(false))
                    .col(timestamp_with_time_zone(Organization::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_organization_region",
                        (Organization::Table, Organization::RegionId),
                        (Region::Table, Region::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organization_region")
                    .table(Organization::Table)
                    .col(Organization::RegionId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organization_kind_name")
                    .table(Organization::Table)
                    .col(Organization::Kind)
                    .col(Organization::Name)
                    .col(Organization::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .col(pk_uuid(Account::Id))
                    .col(string_uniq(Account::Username))
                    .col(string(Account::DisplayName))
                    .col(string(Account::PasswordHash))
                    .col(string(Account::Role).check(one_of(Account::Role, ROLES)))
                    .col(uuid(Account::OrganizationId))
                    .col(boolean(Account::Disabled).default(false))
                    .col(integer(Account::TokenVersion).default(0))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .col(timestamp_with_time_zone(Account::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_account_organization",
                        (Account::Table, Account::OrganizationId),
                        (Organization::Table, Organization::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_organization")
                    .table(Account::Table)
                    .col(Account::OrganizationId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(pk_uuid(RefreshToken::Id))
                    .col(uuid(RefreshToken::AccountId))
                    .col(uuid(RefreshToken::FamilyId))
                    .col(string_uniq(RefreshToken::TokenHash))
                    .col(timestamp_with_time_zone(RefreshToken::IssuedAt))
                    .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::RevokedAt))
                    .foreign_key(
                        &mut fk(
                            "fk_refresh_token_account",
                            (RefreshToken::Table, RefreshToken::AccountId),
                            (Account::Table, Account::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_token_family")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::FamilyId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_token_account")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::AccountId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Child::Table)
                    .col(pk_uuid(Child::Id))
                    .col(string(Child::Name))
                    .col(string(Child::Gender).check(one_of(Child::Gender, GENDERS)))
                    .col(date(Child::BirthDate))
                    .col(string(Child::Ethnicity))
                    .col(string_null(Child::IdNumber).unique_key())
                    .col(uuid(Child::ResidenceVillageId))
                    .col(string(Child::RegionPath))
                    .col(string_null(Child::Address))
                    .col(uuid_null(Child::SchoolId))
                    .col(string_null(Child::Grade))
                    .col(
                        string(Child::LeftBehindType)
                            .check(one_of(Child::LeftBehindType, LEFT_BEHIND_TYPES)),
                    )
                    .col(
                        string(Child::LivingArrangement)
                            .check(one_of(Child::LivingArrangement, LIVING_ARRANGEMENTS)),
                    )
                    .col(
                        string(Child::HealthStatus)
                            .check(one_of(Child::HealthStatus, HEALTH_STATUSES)),
                    )
                    .col(string_null(Child::HealthDetail))
                    .col(string_null(Child::DisabilityCategory))
                    .col(small_integer_null(Child::DisabilityGrade))
                    .col(string(Child::RiskLevel).check(one_of(Child::RiskLevel, RISK_LEVELS)))
                    .col(string(Child::Status).check(one_of(Child::Status, CHILD_STATUSES)))
                    .col(boolean(Child::NeedsReport).default(false))
                    .col(timestamp_with_time_zone_null(Child::ReviewedAt))
                    .col(integer(Child::Version).default(1))
                    .col(timestamp_with_time_zone(Child::CreatedAt))
                    .col(timestamp_with_time_zone(Child::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_child_village",
                        (Child::Table, Child::ResidenceVillageId),
                        (Region::Table, Region::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_child_school",
                        (Child::Table, Child::SchoolId),
                        (Organization::Table, Organization::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_child_school")
                    .table(Child::Table)
                    .col(Child::SchoolId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Guardian::Table)
                    .col(pk_uuid(Guardian::Id))
                    .col(string(Guardian::Name))
                    .col(string_null(Guardian::IdNumber))
                    .col(string_null(Guardian::Phone))
                    .col(string_null(Guardian::Address))
                    .col(string_null(Guardian::WorkProvince))
                    .col(string_null(Guardian::WorkCity))
                    .col(
                        string(Guardian::GuardianshipCapacity)
                            .check(one_of(Guardian::GuardianshipCapacity, CAPACITIES)),
                    )
                    .col(integer(Guardian::Version).default(1))
                    .col(timestamp_with_time_zone(Guardian::CreatedAt))
                    .col(timestamp_with_time_zone(Guardian::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChildGuardian::Table)
                    .col(pk_uuid(ChildGuardian::Id))
                    .col(uuid(ChildGuardian::ChildId))
                    .col(uuid(ChildGuardian::GuardianId))
                    .col(
                        string(ChildGuardian::Relation)
                            .check(one_of(ChildGuardian::Relation, RELATIONS)),
                    )
                    .col(boolean(ChildGuardian::IsEntrusted).default(false))
                    .col(boolean(ChildGuardian::IsPrimary).default(false))
                    .col(date_null(ChildGuardian::Since))
                    .col(timestamp_with_time_zone_null(ChildGuardian::EndedAt))
                    .col(timestamp_with_time_zone(ChildGuardian::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_child_guardian_child",
                        (ChildGuardian::Table, ChildGuardian::ChildId),
                        (Child::Table, Child::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_child_guardian_guardian",
                        (ChildGuardian::Table, ChildGuardian::GuardianId),
                        (Guardian::Table, Guardian::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_child_guardian")
                    .table(ChildGuardian::Table)
                    .col(ChildGuardian::ChildId)
                    .col(ChildGuardian::GuardianId)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_child_guardian_guardian")
                    .table(ChildGuardian::Table)
                    .col(ChildGuardian::GuardianId)
                    .take(),
            )
            .await?;

        let rated = |area: Visit, note: Visit| {
            [
                string_null(area.clone())
                    .check(
                        Expr::col(area.clone())
                            .is_in(RATINGS.iter().copied())
                            .or(Expr::col(area).is_null()),
                    )
                    .take(),
                text_null(note),
            ]
        };
        let mut visit = Table::create();
        visit
            .table(Visit::Table)
            .col(pk_uuid(Visit::Id))
            .col(uuid(Visit::ChildId))
            .col(uuid(Visit::VisitorAccountId))
            .col(string(Visit::VisitorRole).check(one_of(Visit::VisitorRole, ROLES)))
            .col(timestamp_with_time_zone(Visit::VisitedAt))
            .col(string(Visit::Method).check(one_of(Visit::Method, VISIT_METHODS)));
        for [rating, note] in [
            rated(Visit::LivingRating, Visit::LivingNote),
            rated(Visit::GuardianshipRating, Visit::GuardianshipNote),
            rated(Visit::SchoolingRating, Visit::SchoolingNote),
            rated(Visit::HealthRating, Visit::HealthNote),
            rated(Visit::SafetyRating, Visit::SafetyNote),
        ] {
            visit.col(rating).col(note);
        }
        visit
            .col(boolean(Visit::FollowUpNeeded).default(false))
            .col(date_null(Visit::NextPlannedOn))
            .col(timestamp_with_time_zone(Visit::CreatedAt))
            .col(timestamp_with_time_zone(Visit::UpdatedAt))
            .foreign_key(&mut fk(
                "fk_visit_child",
                (Visit::Table, Visit::ChildId),
                (Child::Table, Child::Id),
            ))
            .foreign_key(&mut fk(
                "fk_visit_account",
                (Visit::Table, Visit::VisitorAccountId),
                (Account::Table, Account::Id),
            ));
        manager.create_table(visit).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_visit_child_visited_at")
                    .table(Visit::Table)
                    .col(Visit::ChildId)
                    .col(Visit::VisitedAt)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_visit_visitor")
                    .table(Visit::Table)
                    .col(Visit::VisitorAccountId)
                    .col(Visit::VisitedAt)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Pairing::Table)
                    .col(pk_uuid(Pairing::Id))
                    .col(uuid(Pairing::TeacherAccountId))
                    .col(uuid(Pairing::ChildId))
                    .col(uuid(Pairing::SchoolId))
                    .col(date(Pairing::StartedOn))
                    .col(date_null(Pairing::EndedOn))
                    .col(timestamp_with_time_zone(Pairing::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_pairing_teacher",
                        (Pairing::Table, Pairing::TeacherAccountId),
                        (Account::Table, Account::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_pairing_child",
                        (Pairing::Table, Pairing::ChildId),
                        (Child::Table, Child::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_pairing_school",
                        (Pairing::Table, Pairing::SchoolId),
                        (Organization::Table, Organization::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pairing_teacher")
                    .table(Pairing::Table)
                    .col(Pairing::TeacherAccountId)
                    .col(Pairing::ChildId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(pk_uuid(AuditEvent::Id))
                    .col(big_integer_null(AuditEvent::Seq).unique_key())
                    .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
                    .col(uuid_null(AuditEvent::ActorAccountId))
                    .col(string_null(AuditEvent::ActorRole))
                    .col(string(AuditEvent::Action))
                    .col(string_null(AuditEvent::SubjectType))
                    .col(uuid_null(AuditEvent::SubjectId))
                    .col(text(AuditEvent::Detail))
                    .col(string_null(AuditEvent::RequestId))
                    .col(string_null(AuditEvent::PrevHash))
                    .col(string_null(AuditEvent::Hash))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_event_subject")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::SubjectId)
                    .col(AuditEvent::OccurredAt)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(pk_uuid(IdempotencyKey::Id))
                    .col(uuid(IdempotencyKey::AccountId))
                    .col(string(IdempotencyKey::Operation))
                    .col(string(IdempotencyKey::Key))
                    .col(uuid(IdempotencyKey::ResultId))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .foreign_key(
                        &mut fk(
                            "fk_idempotency_key_account",
                            (IdempotencyKey::Table, IdempotencyKey::AccountId),
                            (Account::Table, Account::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_idempotency_key")
                    .table(IdempotencyKey::Table)
                    .col(IdempotencyKey::AccountId)
                    .col(IdempotencyKey::Operation)
                    .col(IdempotencyKey::Key)
                    .unique()
                    .take(),
            )
            .await?;

        let db = manager.get_connection();
        // Jurisdiction is a prefix condition on the materialized path. PostgreSQL needs the
        // pattern operator class for `LIKE 'prefix%'` to use a btree index outside the C locale;
        // SQLite uses an ordinary index for it when the column is compared case-sensitively.
        // One active helping teacher per child: a partial unique index, which both support.
        let (region_path, child_path) = match manager.get_database_backend() {
            DbBackend::Postgres => (
                "CREATE INDEX idx_region_path_prefix ON region (path text_pattern_ops)",
                "CREATE INDEX idx_child_region_path ON child (region_path text_pattern_ops, id)",
            ),
            _ => (
                "CREATE INDEX idx_region_path_prefix ON region (path)",
                "CREATE INDEX idx_child_region_path ON child (region_path, id)",
            ),
        };
        db.execute_unprepared(region_path).await?;
        db.execute_unprepared(child_path).await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_pairing_active_child ON pairing (child_id) WHERE ended_on IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKey::Table.into_iden(),
            AuditEvent::Table.into_iden(),
            Pairing::Table.into_iden(),
            Visit::Table.into_iden(),
            ChildGuardian::Table.into_iden(),
            Guardian::Table.into_iden(),
            Child::Table.into_iden(),
            RefreshToken::Table.into_iden(),
            Account::Table.into_iden(),
            Organization::Table.into_iden(),
            Region::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Region {
    Table,
    Id,
    Code,
    Name,
    Level,
    ParentId,
    Path,
}

#[derive(DeriveIden, Clone)]
enum Organization {
    Table,
    Id,
    Code,
    Name,
    Kind,
    RegionId,
    MandatoryReporter,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Account {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    OrganizationId,
    Disabled,
    TokenVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum RefreshToken {
    Table,
    Id,
    AccountId,
    FamilyId,
    TokenHash,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone)]
enum Child {
    Table,
    Id,
    Name,
    Gender,
    BirthDate,
    Ethnicity,
    IdNumber,
    ResidenceVillageId,
    RegionPath,
    Address,
    SchoolId,
    Grade,
    LeftBehindType,
    LivingArrangement,
    HealthStatus,
    HealthDetail,
    DisabilityCategory,
    DisabilityGrade,
    RiskLevel,
    Status,
    NeedsReport,
    ReviewedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Guardian {
    Table,
    Id,
    Name,
    IdNumber,
    Phone,
    Address,
    WorkProvince,
    WorkCity,
    GuardianshipCapacity,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ChildGuardian {
    Table,
    Id,
    ChildId,
    GuardianId,
    Relation,
    IsEntrusted,
    IsPrimary,
    Since,
    EndedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Visit {
    Table,
    Id,
    ChildId,
    VisitorAccountId,
    VisitorRole,
    VisitedAt,
    Method,
    LivingRating,
    LivingNote,
    GuardianshipRating,
    GuardianshipNote,
    SchoolingRating,
    SchoolingNote,
    HealthRating,
    HealthNote,
    SafetyRating,
    SafetyNote,
    FollowUpNeeded,
    NextPlannedOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Pairing {
    Table,
    Id,
    TeacherAccountId,
    ChildId,
    SchoolId,
    StartedOn,
    EndedOn,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum AuditEvent {
    Table,
    Id,
    Seq,
    OccurredAt,
    ActorAccountId,
    ActorRole,
    Action,
    SubjectType,
    SubjectId,
    Detail,
    RequestId,
    PrevHash,
    Hash,
}

#[derive(DeriveIden, Clone)]
enum IdempotencyKey {
    Table,
    Id,
    AccountId,
    Operation,
    Key,
    ResultId,
    CreatedAt,
}
