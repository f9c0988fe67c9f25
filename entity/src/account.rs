//! The `account` table: people who sign in.

use crate::enums::Role;
use sea_orm::entity::prelude::*;

/// A person who signs in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The login name.
    #[sea_orm(unique)]
    pub username: String,
    /// How the person is shown to colleagues.
    pub display_name: String,
    /// The argon2id hash in PHC format.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// The unit the person works for.
    pub organization_id: Uuid,
    /// A disabled account cannot sign in and its tokens stop working.
    pub disabled: bool,
    /// Bumped to revoke every token issued before.
    pub token_version: i32,
    /// The password was set by an administrator: it signs in nowhere until the person
    /// replaces it (`changePassword`).
    pub must_change_password: bool,
    /// When the password was last set (unknown for passwords set before this was kept).
    pub password_set_at: Option<DateTimeUtc>,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
