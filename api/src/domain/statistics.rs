//! Counts of the ledger for dashboards: children by region at any level, by up to two of their
//! attributes, within the caller's scope; protected for callers who may not read the children
//! in full ([`crate::policy::Policy::statistics_protected`]).
//!
//! Protection has two layers.
//!
//! Suppression, within a table. A cell counting fewer than `min_cell` children (but not none)
//! is withheld (primary suppression). A withheld cell could still be worked out by subtraction
//! wherever the cells of a group add up to a number published elsewhere: a region's cells add
//! up to its total (published here), a region's cells with one attribute value add up to that
//! region's cell in the one-attribute table, and one attribute cell of every region at a level
//! adds up to the parent region's cell (published by the same query one level up). So while any
//! such group holds exactly one withheld cell, its smallest published non-empty cell is withheld
//! too (complementary suppression). A group whose other cells are all empty needs nothing more:
//! its sum is then the withheld cell itself, under `min_cell`, and withheld wherever it appears.
//!
//! Rounding, across tables. Suppression decided table by table cannot stop a solver that puts
//! many tables together (the hierarchy, every pair of attributes, every root): their published
//! cells and margins form a system of equations in which a withheld cell can be pinned down.
//! So every count shown to a protected caller (cells, region totals, the grand total) is
//! rounded to a multiple of `min_cell`, up or down, as a cell key decides (the cell-key method
//! of statistical offices): each child carries a random record key drawn at registration
//! (`child.stat_key`), a count's key is the sum of its children's keys, and the count rounds
//! up with probability (count mod `min_cell`) / `min_cell`. The rounding is unbiased, and the
//! same children always round the same way, in whatever table, query or order they are
//! counted, so asking again or from another root averages nothing away; subtracting shown
//! counts leaves an error of up to `min_cell` − 1 per count instead of the withheld value.
//!
//! Lines that exist only because records do. The children's table and visit compliance count
//! children, whose presence in a region the children's table shows anyway, so a withheld count
//! is shown as null there. The tables of events (reports, dropout cases, assistance) have a
//! line only where something happened; a protected line with no count to publish is left out
//! ([`publishes`]), since its presence alone would say that a region had a report of a kind, a
//! dropout or a referral that month.
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use entity::{
    child::{self, STAT_KEY_RANGE},
    enums::RegionLevel,
    region,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, Query, SimpleExpr},
};
use sha2::{Digest, Sha256};

use crate::{
    clock::china_midnight,
    domain::{Actor, ApiResult, values::RegionPath},
    error::ApiError,
    policy::scope::{self, CountingRoot},
};

pub mod assistance;
pub mod dropout;
pub mod keeping;
pub mod reports;
pub mod responsibility;
pub mod trends;
pub mod visits;

/// An attribute of a child that counts can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Who the child lives with.
    LivingArrangement,
    /// Why the child is left behind.
    LeftBehindType,
    /// How well the child is looked after.
    GuardianshipQuality,
    /// Assessed risk.
    RiskLevel,
    /// Followed or not.
    Status,
    /// Gender.
    Gender,
    /// Age in bands: `0_2`, `3_5`, `6_11`, `12_14`, `15_17`, `18_plus`.
    AgeBand,
    /// Schooling stage.
    SchoolingStage,
    /// Must be reported to the police.
    NeedsReport,
    /// Needs a guardian appointed.
    NeedsGuardian,
}

/// The age bands, youngest first: the lowest age of each and its name.
const AGE_BANDS: [(u32, &str); 6] = [
    (0, "0_2"),
    (3, "3_5"),
    (6, "6_11"),
    (12, "12_14"),
    (15, "15_17"),
    (18, "18_plus"),
];

impl Dimension {
    /// Every dimension: a snapshot of the ledger counts by each.
    const ALL: [Self; 10] = [
        Self::LivingArrangement,
        Self::LeftBehindType,
        Self::GuardianshipQuality,
        Self::RiskLevel,
        Self::Status,
        Self::Gender,
        Self::AgeBand,
        Self::SchoolingStage,
        Self::NeedsReport,
        Self::NeedsGuardian,
    ];

    /// Its name in a snapshot of the ledger (`ledger_snapshot_count.dimension`).
    fn key(self) -> &'static str {
        match self {
            Self::LivingArrangement => "living_arrangement",
            Self::LeftBehindType => "left_behind_type",
            Self::GuardianshipQuality => "guardianship_quality",
            Self::RiskLevel => "risk_level",
            Self::Status => "status",
            Self::Gender => "gender",
            Self::AgeBand => "age_band",
            Self::SchoolingStage => "schooling_stage",
            Self::NeedsReport => "needs_report",
            Self::NeedsGuardian => "needs_guardian",
        }
    }

    /// The field of `Child` whose value it counts by: the caller's level for it decides
    /// whether small cells are withheld.
    pub fn field(self) -> &'static str {
        match self {
            Self::LivingArrangement => "livingArrangement",
            Self::LeftBehindType => "leftBehindType",
            Self::GuardianshipQuality => "guardianshipQuality",
            Self::RiskLevel => "riskLevel",
            Self::Status => "status",
            Self::Gender => "gender",
            Self::AgeBand => "age",
            Self::SchoolingStage => "schoolingStage",
            Self::NeedsReport => "needsReport",
            Self::NeedsGuardian => "needsGuardian",
        }
    }

    /// The value of a child's row it counts by, as text.
    fn expr(self, today: NaiveDate) -> SimpleExpr {
        let column = |c: child::Column| Expr::col((child::Entity, c));
        let flag = |c: child::Column| Expr::case(c.eq(true), "true").finally("false").into();
        match self {
            Self::LivingArrangement => column(child::Column::LivingArrangement),
            Self::LeftBehindType => column(child::Column::LeftBehindType),
            Self::GuardianshipQuality => column(child::Column::GuardianshipQuality),
            Self::RiskLevel => column(child::Column::RiskLevel),
            Self::Status => column(child::Column::Status),
            Self::Gender => column(child::Column::Gender),
            Self::SchoolingStage => column(child::Column::SchoolingStage),
            Self::NeedsReport => flag(child::Column::NeedsReport),
            Self::NeedsGuardian => flag(child::Column::NeedsGuardian),
            Self::AgeBand => {
                // Born after the day `age` years before today: younger than `age`.
                let born_after = |age: u32| child::Column::BirthDate.gt(years_before(today, age));
                let (_, oldest) = AGE_BANDS[AGE_BANDS.len() - 1];
                let mut case: Option<sea_orm::sea_query::CaseStatement> = None;
                for pair in AGE_BANDS.windows(2) {
                    let ((_, name), (next, _)) = (pair[0], pair[1]);
                    case = Some(match case {
                        None => Expr::case(born_after(next), name),
                        Some(case) => case.case(born_after(next), name),
                    });
                }
                case.map_or_else(|| Expr::val(oldest), |c| c.finally(oldest).into())
            }
        }
    }
}

/// The date `years` years before `today` (the 29th of February falls back to the 28th).
fn years_before(today: NaiveDate, years: u32) -> NaiveDate {
    let year = today.year() - i32::try_from(years).unwrap_or(0);
    today
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), 28))
        .unwrap_or(today)
}

/// A count of children and its cell key: the sum of their record keys, modulo
/// [`STAT_KEY_RANGE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    count: u64,
    key: u64,
}

impl Tally {
    /// A count and the sum of its keys as the database gives them.
    fn of(count: i64, keys: i64) -> Self {
        Self {
            count: u64::try_from(count).unwrap_or(0),
            key: u64::try_from(keys).unwrap_or(0) % range(),
        }
    }

    fn add(&mut self, other: Self) {
        self.count += other.count;
        self.key = (self.key + other.key) % range();
    }

    /// The count rounded to a multiple of `base`: up with probability (count mod `base`) /
    /// `base`, as the key decides (keys are uniform over the range).
    fn rounded(self, base: u64) -> u64 {
        let base = base.max(1);
        let (low, rest) = (self.count - self.count % base, self.count % base);
        if self.key * base < rest * range() {
            low + base
        } else {
            low
        }
    }
}

fn range() -> u64 {
    u64::from(STAT_KEY_RANGE.unsigned_abs())
}

/// One cell: a region and attribute values, and its count unless withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The attribute values, in the order the dimensions were asked.
    pub values: Vec<String>,
    /// The children, or `None` when withheld.
    pub count: Option<u64>,
    /// Its cell key.
    key: u64,
}

/// One region's line.
#[derive(Debug, Clone)]
pub struct Row {
    /// The region.
    pub region: region::Model,
    /// Its children, or `None` when withheld.
    pub total: Option<u64>,
    /// Its cells with at least one child, or withheld.
    pub cells: Vec<Cell>,
    /// Its total's cell key.
    key: u64,
}

/// A table of counts.
#[derive(Debug, Clone)]
pub struct Table {
    /// Whether the table is protected for this caller.
    pub protected: bool,
    /// The smallest count shown, and the multiple shown counts are rounded to, when protected.
    pub min_cell: u64,
    /// Every child counted, or `None` when withheld.
    pub total: Option<u64>,
    /// One line per region with children, in order of region code.
    pub rows: Vec<Row>,
    /// The grand total's cell key.
    key: u64,
}

impl Table {
    /// How its counts are protected.
    pub fn protection(&self) -> Protection {
        Protection {
            protected: self.protected,
            min_cell: self.min_cell,
        }
    }
}

/// The region `root` and everything below it, or everything when `None`.
fn within(column: impl ColumnTrait, root: Option<&RegionPath>) -> Condition {
    root.map_or_else(Condition::all, |path| scope::within(column, path))
}

/// The children registered by the end of `month` (its first day): by the form's date, or when it
/// has none, by when the record was made.
pub(super) fn registered_by_end_of(month: NaiveDate) -> Condition {
    let next = month.checked_add_months(Months::new(1)).unwrap_or(month);
    Condition::any().add(child::Column::FilledOn.lt(next)).add(
        Condition::all()
            .add(child::Column::FilledOn.is_null())
            .add(child::Column::CreatedAt.lt(china_midnight(next))),
    )
}

/// How deep a level lies, the prefecture first.
fn depth(level: RegionLevel) -> u8 {
    match level {
        RegionLevel::Prefecture => 0,
        RegionLevel::County => 1,
        RegionLevel::Township => 2,
        RegionLevel::Village => 3,
    }
}

/// Refuses more than two dimensions, or one twice.
fn check_dimensions<D: PartialEq>(by: &[D]) -> ApiResult<()> {
    if by.len() > 2 {
        return Err(ApiError::bad_input("by", "at most two dimensions"));
    }
    if by.len() == 2 && by[0] == by[1] {
        return Err(ApiError::bad_input("by", "the same dimension twice"));
    }
    Ok(())
}

/// An enum's value as statistics name it: its GraphQL name (`WITH_GRANDPARENTS`).
fn enum_value<E: ActiveEnum<Value = String>>(value: &E) -> String {
    value.to_value().to_uppercase()
}

/// A record's key for the rounding of counts of records that carry none of their own (see
/// the module's documentation): drawn from a hash of its id, uniform over the range.
fn record_key(id: uuid::Uuid) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first) % range()
}

/// The first and last years a period may name: the ledger holds nothing outside them, and
/// the databases' timestamps do not reach every day a date argument can name.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// Refuses a period that names a day outside [`YEARS`], on the argument that does.
pub(crate) fn in_years((from, until): (Option<NaiveDate>, Option<NaiveDate>)) -> ApiResult<()> {
    for (field, day) in [("from", from), ("until", until)] {
        if day.is_some_and(|day| !YEARS.contains(&day.year())) {
            return Err(ApiError::bad_input(
                field,
                format!(
                    "must be within the years {} to {}",
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
        }
    }
    Ok(())
}

/// The first days of the months from the one `from` falls in up to the one before `until`'s
/// (or `until`'s own, when `until` is not a first day), oldest first; by default the
/// `default` months up to and including this one. Refused on `until` when empty or longer than
/// `max` months.
fn month_window(
    today: NaiveDate,
    (from, until): (Option<NaiveDate>, Option<NaiveDate>),
    default: u32,
    max: usize,
) -> ApiResult<Vec<NaiveDate>> {
    in_years((from, until))?;
    let this_month = Grain::Month.start(today);
    let until = until.unwrap_or_else(|| {
        this_month
            .checked_add_months(Months::new(1))
            .unwrap_or(today)
    });
    let from = from.unwrap_or_else(|| {
        this_month
            .checked_sub_months(Months::new(default.saturating_sub(1)))
            .unwrap_or(today)
    });
    if from >= until {
        return Err(ApiError::bad_input("until", "must be after `from`"));
    }
    let mut month = Grain::Month.start(from);
    let mut all = Vec::new();
    while month < until {
        if all.len() == max {
            return Err(ApiError::bad_input(
                "until",
                format!("at most {max} months in one table"),
            ));
        }
        all.push(month);
        match month.checked_add_months(Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    Ok(all)
}

/// Where a line stands in a table of records: its region's code, its period, its attribute
/// values.
type LineKey = (String, Option<String>, Vec<String>);

/// A period of a grain, by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// A calendar month: `2026-11`.
    Month,
    /// A calendar quarter: `2026-Q4`.
    Quarter,
    /// A calendar year: `2026`.
    Year,
}

impl Grain {
    /// The name of the period `day` falls in.
    pub fn period(self, day: NaiveDate) -> String {
        match self {
            Self::Month => format!("{}-{:02}", day.year(), day.month()),
            Self::Quarter => format!("{}-Q{}", day.year(), day.month0() / 3 + 1),
            Self::Year => day.year().to_string(),
        }
    }

    /// The first day of the period `day` falls in.
    fn start(self, day: NaiveDate) -> NaiveDate {
        let month = match self {
            Self::Month => day.month(),
            Self::Quarter => day.month0() / 3 * 3 + 1,
            Self::Year => 1,
        };
        NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
    }

    /// A window of days widened to whole periods: `from` back to its period's first day,
    /// `until` (exclusive) on to the first day of a period. For a protected caller every
    /// count is then one period's: a window of other days would be a new, differently rounded
    /// count of almost the same records, and enough of them averaged would undo the rounding.
    fn widen(
        self,
        (from, until): (Option<NaiveDate>, Option<NaiveDate>),
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let next = |day: NaiveDate| {
            let start = self.start(day);
            if start == day {
                day
            } else {
                let months = match self {
                    Self::Month => 1,
                    Self::Quarter => 3,
                    Self::Year => 12,
                };
                start
                    .checked_add_months(chrono::Months::new(months))
                    .unwrap_or(day)
            }
        };
        (from.map(|d| self.start(d)), until.map(next))
    }
}

/// How a caller's counts are protected.
#[derive(Debug, Clone, Copy)]
pub struct Protection {
    /// Whether they are: small counts withheld, the others rounded.
    pub protected: bool,
    /// The smallest count shown, and the multiple counts are rounded to, when protected.
    pub min_cell: u64,
}

impl Protection {
    /// The protection of counts of records of `type_name` broken down by `fields` of it, for
    /// the caller ([`crate::policy::Policy::statistics_protected`]).
    fn for_caller<'a>(
        actor: &Actor<'_>,
        type_name: &str,
        fields: impl IntoIterator<Item = &'a str>,
        min_cell: u64,
    ) -> Self {
        Self {
            protected: actor
                .policy
                .statistics_protected(actor.principal, type_name, fields),
            min_cell,
        }
    }

    /// A count as shown: exact when unprotected; when protected, none as 0, a small one
    /// withheld, the others rounded.
    fn show(self, tally: Tally) -> Option<u64> {
        if !self.protected || tally.count == 0 {
            Some(tally.count)
        } else if tally.count < self.min_cell {
            None
        } else {
            Some(tally.rounded(self.min_cell))
        }
    }

    /// Whether figures about single records of a group of `n` (times, percentiles) are
    /// shown: when protected, only over at least `min_cell` records.
    fn allows_detail(self, n: usize) -> bool {
        !self.protected || u64::try_from(n).is_ok_and(|n| n >= self.min_cell)
    }

    /// The multiple counts are rounded to: 1 when exact.
    pub fn rounded_to(self) -> u64 {
        if self.protected { self.min_cell } else { 1 }
    }
}

/// Whether a line of an event table is published: when it shows at least one count above 0
/// (see the module's notes). An unprotected line always is, as it counts at least one record.
fn publishes(counts: impl IntoIterator<Item = Option<u64>>) -> bool {
    counts.into_iter().any(|count| count.is_some_and(|n| n > 0))
}

/// Where a statistic counts from, and the regions of its lines.
struct Root {
    /// The region counted within, or everywhere.
    path: Option<RegionPath>,
    /// The regions at the level asked within it, by path.
    regions: HashMap<String, region::Model>,
}

impl Root {
    /// The root for the region `asked` (by default the caller's jurisdiction, or everywhere for
    /// a role whose rows are not a jurisdiction) and the regions at `level` within it: refused
    /// on `regionId` for a region outside the caller's jurisdiction, and on `level` for a level
    /// above the root.
    async fn resolve(
        db: &impl ConnectionTrait,
        actor: &Actor<'_>,
        asked: Option<region::Model>,
        level: RegionLevel,
    ) -> ApiResult<Self> {
        let asked_path = asked.as_ref().map(|r| RegionPath::from(r.path.clone()));
        let path = match scope::counting_root(actor.policy, actor.principal, asked_path) {
            CountingRoot::Everywhere => None,
            CountingRoot::Within(path) => Some(path),
            CountingRoot::Outside => {
                return Err(ApiError::bad_input("regionId", "outside your jurisdiction"));
            }
        };
        let root_level = match (&path, asked) {
            (None, _) => None,
            (Some(path), Some(region)) if region.path == path.as_str() => Some(region.level),
            (Some(path), _) => region::Entity::find()
                .filter(region::Column::Path.eq(path.as_str()))
                .one(db)
                .await?
                .map(|r| r.level),
        };
        if root_level.is_some_and(|above| depth(level) < depth(above)) {
            return Err(ApiError::bad_input(
                "level",
                "above the region counted within: ask for its level or one below",
            ));
        }
        let regions = region::Entity::find()
            .filter(region::Column::Level.eq(level))
            .filter(within(region::Column::Path, path.as_ref()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.path.clone(), r))
            .collect();
        Ok(Self { path, regions })
    }

    /// The region of a line that the place at `path` is counted in, if any.
    fn region_of(&self, path: &str) -> Option<&region::Model> {
        RegionPath::from(path.to_owned())
            .ancestry()
            .iter()
            .find_map(|p| self.regions.get(p))
    }

    /// The region of a line by its code.
    fn region_by_code(&self, code: &str) -> Option<&region::Model> {
        self.regions.values().find(|r| r.code == code)
    }
}

/// Children in the caller's scope within the region `asked` (by default the caller's
/// jurisdiction, or everywhere for a role whose rows are not a jurisdiction), one line per
/// region at `level`, broken down by `dimensions` (at most two).
pub async fn children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    asked: Option<region::Model>,
    level: RegionLevel,
    dimensions: &[Dimension],
    min_cell: u64,
) -> ApiResult<Table> {
    check_dimensions(dimensions)?;
    let root = Root::resolve(db, actor, asked, level).await?;
    children_within(db, actor, &root, dimensions, min_cell).await
}

/// The table of [`children`] over `root`, counted now.
async fn children_within(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    root: &Root,
    dimensions: &[Dimension],
    min_cell: u64,
) -> ApiResult<Table> {
    let today = actor.now.date_naive();
    let mut select = Query::select();
    select
        .column((child::Entity, child::Column::RegionPath))
        .from(child::Entity)
        .cond_where(scope::counted_children(
            actor.policy,
            actor.principal,
            actor.now,
        ))
        .cond_where(within(child::Column::RegionPath, root.path.as_ref()))
        .add_group_by([Expr::col((child::Entity, child::Column::RegionPath))]);
    for (i, dimension) in dimensions.iter().enumerate() {
        // Grouped by the output's name: an expression with bound values (an age band's dates)
        // would not match itself in PostgreSQL's GROUP BY.
        let name = Alias::new(format!("d{i}"));
        select.expr_as(dimension.expr(today), name.clone());
        select.add_group_by([Expr::col(name)]);
    }
    select.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
    select.expr_as(Expr::cust("SUM(child.stat_key)"), Alias::new("k"));
    let mut counted = Vec::new();
    for line in db.query_all(&select).await? {
        let path: String = line.try_get("", "region_path")?;
        let mut values = Vec::with_capacity(dimensions.len());
        for i in 0..dimensions.len() {
            let value: String = line.try_get("", &format!("d{i}"))?;
            values.push(value.to_uppercase());
        }
        let n: i64 = line.try_get("", "n")?;
        let k: i64 = line.try_get("", "k")?;
        counted.push((path, values, Tally::of(n, k)));
    }
    let protected = children_protected(actor, dimensions, min_cell);
    Ok(tabulate(
        root,
        counted,
        dimensions.len(),
        protected,
        min_cell,
    ))
}

/// Whether counts of children by `dimensions` are protected for the caller: unless it reads
/// the children's names, villages and every attribute counted in full.
fn children_protected(actor: &Actor<'_>, dimensions: &[Dimension], min_cell: u64) -> bool {
    let counted_by = ["name", "residenceVillage"]
        .into_iter()
        .chain(dimensions.iter().map(|d| d.field()));
    Protection::for_caller(actor, "Child", counted_by, min_cell).protected
}

/// A table of children from counts per place (a village's path) and attribute values, summed
/// into the regions of `root` at its level, then protected when `protected`.
fn tabulate(
    root: &Root,
    counted: impl IntoIterator<Item = (String, Vec<String>, Tally)>,
    dimensions: usize,
    protected: bool,
    min_cell: u64,
) -> Table {
    // Village lines, summed into the regions at `level` above them.
    let mut summed: BTreeMap<(String, Vec<String>), Tally> = BTreeMap::new();
    for (path, values, n) in counted {
        let Some(region) = root.region_of(&path) else {
            continue;
        };
        summed
            .entry((region.path.clone(), values))
            .or_default()
            .add(n);
    }

    let mut rows: Vec<Row> = Vec::new();
    let mut grand = Tally::default();
    for ((path, values), n) in summed {
        let Some(region) = root.regions.get(&path) else {
            continue;
        };
        if rows.last().is_none_or(|row| row.region.path != path) {
            rows.push(Row {
                region: region.clone(),
                total: Some(0),
                cells: Vec::new(),
                key: 0,
            });
        }
        grand.add(n);
        if let Some(row) = rows.last_mut() {
            let mut total = Tally {
                count: row.total.unwrap_or(0),
                key: row.key,
            };
            total.add(n);
            (row.total, row.key) = (Some(total.count), total.key);
            if dimensions > 0 {
                row.cells.push(Cell {
                    values,
                    count: Some(n.count),
                    key: n.key,
                });
            }
        }
    }
    rows.sort_by(|a, b| a.region.code.cmp(&b.region.code));

    let mut table = Table {
        protected,
        min_cell,
        total: Some(grand.count),
        rows,
        key: grand.key,
    };
    if protected {
        suppress(&mut table, dimensions);
        round(&mut table);
    }
    table
}

/// Rounds every count `table` shows (see the module's documentation).
fn round(table: &mut Table) {
    let base = table.min_cell;
    let rounded =
        |count: Option<u64>, key: u64| count.map(|count| Tally { count, key }.rounded(base));
    table.total = rounded(table.total, table.key);
    for row in &mut table.rows {
        row.total = rounded(row.total, row.key);
        for cell in &mut row.cells {
            cell.count = rounded(cell.count, cell.key);
        }
    }
}

/// Withholds the small cells of `table` and the cells that would give them away (see the
/// module's documentation).
fn suppress(table: &mut Table, dimensions: usize) {
    // Every count of the table in one list: each row's total, then its cells.
    let mut counts: Vec<u64> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut columns: BTreeMap<Option<Vec<String>>, Vec<usize>> = BTreeMap::new();
    let mut margins: BTreeMap<(usize, usize, String), Vec<usize>> = BTreeMap::new();
    for (r, row) in table.rows.iter().enumerate() {
        let total_at = counts.len();
        counts.push(row.total.unwrap_or(0));
        columns.entry(None).or_default().push(total_at);
        let mut row_cells = Vec::new();
        for cell in &row.cells {
            let at = counts.len();
            counts.push(cell.count.unwrap_or(0));
            row_cells.push(at);
            columns
                .entry(Some(cell.values.clone()))
                .or_default()
                .push(at);
            if dimensions == 2 {
                for (d, value) in cell.values.iter().enumerate() {
                    margins.entry((r, d, value.clone())).or_default().push(at);
                }
            }
        }
        groups.push(row_cells);
    }
    groups.extend(columns.into_values());
    groups.extend(margins.into_values());

    let small = table.min_cell;
    let mut withheld: Vec<bool> = counts.iter().map(|&n| n > 0 && n < small).collect();
    loop {
        let mut changed = false;
        for group in &groups {
            if group.iter().filter(|&&i| withheld[i]).count() != 1 {
                continue;
            }
            let smallest = group
                .iter()
                .copied()
                .filter(|&i| !withheld[i] && counts[i] > 0)
                .min_by_key(|&i| counts[i]);
            if let Some(i) = smallest {
                withheld[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let mut at = 0;
    let mut grand = Some(0);
    for row in &mut table.rows {
        if withheld[at] {
            row.total = None;
        }
        grand = grand.zip(row.total).map(|(g, t)| g + t);
        at += 1;
        for cell in &mut row.cells {
            if withheld[at] {
                cell.count = None;
            }
            at += 1;
        }
    }
    // The sum of the regions is published only when every region's total is.
    if table.total.is_some_and(|t| t > 0 && t < small) || grand.is_none() {
        table.total = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(u64, &[(&str, u64)])]) -> Table {
        Table {
            protected: true,
            min_cell: 5,
            total: Some(rows.iter().map(|(t, _)| t).sum()),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (total, cells))| Row {
                    region: region::Model {
                        id: uuid::Uuid::nil(),
                        code: format!("{i}"),
                        name: format!("r{i}"),
                        level: RegionLevel::Village,
                        parent_id: None,
                        path: format!("p/{i}"),
                    },
                    total: Some(*total),
                    cells: cells
                        .iter()
                        .map(|(v, n)| Cell {
                            values: vec![(*v).to_owned()],
                            count: Some(*n),
                            key: 0,
                        })
                        .collect(),
                    key: 0,
                })
                .collect(),
            key: 0,
        }
    }

    fn shown(table: &Table) -> Vec<Vec<Option<u64>>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.count).collect())
            .collect()
    }

    #[test]
    fn a_lone_small_cell_takes_the_smallest_of_its_row_and_of_its_column_with_it() {
        let mut t = table(&[
            (30, &[("A", 1), ("B", 9), ("C", 20)]),
            (40, &[("A", 10), ("B", 12), ("C", 18)]),
        ]);

        suppress(&mut t, 1);

        // A1 is small; B1 goes with it in its row, A2 in its column A, and then B2 in
        // column B and row 2.
        assert_eq!(
            shown(&t),
            vec![vec![None, None, Some(20)], vec![None, None, Some(18)]]
        );
        assert_eq!(t.rows[0].total, Some(30));
        assert_eq!(t.total, Some(70));
    }

    #[test]
    fn a_small_region_is_withheld_whole_and_another_region_with_it() {
        let mut t = table(&[(2, &[("A", 2)]), (40, &[("A", 40)]), (30, &[("A", 30)])]);

        suppress(&mut t, 1);

        assert_eq!(t.rows[0].total, None);
        assert_eq!(shown(&t)[0], vec![None]);
        // The regions' totals add up to the parent's: a second one is withheld.
        assert_eq!(t.rows[2].total, None);
        assert_eq!(t.rows[1].total, Some(40));
        assert_eq!(t.total, None);
    }

    #[test]
    fn no_group_is_left_with_exactly_one_withheld_cell() {
        let mut t = table(&[
            (16, &[("A", 3), ("B", 6), ("C", 7)]),
            (25, &[("A", 4), ("B", 8), ("C", 13)]),
            (9, &[("A", 0), ("B", 9)]),
        ]);

        suppress(&mut t, 1);

        for row in &t.rows {
            let withheld = row.cells.iter().filter(|c| c.count.is_none()).count();
            assert_ne!(withheld, 1, "{row:?}");
        }
        for value in ["A", "B", "C"] {
            let withheld = t
                .rows
                .iter()
                .flat_map(|r| &r.cells)
                .filter(|c| c.values[0] == value && c.count.is_none())
                .count();
            assert_ne!(withheld, 1, "column {value}");
        }
    }

    #[test]
    fn rounding_is_to_multiples_of_the_base_unbiased_and_the_same_for_the_same_key() {
        let base = 5;
        for count in [5, 7, 9, 12, 40, 41] {
            let mut sum = 0;
            let keys = 10_000;
            for i in 0..keys {
                let key = i * range() / keys;
                let shown = Tally { count, key }.rounded(base);
                assert_eq!(shown % base, 0, "{count}");
                assert!(shown.abs_diff(count) < base, "{count} shown as {shown}");
                assert_eq!(shown, Tally { count, key }.rounded(base));
                sum += shown;
            }
            // Over uniform keys the mean is the count itself.
            let mean = sum as f64 / keys as f64;
            assert!((mean - count as f64).abs() < 0.001, "{count}: {mean}");
        }
    }

    #[test]
    fn month_windows_run_from_the_first_month_up_to_the_end() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let today = day(2026, 3, 10);
        let window = |from, until| month_window(today, (from, until), 12, 24);

        assert_eq!(
            window(Some(day(2025, 11, 15)), Some(day(2026, 2, 1))).ok(),
            Some(vec![day(2025, 11, 1), day(2025, 12, 1), day(2026, 1, 1)])
        );
        assert_eq!(
            window(Some(day(2026, 1, 1)), Some(day(2026, 1, 2))).ok(),
            Some(vec![day(2026, 1, 1)])
        );
        let default = window(None, None).unwrap_or_default();
        assert_eq!(default.len(), 12);
        assert_eq!(default.first(), Some(&day(2025, 4, 1)));
        assert_eq!(default.last(), Some(&day(2026, 3, 1)));
        assert!(window(Some(day(2020, 1, 1)), None).is_err());
        assert!(window(Some(day(2026, 2, 1)), Some(day(2026, 2, 1))).is_err());
    }

    #[test]
    fn windows_widen_to_whole_periods() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();

        assert_eq!(
            Grain::Month.widen((Some(day(3, 15)), Some(day(5, 2)))),
            (Some(day(3, 1)), Some(day(6, 1)))
        );
        assert_eq!(
            Grain::Quarter.widen((Some(day(5, 20)), Some(day(7, 1)))),
            (Some(day(4, 1)), Some(day(7, 1)))
        );
        assert_eq!(
            Grain::Year.widen((None, Some(day(2, 1)))).1,
            NaiveDate::from_ymd_opt(2027, 1, 1)
        );
    }

    #[test]
    fn a_count_key_is_the_sum_of_its_parts_whatever_the_order() {
        let parts = [
            Tally {
                count: 2,
                key: range() - 3,
            },
            Tally { count: 3, key: 7 },
            Tally {
                count: 1,
                key: range() / 2,
            },
        ];
        let mut forward = Tally::default();
        let mut backward = Tally::default();
        for part in parts {
            forward.add(part);
        }
        for part in parts.iter().rev() {
            backward.add(*part);
        }

        assert_eq!(forward, backward);
        assert_eq!(
            forward,
            Tally {
                count: 6,
                key: (range() / 2 + 4) % range()
            }
        );
    }
}
