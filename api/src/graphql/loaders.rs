//! Dataloaders: each nested lookup is batched into one SQL statement per level of the query.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use async_graphql::{
    ErrorExtensions,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use entity::{child_guardian, consent, entrustment_agreement, guardian, organization, region};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain,
    error::ApiError,
    policy::{Policy, rules::Use},
    state::AppState,
};

/// Loads regions by id.
pub struct RegionLoader(pub DatabaseConnection);

impl Loader<Uuid> for RegionLoader {
    type Value = region::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::region::find_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads the regions directly under each parent region, by division code.
pub struct RegionChildrenLoader(pub DatabaseConnection);

impl Loader<Uuid> for RegionChildrenLoader {
    type Value = Vec<region::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::region::children_of_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        let mut grouped: HashMap<Uuid, Vec<region::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let Some(parent) = row.parent_id {
                grouped.entry(parent).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// Loads organizations by id.
pub struct OrganizationLoader(pub DatabaseConnection);

impl Loader<Uuid> for OrganizationLoader {
    type Value = organization::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::organization::find_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads each child's current guardians (link and guardian), in one joined statement.
pub struct ChildGuardiansLoader(pub DatabaseConnection);

impl Loader<Uuid> for ChildGuardiansLoader {
    type Value = Vec<(child_guardian::Model, guardian::Model)>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::guardian::for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |(link, _)| link.child_id))
    }
}

/// Loads each child's entrustment agreements.
pub struct AgreementsLoader(pub DatabaseConnection);

impl Loader<Uuid> for AgreementsLoader {
    type Value = Vec<entrustment_agreement::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::guardian::agreements_for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |a| a.child_id))
    }
}

/// Loads each child's consents.
pub struct ConsentsLoader(pub DatabaseConnection);

impl Loader<Uuid> for ConsentsLoader {
    type Value = Vec<consent::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::guardian::consents_for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |c| c.child_id))
    }
}

/// Loads guardians by id.
pub struct GuardianLoader(pub DatabaseConnection);

impl Loader<Uuid> for GuardianLoader {
    type Value = guardian::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::guardian::find_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|g| (g.id, g)).collect())
    }
}

/// When each child was last visited by anyone, and by a child director.
#[derive(Debug, Clone, Copy)]
pub struct LastVisits {
    /// The latest visit.
    pub any: chrono::DateTime<chrono::Utc>,
    /// The latest child director's visit.
    pub by_director: Option<chrono::DateTime<chrono::Utc>>,
}

/// Loads each child's latest visit times in one grouped statement.
pub struct LastVisitLoader(pub DatabaseConnection);

impl Loader<Uuid> for LastVisitLoader {
    type Value = LastVisits;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::visit::last_visits(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|(child, any, by_director)| (child, LastVisits { any, by_director }))
            .collect())
    }
}

/// Loads each child's active pairing.
pub struct ActivePairingLoader(pub DatabaseConnection);

impl Loader<Uuid> for ActivePairingLoader {
    type Value = entity::pairing::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::pairing::active_for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|p| (p.child_id, p)).collect())
    }
}

/// Loads each child's guardian contacts.
pub struct ContactsLoader(pub DatabaseConnection);

impl Loader<Uuid> for ContactsLoader {
    type Value = Vec<entity::guardian_contact::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::pairing::contacts_for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |c| c.child_id))
    }
}

/// Loads accounts' display names.
pub struct AccountNameLoader(pub DatabaseConnection);

impl Loader<Uuid> for AccountNameLoader {
    type Value = String;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::pairing::account_names(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().collect())
    }
}

/// Loads each dropout case's persuasion attempts.
pub struct AttemptsLoader(pub DatabaseConnection);

impl Loader<Uuid> for AttemptsLoader {
    type Value = Vec<entity::persuasion_attempt::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::schooling::attempts_for_cases(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |a| a.case_id))
    }
}

/// Loads each child's unexplained absences of the last 30 days.
pub struct OpenAbsencesLoader {
    /// The pool.
    pub db: DatabaseConnection,
    /// The first day that counts.
    pub since: chrono::NaiveDate,
}

impl Loader<Uuid> for OpenAbsencesLoader {
    type Value = Vec<entity::school_absence::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::schooling::open_absences(&self.db, keys, self.since)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |a| a.child_id))
    }
}

/// What the loaders of one request read with: the pool, and for the row-scoped ones the
/// principal (rows outside its scope are never loaded), the policy and the request's time.
#[derive(Clone)]
pub struct LoaderContext {
    /// The pool.
    pub db: DatabaseConnection,
    /// The caller, when signed in.
    pub principal: Option<Principal>,
    /// The access policy.
    pub policy: Arc<Policy>,
    /// The audit trail's MAC key (the domain's reader carries it).
    pub mac: crate::audit::MacKey,
    /// The request's time.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl LoaderContext {
    fn actor(&self) -> Result<domain::Actor<'_>, Arc<ApiError>> {
        let principal = self
            .principal
            .as_ref()
            .ok_or_else(|| Arc::new(ApiError::Unauthenticated))?;
        Ok(domain::Actor {
            principal,
            policy: &self.policy,
            mac: &self.mac,
            now: self.now,
            request_id: None,
            break_glass: self.policy.break_glass_applies(Use::Read),
        })
    }
}

/// Loads the children each activity served, within the caller's row scope.
pub struct ActivityChildrenLoader(pub LoaderContext);

impl Loader<Uuid> for ActivityChildrenLoader {
    type Value = Vec<entity::child::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let actor = self.0.actor()?;
        let rows = domain::activity::children_of(&self.0.db, &actor, keys)
            .await
            .map_err(Arc::new)?;
        let grouped = group(keys, rows, |(activity, _)| *activity);
        Ok(grouped
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|(_, c)| c).collect()))
            .collect())
    }
}

/// Loads children by id, those within the caller's row scope (for the `child` field of visits,
/// pairings, dropout cases and reports).
pub struct VisibleChildLoader(pub LoaderContext);

impl Loader<Uuid> for VisibleChildLoader {
    type Value = entity::child::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let actor = self.0.actor()?;
        let rows = domain::child::find_many(&self.0.db, &actor, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Loads reports by id, those the caller may see (for deadline alerts).
pub struct VisibleReportLoader(pub LoaderContext);

impl Loader<Uuid> for VisibleReportLoader {
    type Value = entity::report::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let actor = self.0.actor()?;
        let rows = domain::report::find_many(&self.0.db, &actor, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads each report's moves.
pub struct TransitionsLoader(pub DatabaseConnection);

impl Loader<Uuid> for TransitionsLoader {
    type Value = Vec<entity::report_transition::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::report::transitions_for(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |t| t.report_id))
    }
}

/// Loads each report's emergency actions.
pub struct ActionsLoader(pub DatabaseConnection);

impl Loader<Uuid> for ActionsLoader {
    type Value = Vec<entity::emergency_action::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::report::actions_for(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |a| a.report_id))
    }
}

/// Loads each child's interventions.
pub struct InterventionsLoader(pub DatabaseConnection);

impl Loader<Uuid> for InterventionsLoader {
    type Value = Vec<entity::intervention::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::intervention::for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |i| i.child_id))
    }
}

/// Loads each child's assessments, those the caller may see.
pub struct AssessmentsLoader(pub LoaderContext);

impl Loader<Uuid> for AssessmentsLoader {
    type Value = Vec<entity::assessment::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let actor = self.0.actor()?;
        let rows = domain::assistance::for_children(&self.0.db, &actor, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |a| a.child_id))
    }
}

/// Tells which ids are assessments' (an assessment assignment's subject is a report's id or,
/// for an assessment that follows none, its own).
pub struct AssessmentIdsLoader(pub DatabaseConnection);

impl Loader<Uuid> for AssessmentIdsLoader {
    type Value = ();
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let found = domain::assistance::existing(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(found.into_iter().map(|id| (id, ())).collect())
    }
}

/// Loads each child's service items, those the caller may see.
pub struct ServiceItemsLoader(pub LoaderContext);

impl Loader<Uuid> for ServiceItemsLoader {
    type Value = Vec<entity::service_item::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let actor = self.0.actor()?;
        let rows = domain::assistance::items_for_children(&self.0.db, &actor, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |i| i.child_id))
    }
}

/// Loads each child's access grants.
pub struct GrantsLoader(pub DatabaseConnection);

impl Loader<Uuid> for GrantsLoader {
    type Value = Vec<entity::access_grant::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::access::grants_for_children(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |g| g.child_id))
    }
}

/// Loads each screening campaign's teams.
pub struct TeamsLoader(pub DatabaseConnection);

impl Loader<Uuid> for TeamsLoader {
    type Value = Vec<entity::screening_team::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::screening::teams_for(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(keys, rows, |t| t.campaign_id))
    }
}

/// Loads each screening campaign's numbers, over the records the caller may see.
pub struct TalliesLoader(pub LoaderContext);

impl Loader<Uuid> for TalliesLoader {
    type Value = domain::screening::Tally;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let actor = self.0.actor()?;
        let rows = domain::screening::tallies(&self.0.db, &actor, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().collect())
    }
}

/// Loads hazard sites by id.
pub struct HazardSiteLoader(pub DatabaseConnection);

impl Loader<Uuid> for HazardSiteLoader {
    type Value = entity::hazard_site::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = domain::screening::sites_by_id(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|s| (s.id, s)).collect())
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

/// How long a loader waits for more keys before it runs its statement.
pub const BATCH_WINDOW_MS: u64 = 4;

/// A loader with the request's cache, waiting `BATCH_WINDOW_MS` for sibling fields' keys (the
/// default 1 ms splits a level of 50 objects in two in unoptimised builds).
fn loader<L: Loader<Uuid>>(l: L) -> DataLoader<L, HashMapCache> {
    DataLoader::with_cache(l, tokio::spawn, HashMapCache::default())
        .delay(std::time::Duration::from_millis(BATCH_WINDOW_MS))
}

/// Declares [`Loaders`]: each loader once, with what it is made of; it is made on first use.
macro_rules! loaders {
    ($($(#[doc = $doc:literal])* $name:ident: $loader:ty = |$c:ident| $make:expr;)*) => {
        /// The loaders of one request, each made when a field first asks for it; each caches
        /// what it loaded for the rest of the request.
        pub struct Loaders {
            context: LoaderContext,
            $($name: OnceLock<DataLoader<$loader, HashMapCache>>,)*
        }

        impl Loaders {
            /// The loaders of one request read for `principal` (none is made yet).
            pub fn new(state: &AppState, principal: Option<Principal>) -> Self {
                Self {
                    context: LoaderContext {
                        db: state.db.clone(),
                        principal,
                        policy: Arc::clone(&state.policy),
                        mac: state.audit_keys.mac.clone(),
                        now: state.clock.now(),
                    },
                    $($name: OnceLock::new(),)*
                }
            }

            $(
                $(#[doc = $doc])*
                pub fn $name(&self) -> &DataLoader<$loader, HashMapCache> {
                    self.$name.get_or_init(|| {
                        let $c = &self.context;
                        loader($make)
                    })
                }
            )*
        }
    };
}

loaders! {
    /// Regions.
    regions: RegionLoader = |c| RegionLoader(c.db.clone());
    /// Regions under a region.
    region_children: RegionChildrenLoader = |c| RegionChildrenLoader(c.db.clone());
    /// Organizations.
    organizations: OrganizationLoader = |c| OrganizationLoader(c.db.clone());
    /// Each child's guardians.
    child_guardians: ChildGuardiansLoader = |c| ChildGuardiansLoader(c.db.clone());
    /// Each child's entrustment agreements.
    agreements: AgreementsLoader = |c| AgreementsLoader(c.db.clone());
    /// Each child's consents.
    consents: ConsentsLoader = |c| ConsentsLoader(c.db.clone());
    /// Guardians.
    guardians: GuardianLoader = |c| GuardianLoader(c.db.clone());
    /// Each child's latest visit times.
    last_visits: LastVisitLoader = |c| LastVisitLoader(c.db.clone());
    /// Each child's active pairing.
    pairings: ActivePairingLoader = |c| ActivePairingLoader(c.db.clone());
    /// Each child's guardian contacts.
    contacts: ContactsLoader = |c| ContactsLoader(c.db.clone());
    /// Accounts' display names.
    account_names: AccountNameLoader = |c| AccountNameLoader(c.db.clone());
    /// Each dropout case's persuasion attempts.
    persuasion_attempts: AttemptsLoader = |c| AttemptsLoader(c.db.clone());
    /// Each child's unexplained absences of the last 30 days.
    open_absences: OpenAbsencesLoader = |c| OpenAbsencesLoader {
        db: c.db.clone(),
        since: crate::clock::china_date(c.now) - chrono::TimeDelta::days(30),
    };
    /// The children each activity served.
    activity_children: ActivityChildrenLoader = |c| ActivityChildrenLoader(c.clone());
    /// Children by id, within the caller's scope.
    visible_children: VisibleChildLoader = |c| VisibleChildLoader(c.clone());
    /// Reports by id, those the caller may see.
    visible_reports: VisibleReportLoader = |c| VisibleReportLoader(c.clone());
    /// Each report's moves.
    report_transitions: TransitionsLoader = |c| TransitionsLoader(c.db.clone());
    /// Each report's emergency actions.
    emergency_actions: ActionsLoader = |c| ActionsLoader(c.db.clone());
    /// Each child's interventions.
    interventions: InterventionsLoader = |c| InterventionsLoader(c.db.clone());
    /// Each child's assessments, those the caller may see.
    assessments: AssessmentsLoader = |c| AssessmentsLoader(c.clone());
    /// Which ids are assessments'.
    assessment_ids: AssessmentIdsLoader = |c| AssessmentIdsLoader(c.db.clone());
    /// Each child's service items, those the caller may see.
    service_items: ServiceItemsLoader = |c| ServiceItemsLoader(c.clone());
    /// Each child's access grants.
    grants: GrantsLoader = |c| GrantsLoader(c.db.clone());
    /// Each screening campaign's teams.
    teams: TeamsLoader = |c| TeamsLoader(c.db.clone());
    /// Each screening campaign's numbers.
    tallies: TalliesLoader = |c| TalliesLoader(c.clone());
    /// Hazard sites.
    hazard_sites: HazardSiteLoader = |c| HazardSiteLoader(c.db.clone());
}

/// Turns a loader's shared error back into a GraphQL error with the code it had (an
/// `UNAUTHENTICATED` shared by many keys stays `UNAUTHENTICATED`).
pub fn loader_error(err: Arc<ApiError>) -> async_graphql::Error {
    err.extend()
}
