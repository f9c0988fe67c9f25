//! The Relay `Node` interface and `node(id:)`.

use async_graphql::{Context, ID, Interface, Object, Result};

use crate::{
    domain,
    error::{ApiError, ApiResult},
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

/// The root query each kind of node is read through, or `None` for kinds only ever read inside
/// their parent (a consent inside its child, a screening record inside its campaign). `node(id:)`
/// answers a kind only to callers the policy lets run that query, and scoped as that query is:
/// it never shows what the kind's own query would not.
fn gate(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Region => "regions",
        Kind::Organization => "organizations",
        Kind::Account => "me",
        Kind::Child | Kind::Guardian => "child",
        Kind::Visit => "visits",
        Kind::Report => "report",
        Kind::DropoutCase => "dropoutCases",
        Kind::Assignment => "assignments",
        Kind::ServiceActivity => "serviceActivities",
        Kind::Assessment => "assessments",
        Kind::ServiceItem => "serviceItems",
        Kind::AccessGrant => "accessGrants",
        Kind::BreakGlassAccess => "breakGlassAccesses",
        Kind::ScreeningCampaign => "screeningCampaign",
        Kind::EntrustmentAgreement
        | Kind::Consent
        | Kind::AuditEvent
        | Kind::Pairing
        | Kind::GuardianContact
        | Kind::Intervention
        | Kind::HazardSite
        | Kind::ScreeningTeam
        | Kind::ScreeningRecord => return None,
    })
}

/// A getter's answer as `node` gives it: not found is null, other errors stay errors.
fn found<T>(result: ApiResult<T>) -> ApiResult<Option<T>> {
    match result {
        Ok(model) => Ok(Some(model)),
        Err(ApiError::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
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
        let Some((kind, uuid)) = ids::decode(&id) else {
            return Ok(None);
        };
        let Some(query) = gate(kind) else {
            return Ok(None);
        };
        if state
            .policy
            .level("Query", query, Some(actor.principal.role))
            == Level::None
        {
            return Ok(None);
        }
        let principal = actor.principal;
        Ok(match kind {
            Kind::Region => domain::region::find(db, principal, uuid)
                .await?
                .map(|m| Node::Region(Region(m))),
            Kind::Organization => domain::organization::find(db, principal, uuid)
                .await?
                .map(|m| Node::Organization(Organization(m))),
            Kind::Account => domain::account::find(db, &state.policy, principal, uuid)
                .await?
                .map(|m| Node::Account(Account(m))),
            Kind::Child => domain::child::find(db, &actor, uuid)
                .await?
                .map(|m| Node::Child(Box::new(Child(m)))),
            Kind::Guardian => found(domain::guardian::get(db, &actor, uuid).await)?
                .map(|g| Node::Guardian(Guardian::alone(g))),
            Kind::Visit => {
                found(domain::visit::get(db, &actor, uuid).await)?.map(|m| Node::Visit(Visit(m)))
            }
            Kind::Report => {
                found(domain::report::get(db, &actor, uuid).await)?.map(|m| Node::Report(Report(m)))
            }
            Kind::DropoutCase => found(domain::schooling::get_case(db, &actor, uuid).await)?
                .map(|m| Node::DropoutCase(DropoutCase(m))),
            Kind::Assignment => domain::assignment::find(db, &actor, uuid)
                .await?
                .map(|m| Node::Assignment(Assignment(m))),
            Kind::ServiceActivity => domain::activity::find(db, &actor, uuid)
                .await?
                .map(|m| Node::ServiceActivity(ServiceActivity(m))),
            Kind::Assessment => found(domain::assistance::get(db, &actor, uuid).await)?
                .map(|m| Node::Assessment(Assessment(m))),
            Kind::ServiceItem => found(domain::assistance::get_item(db, &actor, uuid).await)?
                .map(|m| Node::ServiceItem(ServiceItem(m))),
            Kind::AccessGrant => domain::access::find_grant(db, &actor, uuid)
                .await?
                .map(|m| Node::AccessGrant(AccessGrant(m))),
            Kind::BreakGlassAccess => domain::access::opening(db, &actor, uuid)
                .await?
                .map(|m| Node::BreakGlassAccess(BreakGlassAccess(m))),
            Kind::ScreeningCampaign => {
                found(domain::screening::get_campaign(db, &actor, uuid).await)?
                    .map(|m| Node::ScreeningCampaign(ScreeningCampaign(m)))
            }
            Kind::EntrustmentAgreement
            | Kind::Consent
            | Kind::AuditEvent
            | Kind::Pairing
            | Kind::GuardianContact
            | Kind::Intervention
            | Kind::HazardSite
            | Kind::ScreeningTeam
            | Kind::ScreeningRecord => None,
        })
    }
}
