//! The `Visit` type and its inputs.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::visit;

use crate::{
    domain::visit::{Finding as FindingDraft, VisitDraft},
    graphql::{
        child::types::Child,
        context::ContextExt,
        enums::{Rating, Role, VisitMethod},
        ids::{self, Kind},
    },
    policy::hook::audit_subject,
};

/// The GraphQL `Visit` object over a stored visit; its description for clients is on the
/// `#[Object]` impl.
pub struct Visit(pub visit::Model);

/// What a visitor found in one area.
#[derive(SimpleObject)]
pub struct Finding {
    /// The rating; `SERIOUS` on safety makes the child `needsReport`.
    pub rating: Option<Rating>,
    /// What the visitor saw.
    pub note: Option<String>,
}

impl Visit {
    /// The columns of the visit's row each field reads, by the field's name in the schema, as
    /// [`Child::COLUMNS`] has them for a child: what a child's first visits read of each row.
    pub const COLUMNS: &[(&str, &[visit::Column])] = {
        use visit::Column as C;
        &[
            ("id", &[]),
            ("child", &[C::ChildId]),
            ("visitedAt", &[C::VisitedAt]),
            ("method", &[C::Method]),
            ("visitorRole", &[C::VisitorRole]),
            ("visitorId", &[C::VisitorAccountId]),
            ("living", &[C::LivingRating, C::LivingNote]),
            (
                "guardianship",
                &[C::GuardianshipRating, C::GuardianshipNote],
            ),
            ("schooling", &[C::SchoolingRating, C::SchoolingNote]),
            ("health", &[C::HealthRating, C::HealthNote]),
            ("safety", &[C::SafetyRating, C::SafetyNote]),
            ("followUpNeeded", &[C::FollowUpNeeded]),
            ("nextPlannedOn", &[C::NextPlannedOn]),
            ("recordedAt", &[C::CreatedAt]),
            ("correctableUntil", &[C::CreatedAt]),
            ("annotation", &[C::Annotation]),
            ("annotatedAt", &[C::AnnotatedAt]),
        ]
    };

    fn finding(
        &self,
        ctx: &Context<'_>,
        rating: Option<entity::enums::Rating>,
        note: &Option<String>,
    ) -> Option<Finding> {
        audit_subject(ctx, Kind::Visit, self.0.id);
        Some(Finding {
            rating: rating.map(Into::into),
            note: note.clone(),
        })
    }
}

/// A visit to a child (走访): a child director's monthly home visit, a teacher's home visit, a
/// follow-up. Findings are sensitive: their reads are audited and some roles see only when a
/// visit took place.
#[Object]
impl Visit {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Visit, self.0.id)
    }

    /// The child visited.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// When the visit took place.
    async fn visited_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.visited_at)
    }

    /// How.
    async fn method(&self) -> Option<VisitMethod> {
        Some(self.0.method.into())
    }

    /// The visitor's role at the time.
    async fn visitor_role(&self) -> Option<Role> {
        Some(self.0.visitor_role.into())
    }

    /// The visitor (global ID of the account).
    async fn visitor_id(&self) -> Option<ID> {
        Some(ids::encode(Kind::Account, self.0.visitor_account_id))
    }

    /// Living conditions.
    async fn living(&self, ctx: &Context<'_>) -> Option<Finding> {
        self.finding(ctx, self.0.living_rating, &self.0.living_note)
    }

    /// Guardianship.
    async fn guardianship(&self, ctx: &Context<'_>) -> Option<Finding> {
        self.finding(ctx, self.0.guardianship_rating, &self.0.guardianship_note)
    }

    /// Schooling.
    async fn schooling(&self, ctx: &Context<'_>) -> Option<Finding> {
        self.finding(ctx, self.0.schooling_rating, &self.0.schooling_note)
    }

    /// Health.
    async fn health(&self, ctx: &Context<'_>) -> Option<Finding> {
        self.finding(ctx, self.0.health_rating, &self.0.health_note)
    }

    /// Safety.
    async fn safety(&self, ctx: &Context<'_>) -> Option<Finding> {
        self.finding(ctx, self.0.safety_rating, &self.0.safety_note)
    }

    /// Whether the visitor asked for follow-up.
    async fn follow_up_needed(&self) -> Option<bool> {
        Some(self.0.follow_up_needed)
    }

    /// The next planned visit.
    async fn next_planned_on(&self) -> Option<NaiveDate> {
        self.0.next_planned_on
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.created_at)
    }

    /// Until when its author may correct it; after that it is fixed.
    async fn correctable_until(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        let hours = ctx.state().config.visit_correction_window_hours;
        Some(self.0.created_at + TimeDelta::hours(i64::from(hours)))
    }

    /// A civil affairs officer's note on the fixed visit.
    async fn annotation(&self) -> Option<&str> {
        self.0.annotation.as_deref()
    }

    /// When it was annotated.
    async fn annotated_at(&self) -> Option<DateTime<Utc>> {
        self.0.annotated_at
    }
}

/// One area's finding as entered.
#[derive(InputObject, Default)]
pub struct FindingInput {
    /// The rating.
    pub rating: Option<Rating>,
    /// What you saw.
    pub note: Option<String>,
}

impl From<Option<FindingInput>> for FindingDraft {
    fn from(input: Option<FindingInput>) -> Self {
        let input = input.unwrap_or_default();
        Self {
            rating: input.rating.map(Into::into),
            note: input.note,
        }
    }
}

/// What a visit found, as entered (recording or correcting).
#[derive(InputObject)]
pub struct VisitFields {
    /// When the visit took place.
    pub visited_at: DateTime<Utc>,
    /// How.
    pub method: VisitMethod,
    /// Living conditions.
    pub living: Option<FindingInput>,
    /// Guardianship.
    pub guardianship: Option<FindingInput>,
    /// Schooling.
    pub schooling: Option<FindingInput>,
    /// Health.
    pub health: Option<FindingInput>,
    /// Safety; a `SERIOUS` rating makes the child `needsReport`.
    pub safety: Option<FindingInput>,
    /// Whether follow-up is needed.
    #[graphql(default)]
    pub follow_up_needed: bool,
    /// The next planned visit.
    pub next_planned_on: Option<NaiveDate>,
}

impl From<VisitFields> for VisitDraft {
    fn from(input: VisitFields) -> Self {
        Self {
            visited_at: input.visited_at,
            method: input.method.into(),
            living: input.living.into(),
            guardianship: input.guardianship.into(),
            schooling: input.schooling.into(),
            health: input.health.into(),
            safety: input.safety.into(),
            follow_up_needed: input.follow_up_needed,
            next_planned_on: input.next_planned_on,
        }
    }
}
