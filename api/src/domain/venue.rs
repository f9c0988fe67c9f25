//! Venues where children are served: every village must have a service station for left-behind
//! children (「村(居)民委员会必须设立留守儿童服务工作站」), and the Women's Federation runs women's
//! homes, children's happy homes, activity centres and parents' schools (「依托妇女之家、儿童快乐
//! 家园、儿童活动中心、家长学校等活动场所」). A venue serves a village and is run by a unit, with
//! staff accounts; it is registered, changed and closed by those responsible for the villages of
//! their area, and [`villages_without_station`] names the villages the plan's "must" is not met
//! in yet. Venues are not personal data: every signed-in account reads them (a teacher picks
//! where a holiday class is held).

use chrono::NaiveDate;
use entity::{
    account,
    enums::{RegionLevel, VenueKind},
    organization, region, venue, venue_staff,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, idempotency,
        kind::Kind,
        limited_text,
        page::{self, Page, Slice},
        required_text,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// The operation idempotency keys of `registerVenue` are stored under.
pub const REGISTER_VENUE: idempotency::Operation = idempotency::Operation {
    name: "registerVenue",
    kind: Kind::Venue,
};

/// The most staff accounts a venue lists.
const MAX_STAFF: usize = 20;

/// A venue to register.
#[derive(Debug, Clone, Serialize)]
pub struct VenueDraft {
    /// What kind of venue.
    pub kind: VenueKind,
    /// Its name.
    pub name: String,
    /// The village it serves.
    pub village: Uuid,
    /// The unit that runs it.
    pub organization: Uuid,
    /// Where it is.
    pub address: Option<String>,
    /// When it is open.
    pub opening_hours: Option<String>,
    /// Its staff accounts.
    pub staff: Vec<Uuid>,
}

/// Changes to a venue; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct VenueChange {
    /// A new name.
    pub name: Option<String>,
    /// A new unit running it.
    pub organization: Option<Uuid>,
    /// A new address.
    pub address: Option<String>,
    /// New opening hours.
    pub opening_hours: Option<String>,
    /// The whole staff anew.
    pub staff: Option<Vec<Uuid>>,
}

/// Which venues to list.
#[derive(Debug, Clone, Default)]
pub struct VenueFilter {
    /// Only venues serving villages in this region.
    pub region: Option<Uuid>,
    /// Only venues of these kinds.
    pub kinds: Option<Vec<VenueKind>>,
    /// Only open (true) or closed (false) venues.
    pub open: Option<bool>,
}

/// The sort key of the venue list: name, then id.
pub type VenueKey = (String, Uuid);

/// Venues by name.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: VenueFilter,
    page: Page<VenueKey>,
) -> ApiResult<Slice<venue::Model>> {
    let mut query = venue::Entity::find();
    if let Some(region) = filter.region {
        let Some(root) = region::Entity::find_by_id(region).one(db).await? else {
            return Ok(page.nothing());
        };
        query = query.filter(scope::within(
            venue::Column::RegionPath,
            &RegionPath::from(root.path),
        ));
    }
    if let Some(kinds) = filter.kinds {
        query = query.filter(venue::Column::Kind.is_in(kinds));
    }
    match filter.open {
        Some(true) => query = query.filter(venue::Column::ClosedOn.is_null()),
        Some(false) => query = query.filter(venue::Column::ClosedOn.is_not_null()),
        None => {}
    }
    Ok(page::read(
        db,
        query,
        |query| query.cursor_by((venue::Column::Name, venue::Column::Id)),
        page,
    )
    .await?)
}

/// The region `region` names, within the caller's area; the caller's area when it is `None`.
async fn area_root(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    region: Option<Uuid>,
) -> ApiResult<RegionPath> {
    match region {
        Some(id) => region::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|r| actor.policy.in_area(actor.principal, &r.path))
            .map(|r| RegionPath::from(r.path))
            .ok_or_else(|| ApiError::bad_input("regionId", "no such region in your area")),
        None => Ok(actor.principal.region_path.clone()),
    }
}

/// The villages that have an open service station.
fn stationed() -> sea_orm::sea_query::SelectStatement {
    venue::Entity::find()
        .select_only()
        .column(venue::Column::RegionId)
        .filter(venue::Column::Kind.eq(VenueKind::VillageServiceStation))
        .filter(venue::Column::ClosedOn.is_null())
        .into_query()
}

/// The villages within `region` (by default the caller's area) with no open service station,
/// by code.
pub async fn villages_without_station(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    region: Option<Uuid>,
) -> ApiResult<Vec<region::Model>> {
    let root = area_root(db, actor, region).await?;
    Ok(region::Entity::find()
        .filter(region::Column::Level.eq(RegionLevel::Village))
        .filter(scope::within(region::Column::Path, &root))
        .filter(region::Column::Id.not_in_subquery(stationed()))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?)
}

/// How far one region is covered by service stations.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The region.
    pub region: region::Model,
    /// Its villages.
    pub villages: u64,
    /// Those of them with an open service station.
    pub with_station: u64,
}

/// Service station coverage of the regions right under `region` (by default the caller's
/// area), by code: each one's villages and how many have an open station. A village is its
/// own single line. Three statements: the region, the ones right under it, and the villages
/// with whether each has a station.
pub async fn station_coverage(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    region: Option<Uuid>,
) -> ApiResult<Vec<Coverage>> {
    let root = area_root(db, actor, region).await?;
    let line = |region| Coverage {
        region,
        villages: 0,
        with_station: 0,
    };
    let Some(top) = region::Entity::find()
        .filter(region::Column::Path.eq(root.as_str()))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let mut lines: Vec<Coverage> = if top.level == RegionLevel::Village {
        vec![line(top)]
    } else {
        region::Entity::find()
            .filter(region::Column::ParentId.eq(top.id))
            .order_by_asc(region::Column::Code)
            .all(db)
            .await?
            .into_iter()
            .map(line)
            .collect()
    };
    let villages: Vec<(String, bool)> = region::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .expr(region::Column::Id.in_subquery(stationed()))
        .filter(region::Column::Level.eq(RegionLevel::Village))
        .filter(scope::within(region::Column::Path, &root))
        .into_tuple()
        .all(db)
        .await?;
    for (path, stationed) in villages {
        if let Some(line) = lines
            .iter_mut()
            .find(|line| RegionPath::from(line.region.path.clone()).contains(&path))
        {
            line.villages += 1;
            line.with_station += u64::from(stationed);
        }
    }
    Ok(lines)
}

/// Registers a venue serving a village of the caller's area; a retry with the same key answers
/// the venue registered first. A village has one open service station at most.
pub async fn register(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: VenueDraft,
) -> ApiResult<Once<venue::Model, venue::Model>> {
    store
        .create_keyed::<venue::Entity, _, _>(
            (REGISTER_VENUE, actor, key),
            draft,
            |venue: &venue::Model| venue.id,
            async |db, draft| insert(db, actor, draft).await,
        )
        .await
}

async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: VenueDraft,
) -> ApiResult<venue::Model> {
    let name = required_text("input.name", &draft.name, 100)?;
    let address = limited_text("input.address", draft.address, 200)?;
    let opening_hours = limited_text("input.openingHours", draft.opening_hours, 200)?;
    let village = region::Entity::find_by_id(draft.village)
        .one(db)
        .await?
        .filter(|r| r.level == RegionLevel::Village)
        .filter(|r| actor.policy.in_area(actor.principal, &r.path))
        .ok_or_else(|| ApiError::bad_input("input.villageId", "no such village in your area"))?;
    unit(db, draft.organization).await?;
    let staff = staff(db, actor, draft.staff).await?;
    if draft.kind == VenueKind::VillageServiceStation {
        let open = venue::Entity::find()
            .filter(venue::Column::RegionId.eq(village.id))
            .filter(venue::Column::Kind.eq(VenueKind::VillageServiceStation))
            .filter(venue::Column::ClosedOn.is_null())
            .one(db)
            .await?;
        if let Some(open) = open {
            return Err(ApiError::Conflict {
                message: "the village has an open service station already".to_owned(),
                existing: Some((Kind::Venue, open.id)),
            });
        }
    }
    let venue = venue::Entity::insert(venue::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(draft.kind),
        name: Set(name),
        region_id: Set(village.id),
        region_path: Set(village.path),
        organization_id: Set(draft.organization),
        address: Set(address),
        opening_hours: Set(opening_hours),
        closed_on: Set(None),
        close_reason: Set(None),
        created_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
        updated_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    set_staff(db, venue.id, &staff).await?;
    audit::record(
        db,
        actor
            .event("venue.register")
            .on(Kind::Venue, venue.id)
            .with(json!({ "after": venue, "staff": staff })),
    )
    .await?;
    Ok(venue)
}

/// Changes an open venue of the caller's area.
pub async fn update(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    change: VenueChange,
) -> ApiResult<venue::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = open_venue(db, actor, id).await?;
    let mut row = venue::ActiveModel {
        id: Set(before.id),
        updated_at: Set(actor.now),
        ..Default::default()
    };
    if let Some(name) = &change.name {
        row.name = Set(required_text("input.name", name, 100)?);
    }
    if let Some(unit_id) = change.organization {
        unit(db, unit_id).await?;
        row.organization_id = Set(unit_id);
    }
    if change.address.is_some() {
        row.address = Set(limited_text("input.address", change.address, 200)?);
    }
    if change.opening_hours.is_some() {
        row.opening_hours = Set(limited_text(
            "input.openingHours",
            change.opening_hours,
            200,
        )?);
    }
    let staff = match change.staff {
        Some(members) => {
            let members = staff(db, actor, members).await?;
            set_staff(db, id, &members).await?;
            Some(members)
        }
        None => None,
    };
    let after = venue::Entity::update(row).exec(db).await?;
    audit::record(
        db,
        actor
            .event("venue.update")
            .on(Kind::Venue, id)
            .with(json!({ "before": before, "after": after, "staff": staff })),
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// Closes an open venue of the caller's area on `closed_on` (not in the future), for `reason`.
pub async fn close(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    closed_on: NaiveDate,
    reason: &str,
) -> ApiResult<venue::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = open_venue(db, actor, id).await?;
    let reason = required_text("input.reason", reason, 500)?;
    if closed_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.closedOn",
            "must not be in the future",
        ));
    }
    let after = venue::Entity::update(venue::ActiveModel {
        id: Set(before.id),
        closed_on: Set(Some(closed_on)),
        close_reason: Set(Some(reason)),
        updated_at: Set(actor.now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    audit::record(
        db,
        actor
            .event("venue.close")
            .on(Kind::Venue, id)
            .with(json!({ "after": after })),
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// The venue `id` serving a village of the caller's area, locked, while open: not found
/// outside the area, `INVALID_TRANSITION` once closed.
async fn open_venue(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<venue::Model> {
    let venue = venue::Entity::find_by_id(id)
        .filter(scope::within(
            venue::Column::RegionPath,
            &actor.principal.region_path,
        ))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if venue.closed_on.is_some() {
        return Err(ApiError::InvalidTransition {
            message: "the venue is closed".to_owned(),
            allowed: Vec::new(),
        });
    }
    Ok(venue)
}

/// The unit `id`, else bad input.
async fn unit(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<organization::Model> {
    organization::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.organizationId", "no such unit"))
}

/// Staff accounts: enabled accounts of units serving the caller's area, at most
/// [`MAX_STAFF`], without repeats.
async fn staff(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    mut members: Vec<Uuid>,
) -> ApiResult<Vec<Uuid>> {
    members.sort();
    members.dedup();
    if members.len() > MAX_STAFF {
        return Err(ApiError::bad_input(
            "input.staffIds",
            format!("at most {MAX_STAFF} accounts"),
        ));
    }
    let found = account::Entity::find()
        .filter(account::Column::Id.is_in(members.iter().copied()))
        .filter(account::Column::Disabled.eq(false))
        .filter(scope::accounts_serving(&actor.principal.region_path))
        .count(db)
        .await?;
    if usize::try_from(found).ok() != Some(members.len()) {
        return Err(ApiError::bad_input(
            "input.staffIds",
            "names an account that is not an enabled account of your area",
        ));
    }
    Ok(members)
}

/// Makes `members` the venue's whole staff.
async fn set_staff(db: &impl ConnectionTrait, venue: Uuid, members: &[Uuid]) -> ApiResult<()> {
    venue_staff::Entity::delete_many()
        .filter(venue_staff::Column::VenueId.eq(venue))
        .exec(db)
        .await?;
    if !members.is_empty() {
        venue_staff::Entity::insert_many(members.iter().map(|&account| venue_staff::ActiveModel {
            venue_id: Set(venue),
            account_id: Set(account),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
