//! Dataloaders: each nested lookup is batched into one SQL statement per level of the query.
//!
//! Three generic shapes serve every nested lookup: [`ByKey`] (one row per key), [`ByParent`]
//! (every row of each parent) and [`ByParentLimited`] (each parent's first rows, for a nested
//! connection's first page). What a loader reads is a [`Source`], declared once in the
//! `loaders!` list at the end of this file together with its reach, which is part of its type:
//! - a [`Scoped`] source reads with the caller, so rows outside the caller's row scope never
//!   leave the database;
//! - an [`Unscoped`] source has no caller to read with; it is only ever given keys taken from a
//!   row the caller already read through its scope (a child's guardians, a report's moves).
//!
//! A loader is made when a field first asks for it and caches what it loaded for the rest of
//! the request.

use std::{
    collections::HashMap,
    future::Future,
    hash::Hash,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_graphql::{
    ErrorExtensions,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use chrono::{DateTime, Utc};
use entity::{
    access_grant, child_guardian, consent, emergency_action, entrustment_agreement, guardian,
    guardian_contact, hazard_site, intervention, organization, persuasion_attempt,
    projection::Columns, region, report_transition, screening_team,
};
use sea_orm::Order;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain,
    error::{ApiError, ApiResult},
    policy::{Policy, rules::Use},
    replica::{ReadPlan, Reader},
    state::AppState,
};

/// What an unscoped source reads with: the pool and the request's time, and no caller.
pub struct Unscoped {
    /// Where the request reads its rows.
    pub db: Reader,
    /// The request's time.
    pub now: DateTime<Utc>,
}

/// What a scoped source reads with: the caller (rows outside its scope are never loaded), the
/// policy and the request's time.
#[derive(Clone)]
pub struct Scoped {
    /// Where the request reads its rows.
    pub db: Reader,
    /// Where the request counts (`totalCount` of a list inside a record).
    pub counts: Reader,
    /// The caller, when signed in.
    principal: Option<Principal>,
    /// The access policy.
    policy: Arc<Policy>,
    /// The audit trail's MAC key (the domain's reader carries it).
    mac: crate::audit::MacKey,
    /// The request's time.
    now: DateTime<Utc>,
}

impl Scoped {
    /// The caller reading, or `UNAUTHENTICATED`.
    pub fn actor(&self) -> ApiResult<domain::Actor<'_>> {
        let principal = self.principal.as_ref().ok_or(ApiError::Unauthenticated)?;
        Ok(domain::Actor::new(
            principal,
            &self.policy,
            &self.mac,
            self.now,
            Use::Read,
        ))
    }

    fn unscoped(&self) -> Unscoped {
        Unscoped {
            db: self.db.clone(),
            now: self.now,
        }
    }
}

/// What a loader reads: rows found by a batch of keys, and the key each row belongs under.
pub trait Source: Send + Sync + 'static {
    /// What it reads with: [`Scoped`] or [`Unscoped`].
    type Reach: Send + Sync + 'static;
    /// A row it reads.
    type Row: Clone + Send + Sync + 'static;
    /// Reads the rows of `keys`, in one statement.
    fn fetch(
        reach: &Self::Reach,
        keys: &[Uuid],
    ) -> impl Future<Output = ApiResult<Vec<Self::Row>>> + Send;
    /// The key a row belongs under: its own id, or its parent's.
    fn key(row: &Self::Row) -> Uuid;
}

/// A source that reads only each parent's first `limit` rows, in order, that meet a filter.
pub trait LimitedSource: Send + Sync + 'static {
    /// What it reads with: [`Scoped`] or [`Unscoped`].
    type Reach: Send + Sync + 'static;
    /// A row it reads.
    type Row: Clone + Send + Sync + 'static;
    /// The list's own arguments besides its length (`()` when it has none).
    type Filter: Copy + Eq + Hash + Send + Sync + 'static;
    /// Which columns of its rows it reads ([`Columns`] when it may read some only, else `()`).
    type Reads: Reads;
    /// Reads the first `limit` rows meeting `filter` of each of `parents`, in one statement,
    /// with the columns `reads`.
    fn fetch(
        reach: &Self::Reach,
        parents: &[Uuid],
        limit: u64,
        filter: Self::Filter,
        reads: Self::Reads,
    ) -> impl Future<Output = ApiResult<Vec<Self::Row>>> + Send;
    /// The parent a row belongs under.
    fn key(row: &Self::Row) -> Uuid;
}

/// The columns a limited list reads: fields that select different columns of the same list
/// read them together, in one statement (two statements could see the database at two
/// moments, and fields that select the same list twice merge their answers row by row).
pub trait Reads: Copy + Eq + Hash + Send + Sync + 'static {
    /// The columns of both.
    fn union(self, other: Self) -> Self;
}

/// Every column.
impl Reads for () {
    fn union(self, _: Self) -> Self {}
}

impl<E: sea_orm::EntityTrait> Reads for Columns<E> {
    fn union(self, other: Self) -> Self {
        Columns::union(self, other)
    }
}

/// Loads one row per key.
pub struct ByKey<S: Source>(S::Reach);

impl<S: Source> Loader<Uuid> for ByKey<S> {
    type Value = S::Row;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, S::Row>, Self::Error> {
        let rows = S::fetch(&self.0, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|row| (S::key(&row), row)).collect())
    }
}

/// Loads every row of each parent.
pub struct ByParent<S: Source>(S::Reach);

impl<S: Source> Loader<Uuid> for ByParent<S> {
    type Value = Vec<S::Row>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<S::Row>>, Self::Error> {
        let rows = S::fetch(&self.0, keys).await.map_err(Arc::new)?;
        Ok(group(keys, rows, S::key))
    }
}

/// A parent, how many of its rows to read, the list's filter and the columns it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FirstOf<F, R> {
    /// The parent.
    pub parent: Uuid,
    /// How many rows at most.
    pub limit: u64,
    /// The list's own arguments.
    pub filter: F,
    /// The columns the field reads.
    pub reads: R,
}

/// The parents of one statement of [`ByParentLimited`], and the columns its fields read.
struct Asking<R> {
    parents: Vec<Uuid>,
    reads: R,
}

/// Loads each parent's first rows: one statement per distinct limit and filter (sibling
/// fields of one level ask the same, so one statement per level), reading the columns every
/// field of the batch reads.
pub struct ByParentLimited<S: LimitedSource>(S::Reach);

impl<S: LimitedSource> Loader<FirstOf<S::Filter, S::Reads>> for ByParentLimited<S> {
    type Value = Vec<S::Row>;
    type Error = Arc<ApiError>;

    async fn load(
        &self,
        keys: &[FirstOf<S::Filter, S::Reads>],
    ) -> Result<HashMap<FirstOf<S::Filter, S::Reads>, Vec<S::Row>>, Self::Error> {
        let mut batches: HashMap<(u64, S::Filter), Asking<S::Reads>> = HashMap::new();
        for key in keys {
            let batch = batches
                .entry((key.limit, key.filter))
                .or_insert_with(|| Asking {
                    parents: Vec::new(),
                    reads: key.reads,
                });
            batch.parents.push(key.parent);
            batch.reads = batch.reads.union(key.reads);
        }
        let mut read = HashMap::with_capacity(batches.len());
        for ((limit, filter), mut batch) in batches {
            batch.parents.sort_unstable();
            batch.parents.dedup();
            let rows = S::fetch(&self.0, &batch.parents, limit, filter, batch.reads)
                .await
                .map_err(Arc::new)?;
            read.insert((limit, filter), group(&batch.parents, rows, S::key));
        }
        Ok(keys
            .iter()
            .map(|key| {
                let rows = read
                    .get(&(key.limit, key.filter))
                    .and_then(|rows| rows.get(&key.parent))
                    .cloned()
                    .unwrap_or_default();
                (*key, rows)
            })
            .collect())
    }
}

/// Groups rows under their key, every key present (an empty list when it has no rows).
fn group<T>(keys: &[Uuid], rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

/// How many of a request's loader statements run at once: sibling lists of one level (a
/// child's guardians, visits, absences, contacts…) share this many pooled connections and
/// wait their turn beyond it, so a request's nested reads never hold more than this many
/// connections, however many lists it selects (its root fields and the later pages of nested
/// connections read outside the loaders). The price: a level with more sibling lists than
/// this reads them in turns, and lists under the first ones' rows may then be asked for,
/// and read, before the later ones' rows arrive, in a statement of their own, as happens
/// whenever sibling statements finish apart.
const READS_AT_ONCE: usize = 2;

/// How many keys the request's fields have asked its loaders for so far (a loader's batch is
/// complete when this stops growing), and the request's turns at the pool.
#[derive(Clone)]
pub struct Asked {
    keys: Arc<AtomicU64>,
    reads: Arc<Semaphore>,
}

impl Default for Asked {
    fn default() -> Self {
        Self {
            keys: Arc::default(),
            reads: Arc::new(Semaphore::new(READS_AT_ONCE)),
        }
    }
}

impl Asked {
    fn ask(&self) {
        self.keys.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits until the request's fields stop asking. Each yield lets the worker run its other
    /// ready tasks, the request's among them, so a turn in which no field asked for a key
    /// means the fields still resolving wait on statements; two such turns in a row are
    /// required, as a busy worker may not reach the request in one. The request and its
    /// loaders share one single-threaded worker, so this needs no timer and does not depend on
    /// the machine's speed (a fixed window of a few milliseconds cost every request that wait
    /// per level, and split levels on slow machines). A field that first awaits a statement of
    /// its own asks later, in a batch of its own, as it would have.
    async fn settled(&self) {
        let mut quiet = 0;
        while quiet < 2 {
            let seen = self.keys.load(Ordering::Relaxed);
            tokio::task::yield_now().await;
            if self.keys.load(Ordering::Relaxed) == seen {
                quiet += 1;
            } else {
                quiet = 0;
            }
        }
    }
}

/// A request's loader: batches the keys sibling fields ask for once they have all asked, and
/// answers resolvers with GraphQL errors.
pub struct Batch<L: Loader<K>, K: Send + Sync + Hash + Eq + Clone + 'static> {
    loader: DataLoader<L, HashMapCache>,
    asked: Asked,
    key: std::marker::PhantomData<K>,
}

impl<L: Loader<K, Error = Arc<ApiError>>, K: Send + Sync + Hash + Eq + Clone + 'static>
    Batch<L, K>
{
    fn new(loader: L, asked: &Asked) -> Self {
        let settling = asked.clone();
        let spawn = move |load: futures_util::future::BoxFuture<'static, ()>| {
            let asked = settling.clone();
            tokio::spawn(async move {
                asked.settled().await;
                // A closed semaphore cannot happen (it is never closed); the load runs anyway.
                let _turn = asked.reads.acquire().await.ok();
                load.await;
            })
        };
        Self {
            loader: DataLoader::with_cache(loader, spawn, HashMapCache::default())
                .delay(Duration::ZERO),
            asked: asked.clone(),
            key: std::marker::PhantomData,
        }
    }

    async fn load_many(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> async_graphql::Result<HashMap<K, L::Value>> {
        self.asked.ask();
        self.loader.load_many(keys).await.map_err(loader_error)
    }

    async fn load_one(&self, key: K) -> async_graphql::Result<Option<L::Value>> {
        Ok(self.load_many([key.clone()]).await?.remove(&key))
    }
}

impl<S: Source> Batch<ByKey<S>, Uuid> {
    /// The row of `key`, if there is one (and, for a scoped source, the caller may see it).
    pub async fn one(&self, key: Uuid) -> async_graphql::Result<Option<S::Row>> {
        self.load_one(key).await
    }

    /// The rows of `keys` that exist (and, for a scoped source, the caller may see), by key.
    pub async fn many(&self, keys: &[Uuid]) -> async_graphql::Result<HashMap<Uuid, S::Row>> {
        self.load_many(keys.iter().copied()).await
    }
}

impl<S: Source> Batch<ByParent<S>, Uuid> {
    /// The rows of `parent`.
    pub async fn of(&self, parent: Uuid) -> async_graphql::Result<Vec<S::Row>> {
        Ok(self.load_one(parent).await?.unwrap_or_default())
    }
}

impl<S: LimitedSource> Batch<ByParentLimited<S>, FirstOf<S::Filter, S::Reads>> {
    /// The first `limit` rows of `parent` that meet `filter`, with (at least) the columns
    /// `reads`.
    pub async fn first_of(
        &self,
        parent: Uuid,
        limit: u64,
        filter: S::Filter,
        reads: S::Reads,
    ) -> async_graphql::Result<Vec<S::Row>> {
        Ok(self
            .load_one(FirstOf {
                parent,
                limit,
                filter,
                reads,
            })
            .await?
            .unwrap_or_default())
    }
}

impl<S: LimitedSource<Row = (Uuid, u64), Reads = ()>>
    Batch<ByParentLimited<S>, FirstOf<S::Filter, ()>>
{
    /// How many rows `parent`'s list holds that meet `filter`, from a counting source (one
    /// `(parent, count)` row per parent with rows, whatever the limit): the lists of many
    /// parents are counted together.
    pub async fn count_of(&self, parent: Uuid, filter: S::Filter) -> async_graphql::Result<u64> {
        let counted = self
            .load_one(FirstOf {
                parent,
                limit: 0,
                filter,
                reads: (),
            })
            .await?
            .unwrap_or_default();
        Ok(counted.iter().map(|(_, n)| n).sum())
    }
}

/// Turns a loader's shared error back into a GraphQL error with the code it had (an
/// `UNAUTHENTICATED` shared by many keys stays `UNAUTHENTICATED`).
fn loader_error(err: Arc<ApiError>) -> async_graphql::Error {
    err.extend()
}

/// The key type of each shape.
macro_rules! key_of {
    (ByKey, $source:ident) => {
        Uuid
    };
    (ByParent, $source:ident) => {
        Uuid
    };
    (ByParentLimited, $source:ident) => {
        FirstOf<<$source as LimitedSource>::Filter, <$source as LimitedSource>::Reads>
    };
}

/// Implements a source's trait: a limited one's fetch takes the limit too.
macro_rules! source {
    (ByParentLimited, $source:ident, $reach:ident, $row:ty,
     |$c:ident, $keys:ident, $limit:ident, $filter:ident: $filter_ty:ty,
      $reads:ident: $reads_ty:ty| $fetch:expr,
     |$r:pat_param| $key:expr) => {
        impl LimitedSource for $source {
            type Reach = $reach;
            type Row = $row;
            type Filter = $filter_ty;
            type Reads = $reads_ty;
            async fn fetch(
                $c: &$reach,
                $keys: &[Uuid],
                $limit: u64,
                $filter: $filter_ty,
                $reads: $reads_ty,
            ) -> ApiResult<Vec<$row>> {
                $fetch.await
            }
            fn key($r: &$row) -> Uuid {
                $key
            }
        }
    };
    ($shape:ident, $source:ident, $reach:ident, $row:ty,
     |$c:ident, $keys:ident| $fetch:expr, |$r:pat_param| $key:expr) => {
        impl Source for $source {
            type Reach = $reach;
            type Row = $row;
            async fn fetch($c: &$reach, $keys: &[Uuid]) -> ApiResult<Vec<$row>> {
                $fetch.await
            }
            fn key($r: &$row) -> Uuid {
                $key
            }
        }
    };
}

/// How a loader's reach is made from the request's scoped reach.
macro_rules! reach {
    (Scoped, $c:expr) => {
        $c.clone()
    };
    (Unscoped, $c:expr) => {
        $c.unscoped()
    };
}

/// Declares every loader once: its accessor, shape, source, reach, row, statement and key.
macro_rules! loaders {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $shape:ident<$source:ident> in $reach:ident -> $row:ty
            = |$($arg:ident $(: $arg_ty:ty)?),*| $fetch:expr, by |$r:pat_param| $key:expr;
    )*) => {
        $(
            $(#[doc = $doc])*
            pub struct $source;
            source!($shape, $source, $reach, $row, |$($arg $(: $arg_ty)?),*| $fetch, |$r| $key);
        )*

        /// The loaders of one request, each made when a field first asks for it.
        pub struct Loaders {
            reach: Scoped,
            asked: Asked,
            $($name: OnceLock<Batch<$shape<$source>, key_of!($shape, $source)>>,)*
        }

        impl Loaders {
            /// The loaders of one request read for `principal`, where `plan` says (none is
            /// made yet).
            pub fn new(state: &AppState, principal: Option<Principal>, plan: &ReadPlan) -> Self {
                Self {
                    reach: Scoped {
                        db: plan.rows.clone(),
                        counts: plan.work.clone(),
                        principal,
                        policy: Arc::clone(&state.policy),
                        mac: state.audit_keys.mac.clone(),
                        now: state.clock.now(),
                    },
                    asked: Asked::default(),
                    $($name: OnceLock::new(),)*
                }
            }

            $(
                $(#[doc = $doc])*
                pub fn $name(&self) -> &Batch<$shape<$source>, key_of!($shape, $source)> {
                    self.$name
                        .get_or_init(|| Batch::new($shape::<$source>(reach!($reach, self.reach)), &self.asked))
                }
            )*
        }
    };
}

loaders! {
    /// Regions.
    regions: ByKey<Regions> in Unscoped -> region::Model
        = |c, keys| domain::rows_in::<region::Entity>(&c.db, region::Column::Id, keys, None),
        by |r| r.id;
    /// The regions directly under each region.
    region_children: ByParent<RegionChildren> in Unscoped -> region::Model
        = |c, keys| domain::region::children_of_many(&c.db, keys),
        by |r| r.parent_id.unwrap_or_default();
    /// Organizations.
    organizations: ByKey<Organizations> in Unscoped -> organization::Model
        = |c, keys| domain::rows_in::<organization::Entity>(&c.db, organization::Column::Id, keys, None),
        by |o| o.id;
    /// Each child's current guardians (link and guardian).
    child_guardians: ByParent<ChildGuardians> in Unscoped
        -> (child_guardian::Model, guardian::Model)
        = |c, keys| domain::guardian::for_children(&c.db, keys), by |(link, _)| link.child_id;
    /// Each child's entrustment agreements.
    agreements: ByParent<Agreements> in Unscoped -> entrustment_agreement::Model
        = |c, keys| domain::rows_in::<entrustment_agreement::Entity>(
            &c.db,
            entrustment_agreement::Column::ChildId,
            keys,
            Some((entrustment_agreement::Column::StartsOn, Order::Desc)),
        ),
        by |a| a.child_id;
    /// Each child's consents.
    consents: ByParent<Consents> in Unscoped -> consent::Model
        = |c, keys| domain::rows_in::<consent::Entity>(
            &c.db,
            consent::Column::ChildId,
            keys,
            Some((consent::Column::CreatedAt, Order::Desc)),
        ),
        by |c| c.child_id;
    /// Guardians.
    guardians: ByKey<Guardians> in Unscoped -> guardian::Model
        = |c, keys| domain::rows_in::<guardian::Entity>(&c.db, guardian::Column::Id, keys, None),
        by |g| g.id;
    /// Each child's latest visit times: any visit's and a child director's.
    last_visits: ByKey<LastVisits> in Unscoped -> domain::visit::LastVisits
        = |c, keys| domain::visit::last_visits(&c.db, keys, c.now), by |v| v.child_id;
    /// Each child's first visits the caller may see, newest first.
    first_visits: ByParentLimited<FirstVisits> in Scoped -> entity::visit::Model
        = |c, keys, limit, _none: (), columns: Columns<entity::visit::Entity>|
            domain::visit::first_for_children(&c.db, &c.actor()?, keys, limit, columns),
        by |v| v.child_id;
    /// How many visits of each child the caller may see (`Child.visits.totalCount`).
    visit_counts: ByParentLimited<VisitCounts> in Scoped -> (Uuid, u64)
        = |c, keys, _limit, _none: (), _whole: ()|
            domain::visit::counts_for_children(&c.counts, &c.actor()?, keys),
        by |(child, _)| *child;
    /// Each child's active pairing.
    pairings: ByKey<ActivePairings> in Unscoped -> entity::pairing::Model
        = |c, keys| domain::pairing::active_for_children(&c.db, keys), by |p| p.child_id;
    /// Each child's guardian contacts.
    contacts: ByParent<Contacts> in Unscoped -> guardian_contact::Model
        = |c, keys| domain::rows_in::<guardian_contact::Entity>(
            &c.db,
            guardian_contact::Column::ChildId,
            keys,
            Some((guardian_contact::Column::ContactedAt, Order::Desc)),
        ),
        by |g| g.child_id;
    /// Each child's latest contacts with its parents working away, newest first.
    parent_contacts: ByParentLimited<ParentContacts> in Scoped -> entity::parent_contact::Model
        = |c, keys, limit, _none: (), _whole: ()|
            domain::parent_contact::first_for_children(&c.db, &c.actor()?, keys, limit),
        by |p| p.child_id;
    /// Each child's latest contact with a parent working away.
    last_parent_contacts: ByKey<LastParentContacts> in Unscoped
        -> domain::parent_contact::LastContact
        = |c, keys| domain::parent_contact::last_contacts(&c.db, keys), by |l| l.child_id;
    /// Each venue's staff accounts.
    venue_staff: ByParent<VenueStaff> in Unscoped -> entity::venue_staff::Model
        = |c, keys| domain::rows_in::<entity::venue_staff::Entity>(
            &c.db,
            entity::venue_staff::Column::VenueId,
            keys,
            None,
        ),
        by |m| m.venue_id;
    /// Accounts' display names.
    account_names: ByKey<AccountNames> in Unscoped -> (Uuid, String)
        = |c, keys| domain::pairing::account_names(&c.db, keys), by |(id, _)| *id;
    /// Each dropout case's persuasion attempts.
    persuasion_attempts: ByParent<Attempts> in Unscoped -> persuasion_attempt::Model
        = |c, keys| domain::rows_in::<persuasion_attempt::Entity>(
            &c.db,
            persuasion_attempt::Column::CaseId,
            keys,
            Some((persuasion_attempt::Column::AttemptedOn, Order::Asc)),
        ),
        by |a| a.case_id;
    /// Each child's unexplained absences of the last 30 days.
    open_absences: ByParent<OpenAbsences> in Unscoped -> entity::school_absence::Model
        = |c, keys| domain::schooling::open_absences(
            &c.db,
            keys,
            crate::clock::china_date(c.now) - chrono::TimeDelta::days(30),
        ),
        by |a| a.child_id;
    /// The children each activity was for, those the caller may see, with their attendance.
    activity_children: ByParent<ActivityChildren> in Scoped -> domain::activity::ChildParticipant
        = |c, keys| domain::activity::children_of(&c.db, &c.actor()?, keys),
        by |p| p.activity;
    /// The guardians each activity was for, those the caller may see, with their attendance.
    activity_guardians: ByParent<ActivityGuardians> in Scoped
        -> domain::activity::GuardianParticipant
        = |c, keys| domain::activity::guardians_of(&c.db, &c.actor()?, keys),
        by |p| p.activity;
    /// Each inspection's findings, in order.
    inspection_findings: ByParent<InspectionFindings> in Unscoped
        -> entity::inspection_finding::Model
        = |c, keys| domain::inspection::findings_of(&c.db, keys), by |f| f.inspection_id;
    /// Assignments by id.
    assignments: ByKey<Assignments> in Unscoped -> entity::assignment::Model
        = |c, keys| domain::rows_in::<entity::assignment::Entity>(
            &c.db,
            entity::assignment::Column::Id,
            keys,
            None,
        ),
        by |a| a.id;
    /// Venues.
    venues: ByKey<Venues> in Unscoped -> entity::venue::Model
        = |c, keys| domain::rows_in::<entity::venue::Entity>(
            &c.db,
            entity::venue::Column::Id,
            keys,
            None,
        ),
        by |v| v.id;
    /// Children by id, those within the caller's row scope.
    visible_children: ByKey<VisibleChildren> in Scoped -> entity::child::Model
        = |c, keys| domain::child::find_many(&c.db, &c.actor()?, keys), by |c| c.id;
    /// Reports by id, those the caller may see.
    visible_reports: ByKey<VisibleReports> in Scoped -> entity::report::Model
        = |c, keys| domain::report::find_many(&c.db, &c.actor()?, keys), by |r| r.id;
    /// Each report's moves.
    report_transitions: ByParent<Transitions> in Unscoped -> report_transition::Model
        = |c, keys| domain::rows_in::<report_transition::Entity>(
            &c.db,
            report_transition::Column::ReportId,
            keys,
            Some((report_transition::Column::At, Order::Asc)),
        ),
        by |t| t.report_id;
    /// Each report's emergency actions.
    emergency_actions: ByParent<Actions> in Unscoped -> emergency_action::Model
        = |c, keys| domain::rows_in::<emergency_action::Entity>(
            &c.db,
            emergency_action::Column::ReportId,
            keys,
            Some((emergency_action::Column::TakenAt, Order::Asc)),
        ),
        by |a| a.report_id;
    /// Each child's interventions.
    interventions: ByParent<Interventions> in Unscoped -> intervention::Model
        = |c, keys| domain::rows_in::<intervention::Entity>(
            &c.db,
            intervention::Column::ChildId,
            keys,
            Some((intervention::Column::DecidedOn, Order::Desc)),
        ),
        by |i| i.child_id;
    /// Each child's assessments, those the caller may see.
    assessments: ByParent<Assessments> in Scoped -> entity::assessment::Model
        = |c, keys| domain::assistance::for_children(&c.db, &c.actor()?, keys), by |a| a.child_id;
    /// Which ids are assessments' (an assessment assignment's subject is a report's id or,
    /// for an assessment that follows none, its own).
    assessment_ids: ByKey<AssessmentIds> in Unscoped -> Uuid
        = |c, keys| domain::assistance::existing(&c.db, keys), by |id| *id;
    /// Each child's service items, those the caller may see.
    service_items: ByParent<ServiceItems> in Scoped -> entity::service_item::Model
        = |c, keys| domain::assistance::items_for_children(&c.db, &c.actor()?, keys),
        by |i| i.child_id;
    /// Each child's access grants.
    grants: ByParent<Grants> in Unscoped -> access_grant::Model
        = |c, keys| domain::rows_in::<access_grant::Entity>(
            &c.db,
            access_grant::Column::ChildId,
            keys,
            Some((access_grant::Column::CreatedAt, Order::Desc)),
        ),
        by |g| g.child_id;
    /// Each screening campaign's teams.
    teams: ByParent<Teams> in Unscoped -> screening_team::Model
        = |c, keys| domain::rows_in::<screening_team::Entity>(
            &c.db,
            screening_team::Column::CampaignId,
            keys,
            Some((screening_team::Column::Id, Order::Asc)),
        ),
        by |t| t.campaign_id;
    /// Each screening campaign's first records the caller may see, newest first, those (not)
    /// of concern when asked.
    first_records: ByParentLimited<FirstRecords> in Scoped -> entity::screening_record::Model
        = |c, keys, limit, concern: Option<bool>, _whole: ()|
            domain::screening::first_records(&c.db, &c.actor()?, keys, concern, limit),
        by |r| r.campaign_id;
    /// How many records of each screening campaign the caller may see, those (not) of concern
    /// when asked (`ScreeningCampaign.records.totalCount`).
    record_counts: ByParentLimited<RecordCounts> in Scoped -> (Uuid, u64)
        = |c, keys, _limit, concern: Option<bool>, _whole: ()|
            domain::screening::record_counts(&c.counts, &c.actor()?, keys, concern),
        by |(campaign, _)| *campaign;
    /// Each screening campaign's numbers, over the records the caller may see.
    tallies: ByKey<Tallies> in Scoped -> (Uuid, domain::screening::Tally)
        = |c, keys| domain::screening::tallies(&c.db, &c.actor()?, keys), by |(id, _)| *id;
    /// Hazard sites.
    hazard_sites: ByKey<HazardSites> in Unscoped -> hazard_site::Model
        = |c, keys| domain::rows_in::<hazard_site::Entity>(&c.db, hazard_site::Column::Id, keys, None),
        by |s| s.id;
}
