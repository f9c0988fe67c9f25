//! Venues where children are served: the `Venue` type, the venue list, the villages without a
//! service station, and registering, changing and closing venues.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use entity::venue;

use crate::{
    domain::{
        self,
        venue::{VenueChange, VenueDraft, VenueFilter as Filter, VenueKey},
        work::Once,
    },
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        enums::VenueKind,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
    },
};

/// The GraphQL `Venue` object over a stored venue.
pub struct Venue(pub venue::Model);

/// A place where children are served: a village's service station (留守儿童服务工作站), a women's
/// home, a children's happy home, an activity centre or a parents' school.
#[Object]
impl Venue {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Venue, self.0.id)
    }

    /// What kind of venue.
    async fn kind(&self) -> VenueKind {
        self.0.kind.into()
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The village it serves.
    async fn village(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }

    /// The unit that runs it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// Where it is.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// When it is open, as its staff put it (`周一至周五 16:00-18:00`).
    async fn opening_hours(&self) -> Option<&str> {
        self.0.opening_hours.as_deref()
    }

    /// The names of its staff.
    async fn staff_names(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let members: Vec<uuid::Uuid> = ctx
            .loaders()
            .venue_staff()
            .of(self.0.id)
            .await?
            .into_iter()
            .map(|m| m.account_id)
            .collect();
        let names = ctx.loaders().account_names().many(&members).await?;
        Ok(members
            .iter()
            .filter_map(|id| names.get(id).map(|(_, name)| name.clone()))
            .collect())
    }

    /// Whether it is open (not closed).
    async fn open(&self) -> bool {
        self.0.closed_on.is_none()
    }

    /// The day it closed, when it has.
    async fn closed_on(&self) -> Option<NaiveDate> {
        self.0.closed_on
    }

    /// Why it closed.
    async fn close_reason(&self) -> Option<&str> {
        self.0.close_reason.as_deref()
    }
}

/// Which venues to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct VenueFilter {
    /// Only venues serving villages in this region.
    pub region_id: Option<ID>,
    /// Only venues of these kinds.
    pub kinds: Option<Vec<VenueKind>>,
    /// Only open (`true`) or closed (`false`) venues.
    pub open: Option<bool>,
}

/// A venue to register.
#[derive(InputObject)]
pub struct RegisterVenueInput {
    /// A key of the client's choosing: a retry with the same key answers the venue registered
    /// first instead of registering it twice.
    pub idempotency_key: String,
    /// What kind of venue. A village has one open service station at most.
    pub kind: VenueKind,
    /// Its name (1 to 100 characters).
    pub name: String,
    /// The village it serves, in your area.
    pub village_id: ID,
    /// The unit that runs it (the village committee, the Women's Federation, a school).
    pub organization_id: ID,
    /// Where it is (at most 200 characters).
    pub address: Option<String>,
    /// When it is open (at most 200 characters).
    pub opening_hours: Option<String>,
    /// Its staff: enabled accounts of units of your area (at most 20).
    #[graphql(default)]
    pub staff_ids: Vec<ID>,
}

/// Changes to an open venue; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateVenueInput {
    /// The venue, serving a village of your area.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new unit running it.
    pub organization_id: Option<ID>,
    /// A new address.
    pub address: Option<String>,
    /// New opening hours.
    pub opening_hours: Option<String>,
    /// The whole staff anew.
    pub staff_ids: Option<Vec<ID>>,
}

/// A venue to close.
#[derive(InputObject)]
pub struct CloseVenueInput {
    /// The venue, open and serving a village of your area.
    pub id: ID,
    /// The day it closed (default today; not in the future).
    pub closed_on: Option<NaiveDate>,
    /// Why (1 to 500 characters).
    pub reason: String,
}

/// The venue registered.
#[derive(SimpleObject)]
pub struct RegisterVenuePayload {
    /// The venue.
    pub venue: Venue,
    /// Whether this answers an earlier call with the same key (nothing was registered now).
    pub replayed: bool,
}

/// The venue changed or closed.
#[derive(SimpleObject)]
pub struct VenuePayload {
    /// The venue as it is now.
    pub venue: Venue,
}

/// Venue queries.
#[derive(Default)]
pub struct VenueQuery;

#[Object]
impl VenueQuery {
    /// Venues by name, a page at a time (`first` at most 100, default 20).
    async fn venues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the venues must all meet.")] filter: Option<VenueFilter>,
        #[graphql(desc = "How many venues to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the venues after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Venue>> {
        ctx.principal()?;
        let (page, paging) = connection::page::<VenueKey>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            region: ids::optional(filter.region_id, Kind::Region, "filter.regionId")?,
            kinds: filter
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            open: filter.open,
        };
        let slice = domain::venue::list(ctx.db(), filter, page).await?;
        Ok(paging.connection(ctx, slice, |v| (v.name.clone(), v.id), Venue))
    }

    /// The villages within `regionId` (by default your area) without an open service station
    /// for left-behind children, which every village must have, by code.
    async fn villages_without_station(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region to look in, within your area (default: all of it).")]
        region_id: Option<ID>,
    ) -> Result<Vec<Region>> {
        let actor = ctx.actor()?;
        let region = ids::optional(region_id, Kind::Region, "regionId")?;
        let villages = domain::venue::villages_without_station(ctx.db(), &actor, region).await?;
        Ok(villages.into_iter().map(Region).collect())
    }

    /// The joint meeting's count of the plan's "every village must have a service station":
    /// for each region right under `regionId` (by default your area), by code, its villages
    /// and how many have an open station. A village answers for itself.
    async fn station_coverage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region to count in, within your area (default: all of it).")]
        region_id: Option<ID>,
    ) -> Result<Vec<StationCoverage>> {
        let actor = ctx.actor()?;
        let region = ids::optional(region_id, Kind::Region, "regionId")?;
        let lines = domain::venue::station_coverage(ctx.reading_work(), &actor, region).await?;
        Ok(lines
            .into_iter()
            .map(|line| StationCoverage {
                region: Region(line.region),
                villages: line.villages,
                with_station: line.with_station,
                without_station: line.villages - line.with_station,
            })
            .collect())
    }
}

/// How far one region is covered by service stations (「村(居)民委员会必须设立留守儿童服务工作站」).
#[derive(SimpleObject)]
pub struct StationCoverage {
    /// The region.
    pub region: Region,
    /// Its villages.
    pub villages: u64,
    /// Those of them with an open service station.
    pub with_station: u64,
    /// Those of them without one (`villagesWithoutStation` names them).
    pub without_station: u64,
}

/// Venue mutations.
#[derive(Default)]
pub struct VenueMutation;

#[Object]
impl VenueMutation {
    /// Registers a venue serving a village of your area.
    async fn register_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue.")] input: RegisterVenueInput,
    ) -> Result<RegisterVenuePayload> {
        let actor = ctx.actor()?;
        let draft = VenueDraft {
            kind: input.kind.into(),
            name: input.name,
            village: ids::expect(Kind::Region, &input.village_id, "input.villageId")?,
            organization: ids::expect(
                Kind::Organization,
                &input.organization_id,
                "input.organizationId",
            )?,
            address: input.address,
            opening_hours: input.opening_hours,
            staff: staff_ids(&input.staff_ids)?,
        };
        let once =
            domain::venue::register(ctx.state().store(), &actor, &input.idempotency_key, draft)
                .await?;
        let (venue, replayed) = match once {
            Once::Replayed(venue) => (venue, true),
            Once::Created(venue) => (venue, false),
        };
        Ok(RegisterVenuePayload {
            venue: Venue(venue),
            replayed,
        })
    }

    /// Changes an open venue serving a village of your area.
    async fn update_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateVenueInput,
    ) -> Result<VenuePayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Venue, &input.id, "input.id")?;
        let change = VenueChange {
            name: input.name,
            organization: ids::optional(
                input.organization_id,
                Kind::Organization,
                "input.organizationId",
            )?,
            address: input.address,
            opening_hours: input.opening_hours,
            staff: input.staff_ids.as_deref().map(staff_ids).transpose()?,
        };
        let venue = domain::venue::update(ctx.state().store(), &actor, id, change).await?;
        Ok(VenuePayload {
            venue: Venue(venue),
        })
    }

    /// Closes an open venue serving a village of your area; a closed service station leaves
    /// its village among `villagesWithoutStation`.
    async fn close_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue and why it closed.")] input: CloseVenueInput,
    ) -> Result<VenuePayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Venue, &input.id, "input.id")?;
        let closed_on = input.closed_on.unwrap_or_else(|| actor.today());
        let venue =
            domain::venue::close(ctx.state().store(), &actor, id, closed_on, &input.reason).await?;
        Ok(VenuePayload {
            venue: Venue(venue),
        })
    }
}

/// Staff account IDs as UUIDs, else bad input in `input.staffIds`.
fn staff_ids(given: &[ID]) -> Result<Vec<uuid::Uuid>, crate::error::ApiError> {
    given
        .iter()
        .map(|id| ids::expect(Kind::Account, id, "input.staffIds"))
        .collect()
}
