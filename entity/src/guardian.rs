//! The `guardian` table: parents, grandparents and other guardians.

use crate::enums::GuardianshipCapacity;
use sea_orm::entity::prelude::*;

/// A guardian of one or more children.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "guardian")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// Resident ID number, when known.
    pub id_number: Option<String>,
    /// Mobile number.
    pub phone: Option<String>,
    /// Home address.
    pub address: Option<String>,
    /// Province where the guardian works away from home.
    pub work_province: Option<String>,
    /// City where the guardian works away from home.
    pub work_city: Option<String>,
    /// Whether the guardian is able to care for the child.
    pub guardianship_capacity: GuardianshipCapacity,
    /// Optimistic concurrency: bumped on every update.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::projectable!(Model {
    id,
    name,
    id_number,
    phone,
    address,
    work_province,
    work_city,
    guardianship_capacity,
    version,
    created_at,
    updated_at,
});
