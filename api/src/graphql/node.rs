//! The Relay `Node` interface and `node(id:)`.

use async_graphql::{Context, ID, Interface, Object, Result};

use crate::{
    domain,
    error::ApiError,
    graphql::{
        account::types::Account,
        child::types::{Child, Guardian},
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
    },
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
}

/// The `node` query.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when there is none the caller may see (out of scope
    /// reads as not found).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's global ID, as its `id` field gave it.")] id: ID,
    ) -> Result<Option<Node>> {
        let principal = ctx.principal()?;
        let db = &ctx.state().db;
        let Some((kind, uuid)) = ids::decode(&id) else {
            return Ok(None);
        };
        Ok(match kind {
            Kind::Region => domain::region::find(db, principal, uuid)
                .await?
                .map(|m| Node::Region(Region(m))),
            Kind::Organization => domain::organization::find(db, principal, uuid)
                .await?
                .map(|m| Node::Organization(Organization(m))),
            Kind::Account => domain::account::find(db, &ctx.state().policy, principal, uuid)
                .await?
                .map(|m| Node::Account(Account(m))),
            Kind::Child => domain::child::find(db, &ctx.actor()?, uuid)
                .await?
                .map(|m| Node::Child(Box::new(Child(m)))),
            Kind::Guardian => match domain::guardian::get(db, &ctx.actor()?, uuid).await {
                Ok(g) => Some(Node::Guardian(Guardian::alone(g))),
                Err(ApiError::NotFound) => None,
                Err(err) => return Err(err.into()),
            },
            Kind::EntrustmentAgreement
            | Kind::Consent
            | Kind::AuditEvent
            | Kind::Visit
            | Kind::Pairing
            | Kind::GuardianContact
            | Kind::DropoutCase
            | Kind::Assignment
            | Kind::ServiceActivity
            | Kind::Report
            | Kind::Intervention
            | Kind::Assessment
            | Kind::ServiceItem
            | Kind::AccessGrant
            | Kind::BreakGlassAccess
            | Kind::ScreeningCampaign
            | Kind::HazardSite
            | Kind::ScreeningTeam
            | Kind::ScreeningRecord => None,
        })
    }
}
