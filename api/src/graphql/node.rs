//! The Relay `Node` interface and `node(id:)`, declared from one list: each kind of global ID
//! once, with its object type, the fields a caller must be allowed to read to reach it (the
//! kind's own query, and for a kind read inside a parent, the parent's field too) and how it is
//! read, scoped as that query reads it. A kind left out of the list does not compile.

use async_graphql::{Context, ID, Interface, Object, Result};
use futures_util::{FutureExt, future::BoxFuture};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    domain::{self, Actor},
    error::{ApiResult, found},
    graphql::{
        account::types::Account,
        activity::types::ServiceActivity,
        assignment::mutation::Evaluation,
        assistance::types::{AccessGrant, Assessment, BreakGlassAccess, ServiceItem},
        audit::types::AuditEvent,
        child::types::{Child, Consent, EntrustmentAgreement, Guardian},
        context::ContextExt,
        ids::{self, Kind},
        inspection::{Inspection, InspectionFinding},
        intervention::types::Intervention,
        organization::types::Organization,
        pairing::types::{GuardianContact, Pairing},
        parent_contact::ParentContact,
        region::types::Region,
        report::types::Report,
        schooling::types::{Assignment, DropoutCase},
        screening::types::{HazardSite, ScreeningCampaign, ScreeningRecord, ScreeningTeam},
        submission::types::LedgerSubmission,
        venue::Venue,
        visit::types::Visit,
    },
    policy::Level,
};

/// Declares the `Node` interface and the reading of each kind from one list.
macro_rules! nodes {
    ($(
        $(#[doc = $doc:literal])*
        $kind:ident($($ty:tt)+) through [$($gate:literal),+]
            = |$db:ident, $actor:ident, $id:ident| $read:expr;
    )*) => {
        /// An object that can be fetched again by its global ID with `node(id:)`.
        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
        pub enum Node {
            $($(#[doc = $doc])* $kind($($ty)+),)*
        }

        /// The fields a caller must be allowed to read to reach a kind (`Type.field`), and the
        /// reading of one record of it for `actor`.
        fn reach<'a>(
            kind: Kind,
            db: &'a DatabaseConnection,
            actor: &'a Actor<'a>,
            id: Uuid,
        ) -> (&'static [&'static str], BoxFuture<'a, ApiResult<Option<Node>>>) {
            match kind {
                $(Kind::$kind => (
                    &[$($gate),+],
                    async move {
                        let ($db, $actor, $id) = (db, actor, id);
                        let found: Option<$($ty)+> = $read;
                        Ok(found.map(Node::$kind))
                    }
                    .boxed(),
                ),)*
            }
        }
    };
}

nodes! {
    /// A region.
    Region(Region) through ["Query.regions"]
        = |db, actor, id| domain::region::find(db, actor.principal, id).await?.map(Region);
    /// An organization.
    Organization(Organization) through ["Query.organizations"]
        = |db, actor, id| {
            domain::organization::find(db, actor.principal, id).await?.map(Organization)
        };
    /// An account.
    Account(Account) through ["Query.me"]
        = |db, actor, id| {
            domain::account::find(db, actor.policy, actor.principal, id).await?.map(Account)
        };
    /// A child.
    Child(Box<Child>) through ["Query.child"]
        = |db, actor, id| domain::child::find(db, actor, id).await?.map(|m| Box::new(Child(m)));
    /// A guardian.
    Guardian(Guardian) through ["Query.child", "Child.guardians"]
        = |db, actor, id| found(domain::guardian::get(db, actor, id).await)?.map(Guardian::alone);
    /// An entrustment agreement.
    EntrustmentAgreement(EntrustmentAgreement)
        through ["Query.child", "Child.entrustmentAgreements"]
        = |db, actor, id| {
            use entity::entrustment_agreement::{Column, Entity};
            domain::child::owned::<Entity>(db, actor, (Column::Id, id), Column::ChildId)
                .await?
                .map(EntrustmentAgreement)
        };
    /// A consent.
    Consent(Consent) through ["Query.child", "Child.consents"]
        = |db, actor, id| {
            use entity::consent::{Column, Entity};
            domain::child::owned::<Entity>(db, actor, (Column::Id, id), Column::ChildId)
                .await?
                .map(Consent)
        };
    /// An audit event.
    AuditEvent(AuditEvent) through ["Query.auditTrail"]
        = |db, actor, id| domain::audit_trail::event(db, actor, id).await?.map(AuditEvent);
    /// A home visit.
    Visit(Visit) through ["Query.visits"]
        = |db, actor, id| found(domain::visit::get(db, actor, id).await)?.map(Visit);
    /// A pairing of a teacher with a child.
    Pairing(Pairing) through ["Query.child", "Child.helpingTeacher"]
        = |db, actor, id| {
            use entity::pairing::{Column, Entity};
            domain::child::owned::<Entity>(db, actor, (Column::Id, id), Column::ChildId)
                .await?
                .map(Pairing)
        };
    /// A helping teacher's contact with a child's guardian.
    GuardianContact(GuardianContact) through ["Query.child", "Child.guardianContacts"]
        = |db, actor, id| {
            use entity::guardian_contact::{Column, Entity};
            domain::child::owned::<Entity>(db, actor, (Column::Id, id), Column::ChildId)
                .await?
                .map(GuardianContact)
        };
    /// A child's contact with a parent working away.
    ParentContact(ParentContact) through ["Query.child", "Child.parentContacts"]
        = |db, actor, id| {
            use entity::parent_contact::{Column, Entity};
            domain::child::owned::<Entity>(db, actor, (Column::Id, id), Column::ChildId)
                .await?
                .map(ParentContact)
        };
    /// A venue where children are served (not personal data: every account reads venues).
    Venue(Venue) through ["Query.venues"]
        = |db, _actor, id| {
            use sea_orm::EntityTrait;
            entity::venue::Entity::find_by_id(id).one(db).await?.map(Venue)
        };
    /// A dropout case.
    DropoutCase(DropoutCase) through ["Query.dropoutCases"]
        = |db, actor, id| found(domain::schooling::get_case(db, actor, id).await)?.map(DropoutCase);
    /// An assignment of a unit.
    Assignment(Assignment) through ["Query.assignments"]
        = |db, actor, id| domain::assignment::find(db, actor, id).await?.map(Assignment);
    /// A service activity.
    ServiceActivity(ServiceActivity) through ["Query.serviceActivities"]
        = |db, actor, id| domain::activity::find(db, actor, id).await?.map(ServiceActivity);
    /// A mandatory report.
    Report(Report) through ["Query.report"]
        = |db, actor, id| found(domain::report::get(db, actor, id).await)?.map(Report);
    /// A guardianship intervention.
    Intervention(Intervention) through ["Query.child", "Child.interventions"]
        = |db, actor, id| {
            use entity::intervention::{Column, Entity};
            domain::child::owned::<Entity>(db, actor, (Column::Id, id), Column::ChildId)
                .await?
                .map(Intervention)
        };
    /// An assessment.
    Assessment(Assessment) through ["Query.assessments"]
        = |db, actor, id| found(domain::assistance::get(db, actor, id).await)?.map(Assessment);
    /// A service item.
    ServiceItem(ServiceItem) through ["Query.serviceItems"]
        = |db, actor, id| {
            found(domain::assistance::get_item(db, actor, id).await)?.map(ServiceItem)
        };
    /// An access grant.
    AccessGrant(AccessGrant) through ["Query.accessGrants"]
        = |db, actor, id| domain::access::find_grant(db, actor, id).await?.map(AccessGrant);
    /// A break-glass opening.
    BreakGlassAccess(BreakGlassAccess) through ["Query.breakGlassAccesses"]
        = |db, actor, id| domain::access::opening(db, actor, id).await?.map(BreakGlassAccess);
    /// A screening campaign.
    ScreeningCampaign(ScreeningCampaign) through ["Query.screeningCampaign"]
        = |db, actor, id| {
            found(domain::screening::get_campaign(db, actor, id).await)?.map(ScreeningCampaign)
        };
    /// A hazard site.
    HazardSite(HazardSite) through ["Query.hazardSites"]
        = |db, actor, id| domain::screening::site(db, actor, id).await?.map(HazardSite);
    /// A screening team.
    ScreeningTeam(ScreeningTeam) through ["Query.screeningCampaign", "ScreeningCampaign.teams"]
        = |db, actor, id| domain::screening::team(db, actor, id).await?.map(ScreeningTeam);
    /// A screening record.
    ScreeningRecord(ScreeningRecord)
        through ["Query.screeningCampaign", "ScreeningCampaign.records"]
        = |db, actor, id| {
            domain::screening::record_by_id(db, actor, id).await?.map(ScreeningRecord)
        };
    /// A submission of the ledger.
    LedgerSubmission(LedgerSubmission) through ["Query.ledgerSubmissions"]
        = |db, actor, id| {
            domain::submission::find(db, actor.principal, id).await?.map(LedgerSubmission)
        };
    /// An inspection.
    Inspection(Inspection) through ["Query.inspections"]
        = |db, actor, id| domain::inspection::find(db, actor, id).await?.map(Inspection);
    /// An inspection's finding.
    InspectionFinding(InspectionFinding) through ["Query.inspections", "Inspection.findings"]
        = |db, actor, id| {
            domain::inspection::find_finding(db, actor, id)
                .await?
                .map(InspectionFinding)
        };
    /// A commendation or accountability decision.
    Evaluation(Evaluation) through ["Query.evaluations"]
        = |db, actor, id| domain::assignment::find_evaluation(db, actor, id).await?.map(Evaluation);
}

/// The `node` query.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when there is none the caller may see. An object is
    /// answered only to a caller who may run the query that reads its kind (for a kind read
    /// inside a parent, such as a consent inside its child, also the parent's field), and
    /// scoped as that query reads it: out of scope reads as not found.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's global ID, as its `id` field gave it.")] id: ID,
    ) -> Result<Option<Node>> {
        let actor = ctx.actor()?;
        let state = ctx.state();
        let Some((kind, uuid)) = ids::decode(&id) else {
            return Ok(None);
        };
        let (gates, read) = reach(kind, &state.db, &actor, uuid);
        let role = Some(actor.principal.role);
        let allowed = gates.iter().all(|gate| {
            gate.split_once('.')
                .is_some_and(|(ty, field)| state.policy.level(ty, field, role) != Level::None)
        });
        if !allowed {
            return Ok(None);
        }
        Ok(read.await?)
    }
}
