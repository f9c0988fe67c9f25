//! Idempotency keys bind their payload: the fingerprint of the normalized input the key was
//! first sent with, so a key reused for a different record is refused instead of answering
//! with the first one (and silently dropping the new one). Keys stored before this migration
//! have none and are taken as they are.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `idempotency_key.fingerprint`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKey::Table)
                    .add_column(string_null(IdempotencyKey::Fingerprint))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKey::Table)
                    .drop_column(IdempotencyKey::Fingerprint)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Fingerprint,
}
