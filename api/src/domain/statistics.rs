//! Counts of the ledger for dashboards: children by region at any level, by up to two of their
//! attributes, within the caller's scope; with small cells suppressed for callers who may not
//! read the children in full.
//!
//! Suppression. A cell counting fewer than `min_cell` children (but not none) is withheld
//! (primary suppression). A withheld cell could still be worked out by subtraction wherever the
//! cells of a group add up to a number published elsewhere: a region's cells add up to its total
//! (published here), a region's cells with one attribute value add up to that region's cell in
//! the one-attribute table, and one attribute cell of every region at a level adds up to the
//! parent region's cell (published by the same query one level up). So while any such group
//! holds exactly one withheld cell, its smallest published non-empty cell is withheld too
//! (complementary suppression). A group whose other cells are all empty needs nothing more: its
//! sum is then the withheld cell itself, under `min_cell`, and withheld wherever it appears.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use entity::{child, enums::RegionLevel, region};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, Query, SimpleExpr},
};

use crate::{
    domain::{Actor, ApiResult, child::in_scope, values::RegionPath},
    error::ApiError,
    policy::{arguments::FieldRef, scope},
};

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

/// One cell: a region and attribute values, and its count unless withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The attribute values, in the order the dimensions were asked.
    pub values: Vec<String>,
    /// The children, or `None` when withheld.
    pub count: Option<u64>,
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
}

/// A table of counts.
#[derive(Debug, Clone)]
pub struct Table {
    /// Whether small cells were withheld for this caller.
    pub protected: bool,
    /// The smallest count shown, when protected.
    pub min_cell: u64,
    /// Every child counted, or `None` when withheld.
    pub total: Option<u64>,
    /// One line per region with children, in order of region code.
    pub rows: Vec<Row>,
}

/// Children in the caller's scope within `root` (the caller's jurisdiction when `None`), one
/// line per region at `level`, broken down by `dimensions` (at most two).
pub async fn children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    root: Option<RegionPath>,
    level: RegionLevel,
    dimensions: &[Dimension],
    min_cell: u64,
) -> ApiResult<Table> {
    if dimensions.len() > 2 {
        return Err(ApiError::bad_input("by", "at most two dimensions"));
    }
    if dimensions.len() == 2 && dimensions[0] == dimensions[1] {
        return Err(ApiError::bad_input("by", "the same dimension twice"));
    }
    let root = root.unwrap_or_else(|| actor.principal.region_path.clone());
    let regions = region::Entity::find()
        .filter(region::Column::Level.eq(level))
        .filter(scope::within(region::Column::Path, &root))
        .all(db)
        .await?;
    let by_path: HashMap<&str, &region::Model> =
        regions.iter().map(|r| (r.path.as_str(), r)).collect();

    let today = actor.now.date_naive();
    let mut select = Query::select();
    select
        .column((child::Entity, child::Column::RegionPath))
        .from(child::Entity)
        .cond_where(in_scope(&Actor {
            break_glass: false,
            ..*actor
        }))
        .cond_where(scope::within(child::Column::RegionPath, &root))
        .add_group_by([Expr::col((child::Entity, child::Column::RegionPath))]);
    for (i, dimension) in dimensions.iter().enumerate() {
        // Grouped by the output's name: an expression with bound values (an age band's dates)
        // would not match itself in PostgreSQL's GROUP BY.
        let name = Alias::new(format!("d{i}"));
        select.expr_as(dimension.expr(today), name.clone());
        select.add_group_by([Expr::col(name)]);
    }
    select.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
    let found = db.query_all(&select).await?;

    // Village lines, summed into the regions at `level` above them.
    let mut counted: BTreeMap<(String, Vec<String>), u64> = BTreeMap::new();
    for line in found {
        let path: String = line.try_get("", "region_path")?;
        let mut values = Vec::with_capacity(dimensions.len());
        for i in 0..dimensions.len() {
            let value: String = line.try_get("", &format!("d{i}"))?;
            values.push(value.to_uppercase());
        }
        let n: i64 = line.try_get("", "n")?;
        let Some(ancestor) = RegionPath::from(path)
            .ancestry()
            .into_iter()
            .find(|p| by_path.contains_key(p.as_str()))
        else {
            continue;
        };
        *counted.entry((ancestor, values)).or_default() += u64::try_from(n).unwrap_or(0);
    }

    let mut rows: Vec<Row> = Vec::new();
    for ((path, values), n) in counted {
        let Some(region) = by_path.get(path.as_str()) else {
            continue;
        };
        if rows.last().is_none_or(|row| row.region.path != path) {
            rows.push(Row {
                region: (*region).clone(),
                total: Some(0),
                cells: Vec::new(),
            });
        }
        if let Some(row) = rows.last_mut() {
            row.total = row.total.map(|t| t + n);
            if !dimensions.is_empty() {
                row.cells.push(Cell {
                    values,
                    count: Some(n),
                });
            }
        }
    }
    rows.sort_by(|a, b| a.region.code.cmp(&b.region.code));
    let total = rows.iter().filter_map(|r| r.total).sum();

    let fields: Vec<FieldRef> = std::iter::once("residenceVillage")
        .chain(std::iter::once("name"))
        .chain(dimensions.iter().map(|d| d.field()))
        .map(|field| FieldRef {
            type_name: "Child".to_owned(),
            field: field.to_owned(),
        })
        .collect();
    let protected = !actor
        .policy
        .reads_in_full(Some(actor.principal.role), &fields);
    let mut table = Table {
        protected,
        min_cell,
        total: Some(total),
        rows,
    };
    if protected {
        suppress(&mut table, dimensions.len());
    }
    Ok(table)
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
                        })
                        .collect(),
                })
                .collect(),
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
}
