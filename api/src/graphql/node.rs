//! The Relay `Node` interface and `node(id:)`.

use async_graphql::{Context, ID, Interface, Object, Result};
use futures_util::{FutureExt, future::BoxFuture};

use crate::{
    domain,
    error::{ApiResult, found},
    graphql::{
        account::types::Account,
        activity::types::ServiceActivity,
        assistance::types::{AccessGrant, Assessment, BreakGlassAccess, ServiceItem},
        child::types::{Child, Guardian},
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
        report::types::Report,
        schooling::types::{Assignment, DropoutCase},
        screening::types::ScreeningCampaign,
        visit::types::Visit,
    },
    policy::Level,
};

/// An object that can be fetched again by its global ID with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    /// A region.
    Region(Region),
    /// An organization.
    Organization(Organization),
    /// An account.
    Account(Account),
    /// A child.
    Child(Box<Child>),
    /// A guardian.
    Guardian(Guardian),
    /// A home visit.
    Visit(Visit),
    /// A mandatory report.
    Report(Report),
    /// A dropout case.
    DropoutCase(DropoutCase),
    /// An assignment of a unit.
    Assignment(Assignment),
    /// A service activity.
    ServiceActivity(ServiceActivity),
    /// An assessment.
    Assessment(Assessment),
    /// A service item.
    ServiceItem(ServiceItem),
    /// An access grant.
    AccessGrant(AccessGrant),
    /// A break-glass opening.
    BreakGlassAccess(BreakGlassAccess),
    /// A screening campaign.
    ScreeningCampaign(ScreeningCampaign),
}

/// The `node` query.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when there is none the caller may see (out of scope
    /// reads as not found), when the caller may not run the query that lists its kind, and for
    /// kinds read only inside their parent (consents, agreements, pairings, contacts,
    /// interventions, audit events, hazard sites, screening teams and records).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's global ID, as its `id` field gave it.")] id: ID,
    ) -> Result<Option<Node>> {
        let actor = ctx.actor()?;
        let state = ctx.state();
        let db = &state.db;
        let policy = &state.policy;
        let principal = actor.principal;
        let Some((kind, uuid)) = ids::decode(&id) else {
            return Ok(None);
        };
        // Each kind with the root query it is read through: `node` answers a kind only to
        // callers the policy lets run that query, and scoped as that query is, so it never
        // shows what the kind's own query would not.
        let (query, read): (&str, BoxFuture<'_, ApiResult<Option<Node>>>) = match kind {
            Kind::Region => (
                "regions",
                async move {
                    let model = domain::region::find(db, principal, uuid).await?;
                    Ok(model.map(|m| Node::Region(Region(m))))
                }
                .boxed(),
            ),
            Kind::Organization => (
                "organizations",
                async move {
                    let model = domain::organization::find(db, principal, uuid).await?;
                    Ok(model.map(|m| Node::Organization(Organization(m))))
                }
                .boxed(),
            ),
            Kind::Account => (
                "me",
                async move {
                    let model = domain::account::find(db, policy, principal, uuid).await?;
                    Ok(model.map(|m| Node::Account(Account(m))))
                }
                .boxed(),
            ),
            Kind::Child => (
                "child",
                async move {
                    let model = domain::child::find(db, &actor, uuid).await?;
                    Ok(model.map(|m| Node::Child(Box::new(Child(m)))))
                }
                .boxed(),
            ),
            Kind::Guardian => (
                "child",
                async move {
                    let model = found(domain::guardian::get(db, &actor, uuid).await)?;
                    Ok(model.map(|g| Node::Guardian(Guardian::alone(g))))
                }
                .boxed(),
            ),
            Kind::Visit => (
                "visits",
                async move {
                    let model = found(domain::visit::get(db, &actor, uuid).await)?;
                    Ok(model.map(|m| Node::Visit(Visit(m))))
                }
                .boxed(),
            ),
            Kind::Report => (
                "report",
                async move {
                    let model = found(domain::report::get(db, &actor, uuid).await)?;
                    Ok(model.map(|m| Node::Report(Report(m))))
                }
                .boxed(),
            ),
            Kind::DropoutCase => (
                "dropoutCases",
                async move {
                    let model = found(domain::schooling::get_case(db, &actor, uuid).await)?;
                    Ok(model.map(|m| Node::DropoutCase(DropoutCase(m))))
                }
                .boxed(),
            ),
            Kind::Assignment => (
                "assignments",
                async move {
                    let model = domain::assignment::find(db, &actor, uuid).await?;
                    Ok(model.map(|m| Node::Assignment(Assignment(m))))
                }
                .boxed(),
            ),
            Kind::ServiceActivity => (
                "serviceActivities",
                async move {
                    let model = domain::activity::find(db, &actor, uuid).await?;
                    Ok(model.map(|m| Node::ServiceActivity(ServiceActivity(m))))
                }
                .boxed(),
            ),
            Kind::Assessment => (
                "assessments",
                async move {
                    let model = found(domain::assistance::get(db, &actor, uuid).await)?;
                    Ok(model.map(|m| Node::Assessment(Assessment(m))))
                }
                .boxed(),
            ),
            Kind::ServiceItem => (
                "serviceItems",
                async move {
                    let model = found(domain::assistance::get_item(db, &actor, uuid).await)?;
                    Ok(model.map(|m| Node::ServiceItem(ServiceItem(m))))
                }
                .boxed(),
            ),
            Kind::AccessGrant => (
                "accessGrants",
                async move {
                    let model = domain::access::find_grant(db, &actor, uuid).await?;
                    Ok(model.map(|m| Node::AccessGrant(AccessGrant(m))))
                }
                .boxed(),
            ),
            Kind::BreakGlassAccess => (
                "breakGlassAccesses",
                async move {
                    let model = domain::access::opening(db, &actor, uuid).await?;
                    Ok(model.map(|m| Node::BreakGlassAccess(BreakGlassAccess(m))))
                }
                .boxed(),
            ),
            Kind::ScreeningCampaign => (
                "screeningCampaign",
                async move {
                    let model = found(domain::screening::get_campaign(db, &actor, uuid).await)?;
                    Ok(model.map(|m| Node::ScreeningCampaign(ScreeningCampaign(m))))
                }
                .boxed(),
            ),
            // Read only inside their parent: a consent inside its child, a screening record
            // inside its campaign.
            Kind::EntrustmentAgreement
            | Kind::Consent
            | Kind::AuditEvent
            | Kind::Pairing
            | Kind::GuardianContact
            | Kind::Intervention
            | Kind::HazardSite
            | Kind::ScreeningTeam
            | Kind::ScreeningRecord => return Ok(None),
        };
        if policy.level("Query", query, Some(principal.role)) == Level::None {
            return Ok(None);
        }
        Ok(read.await?)
    }
}
