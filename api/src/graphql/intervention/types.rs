//! The `Intervention` type and its enums.

use async_graphql::{Enum, ID, Object};
use chrono::NaiveDate;
use entity::intervention;

use crate::{
    domain::{child::parse_list, intervention::Ground as DomainGround},
    graphql::ids::{self, Kind},
};

/// What was done about a guardian (监护干预).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::InterventionKind")]
pub enum InterventionKind {
    /// Criticism and education by the police.
    CriticismAndEducation,
    /// A public-security penalty.
    PublicSecurityPenalty,
    /// A criminal case opened.
    CriminalCaseOpened,
    /// A petition to revoke the guardianship filed with the court.
    RevocationPetitionFiled,
    /// The court's decision (with `revokesGuardianship` when it revokes).
    CourtDecision,
    /// A new guardian designated (clears `needsGuardian`).
    NewGuardianDesignated,
}

/// The grounds the plan names for intervening.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainGround")]
pub enum Ground {
    /// Domestic violence against the child.
    DomesticViolence,
    /// Abuse.
    Abuse,
    /// Abandonment.
    Abandonment,
    /// Left unsupervised in danger and unchanged after education.
    LeftInDangerUnchangedAfterEducation,
    /// Refused the duties of guardianship for 6 months or more, leaving the child without support.
    RefusedDutiesSixMonths,
    /// Violence, abuse or abandonment that seriously harmed the child.
    SeriousHarm,
}

/// The GraphQL `Intervention` object over a stored intervention.
pub struct Intervention(pub intervention::Model);

/// An intervention against a guardian of a child (监护干预), with its court or police references.
#[Object]
impl Intervention {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Intervention, self.0.id)
    }

    /// What was done.
    async fn kind(&self) -> InterventionKind {
        self.0.kind.into()
    }

    /// The guardian it is against (or, for a new guardian, the one designated).
    async fn guardian_id(&self) -> ID {
        ids::encode(Kind::Guardian, self.0.guardian_id)
    }

    /// Why.
    async fn grounds(&self) -> Vec<Ground> {
        parse_list::<DomainGround>(&self.0.grounds)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// Who petitioned.
    async fn petitioner(&self) -> Option<&str> {
        self.0.petitioner.as_deref()
    }

    /// The police or court case number.
    async fn case_number(&self) -> Option<&str> {
        self.0.case_number.as_deref()
    }

    /// Whether the court decision revoked the guardianship.
    async fn revokes_guardianship(&self) -> bool {
        self.0.revokes_guardianship
    }

    /// When it was decided or done.
    async fn decided_on(&self) -> NaiveDate {
        self.0.decided_on
    }
}
