//! Relay cursor connections over keyset pages. A cursor is the row's sort key sealed for the
//! account, the list and the key's type (see [`crate::auth::seal`]): it carries values a role
//! may not read (a name, a birth date), so no client can open it, and a cursor altered, made by
//! hand, or issued to another account or for another list is refused as `BAD_USER_INPUT` on
//! `after`. A cursor is sealed only when a client selects it. Each list's node type is named
//! once, in the `connections!` list.

use std::{
    marker::PhantomData,
    sync::{Arc, OnceLock},
};

use async_graphql::{ComplexObject, Context, OutputType, SimpleObject};
use entity::projection::Columns;
use sea_orm::EntityTrait;
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::{
    domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, Slice},
    error::ApiError,
    graphql::{
        account::types::Account,
        activity::types::ServiceActivity,
        assignment::mutation::Evaluation,
        assistance::types::{AccessGrant, Assessment, BreakGlassAccess, ServiceItem},
        audit::types::AuditEvent,
        child::types::Child,
        context::ContextExt,
        inspection::Inspection,
        organization::types::Organization,
        report::types::{DeadlineAlert, Report},
        schooling::types::{Assignment, DropoutCase},
        screening::types::{ScreeningCampaign, ScreeningRecord},
        venue::Venue,
        visit::types::Visit,
    },
};

/// Declares the connection and edge types from one list: each listed node type with the names
/// of its connection and edge types in the schema.
macro_rules! connections {
    ($($node:ident => $connection:literal, $edge:literal;)*) => {
        #[doc = "One page of a list, in the list's order (a Relay cursor connection). Ask for the \
                 next page\nwith `after: pageInfo.endCursor` while `pageInfo.hasNextPage` is true."]
        #[derive(SimpleObject)]
        #[graphql(complex)]
        $(#[graphql(concrete(name = $connection, params($node)))])*
        pub struct Connection<T: OutputType>
        where
            Edge<T>: OutputType,
        {
            /// The rows of this page, each with its cursor.
            pub edges: Vec<Edge<T>>,
            /// Where this page stands in the list.
            pub page_info: PageInfo,
            /// The rows of the whole list, counted when selected.
            #[graphql(skip)]
            total: Option<u64>,
        }

        /// One row of a page and its cursor.
        #[derive(SimpleObject)]
        #[graphql(complex)]
        $(#[graphql(concrete(name = $edge, params($node)))])*
        pub struct Edge<T: OutputType> {
            /// Where the row stands, sealed into its cursor when asked.
            #[graphql(skip)]
            position: Position,
            /// The row.
            pub node: T,
        }
    };
}

#[ComplexObject]
impl<T: OutputType> Connection<T>
where
    Edge<T>: OutputType,
{
    /// How many rows the whole list holds, under the same filters and within what you may
    /// see (not only this page). Counting costs a statement: select it when you show it.
    async fn total_count(&self) -> async_graphql::Result<i32> {
        self.total
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("the list was read without its count")).into()
            })
    }
}

#[ComplexObject]
impl<T: OutputType> Edge<T> {
    /// Opaque position of this row: pass it as `after` to read the rows that follow it.
    async fn cursor(&self, ctx: &Context<'_>) -> String {
        self.position.seal(ctx)
    }
}

/// A row's sort key and what its list's cursors are bound to: a cursor in waiting, sealed
/// only when a client selects it (sealing costs a key derivation and an encryption per row),
/// and once: an edge's cursor and the page's start or end cursor for the same row are the same
/// string, as clients that match them expect.
#[derive(Clone)]
struct Position {
    key: Arc<[u8]>,
    context: Arc<[u8]>,
    sealed: Arc<OnceLock<String>>,
}

impl Position {
    fn seal(&self, ctx: &Context<'_>) -> String {
        self.sealed
            .get_or_init(|| ctx.state().cursors.seal(&self.key, &self.context))
            .clone()
    }
}

connections! {
    Organization => "OrganizationConnection", "OrganizationEdge";
    Account => "AccountConnection", "AccountEdge";
    Child => "ChildConnection", "ChildEdge";
    AuditEvent => "AuditEventConnection", "AuditEventEdge";
    Visit => "VisitConnection", "VisitEdge";
    DropoutCase => "DropoutCaseConnection", "DropoutCaseEdge";
    Assignment => "AssignmentConnection", "AssignmentEdge";
    ServiceActivity => "ServiceActivityConnection", "ServiceActivityEdge";
    Report => "ReportConnection", "ReportEdge";
    DeadlineAlert => "DeadlineAlertConnection", "DeadlineAlertEdge";
    ScreeningRecord => "ScreeningRecordConnection", "ScreeningRecordEdge";
    ScreeningCampaign => "ScreeningCampaignConnection", "ScreeningCampaignEdge";
    BreakGlassAccess => "BreakGlassAccessConnection", "BreakGlassAccessEdge";
    ServiceItem => "ServiceItemConnection", "ServiceItemEdge";
    Assessment => "AssessmentConnection", "AssessmentEdge";
    AccessGrant => "AccessGrantConnection", "AccessGrantEdge";
    Venue => "VenueConnection", "VenueEdge";
    Inspection => "InspectionConnection", "InspectionEdge";
    Evaluation => "EvaluationConnection", "EvaluationEdge";
}

/// Where a page stands in its list.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PageInfo {
    /// Whether rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page (true when it was read `after` a cursor).
    pub has_previous_page: bool,
    /// The positions of the page's first and last rows.
    #[graphql(skip)]
    ends: Option<(Position, Position)>,
}

#[ComplexObject]
impl PageInfo {
    /// The cursor of the first row of the page; null when the page is empty.
    async fn start_cursor(&self, ctx: &Context<'_>) -> Option<String> {
        self.ends.as_ref().map(|(first, _)| first.seal(ctx))
    }

    /// The cursor of the last row of the page; null when the page is empty.
    async fn end_cursor(&self, ctx: &Context<'_>) -> Option<String> {
        self.ends.as_ref().map(|(_, last)| last.seal(ctx))
    }
}

/// The columns of `E` the fields selected on this connection's nodes read, by `reads` (the
/// node type's fields with the columns each reads), with the row's key: the whole row when a
/// selected field is not listed there. Fragments are looked into; `__typename` reads nothing.
pub fn node_columns<E: EntityTrait>(
    ctx: &Context<'_>,
    reads: &[(&str, &[E::Column])],
) -> Columns<E> {
    let mut columns = Columns::key();
    for node in ctx
        .look_ahead()
        .field("edges")
        .field("node")
        .selection_fields()
    {
        for field in node.selection_set() {
            if field.name() == "__typename" {
                continue;
            }
            let Some((_, read)) = reads.iter().find(|(name, _)| *name == field.name()) else {
                return Columns::all();
            };
            columns = read.iter().fold(columns, |columns, c| columns.with(*c));
        }
    }
    columns
}

/// What a cursor of this list is bound to: the account it was issued to, the field that
/// listed it, the record whose list it is (for a list under a record) and the type of its sort
/// key.
fn cursor_context<K>(ctx: &Context<'_>, owner: Option<Uuid>) -> Vec<u8> {
    let account = ctx
        .principal()
        .map(|p| p.account_id.to_string())
        .unwrap_or_default();
    let owner = owner.map(|o| o.to_string()).unwrap_or_default();
    format!(
        "{account}|{}|{owner}|{}",
        ctx.item.node.name.node,
        std::any::type_name::<K>()
    )
    .into_bytes()
}

/// A list's paging arguments as read, for building its connection: the sort key type `K`
/// and the owner its cursors are sealed for are those its page was read with, so every cursor
/// it hands out opens on the next request.
pub struct Paging<K> {
    owner: Option<Uuid>,
    after_cursor: bool,
    key: PhantomData<K>,
}

/// Reads `first` and `after` into a page of sort key `K`, for a list at the root.
pub fn page<K: DeserializeOwned>(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<(Page<K>, Paging<K>), ApiError> {
    page_in(ctx, None, first, after)
}

/// Reads `first` and `after` into a page of sort key `K`, for the list of the record `owner`
/// (a cursor of another record's list is refused).
pub fn page_in<K: DeserializeOwned>(
    ctx: &Context<'_>,
    owner: Option<Uuid>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<(Page<K>, Paging<K>), ApiError> {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(0..=MAX_PAGE_SIZE).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            format!("must be between 0 and {MAX_PAGE_SIZE}"),
        ));
    }
    let after = after
        .map(|cursor| {
            ctx.state()
                .cursors
                .open(cursor, &cursor_context::<K>(ctx, owner))
                .and_then(|json| serde_json::from_slice(&json).ok())
                .ok_or_else(|| ApiError::bad_input("after", "not a cursor of this list"))
        })
        .transpose()?;
    let paging = Paging {
        owner,
        after_cursor: after.is_some(),
        key: PhantomData,
    };
    let page = Page {
        first: u64::try_from(first).unwrap_or_default(),
        after,
        count: ctx
            .look_ahead()
            .field("totalCount")
            .exists()
            .then(|| ctx.reading_work().clone()),
    };
    Ok((page, paging))
}

impl<K: Serialize> Paging<K> {
    /// Turns the page's rows into a connection, each edge's cursor to be sealed from its row's
    /// sort key.
    pub fn connection<T, N>(
        self,
        ctx: &Context<'_>,
        slice: Slice<T>,
        key: impl Fn(&T) -> K,
        node: impl Fn(T) -> N,
    ) -> Connection<N>
    where
        N: OutputType,
        Edge<N>: OutputType,
    {
        let context: Arc<[u8]> = cursor_context::<K>(ctx, self.owner).into();
        let edges: Vec<Edge<N>> = slice
            .items
            .into_iter()
            .map(|item| Edge {
                position: Position {
                    key: serde_json::to_vec(&key(&item)).unwrap_or_default().into(),
                    context: Arc::clone(&context),
                    sealed: Arc::default(),
                },
                node: node(item),
            })
            .collect();
        let ends = edges
            .first()
            .zip(edges.last())
            .map(|(first, last)| (first.position.clone(), last.position.clone()));
        Connection {
            total: slice.total,
            page_info: PageInfo {
                has_next_page: slice.has_next_page,
                has_previous_page: self.after_cursor,
                ends,
            },
            edges,
        }
    }
}
