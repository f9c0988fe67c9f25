//! The demo at scale: `shouhu demo --children N` adds N generated children to the demo's
//! villages, in the proportions the demo has (a village of the demo accounts' township holds
//! six times as many as any other), each with two guardians, a visit every other month over
//! the past two years, a teacher when the child is at school (two in three), and, as the
//! demo's work would leave them, past reports (one child in 25, every report handled to its
//! close) and service items (one child in 10).
//!
//! The rows come from a generator seeded with N, and the children's birth dates count from
//! the start of the school year, so loading the same size again within a school year changes
//! nothing. Different sizes are different children with the same ID numbers: a database holds
//! one size, and loading another is refused. Generated children are marked as such in the
//! ledger (`filledBy`). The rows are written in multi-row statements in one transaction:
//! 50,000 children and their 1.2 million other rows take under a minute on PostgreSQL.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::{
    child,
    enums::{ReportCategory, ReportState, ServiceItemState, ServiceKind, Urgency},
    report, report_transition, service_item,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::{DemoData, Generator, Village, insert_all};

/// The most children one load may add: each county's ID numbers come from 140 sequences a
/// day over 12 years of birth dates, 613,200 per county, and the demo accounts' county takes
/// 144 of every 336 children.
pub const MAX_CHILDREN: u32 = 1_400_000;

/// Who filled in a generated child's registration form, as the ledger shows it.
pub const GENERATED_BY: &str = "规模测试数据生成器";

/// Sequences of an ID number's last digits left to generated children: the demo's own
/// children use those below 360.
const FIRST_SEQUENCE: u32 = 360;
const SEQUENCES: u32 = 500 - FIRST_SEQUENCE;

/// Days of birth dates generated children spread over (ages 3 to 15).
const BIRTH_DAYS: u32 = 12 * 365;

/// What the generator wrote, per table.
pub type Counts = BTreeMap<&'static str, usize>;

/// Adds `children` generated children (and their rows) to the demo data, which must be
/// loaded. Loading the same size again changes nothing.
pub async fn load(
    db: &DatabaseConnection,
    children: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<Counts> {
    anyhow::ensure!(
        children <= MAX_CHILDREN,
        "at most {MAX_CHILDREN} generated children"
    );
    anyhow::ensure!(
        !super::is_empty(db).await?,
        "load the demo data first (shouhu demo)"
    );
    let demo = Generator::new(now, String::new()).generate()?;
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(u64::from(children).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        now,
        password_hash: String::new(),
        data: DemoData::default(),
    };
    let today = crate::clock::china_date(now);
    let year_start = school_year_start(today);
    let generated_before = child::Entity::find()
        .filter(child::Column::FilledBy.eq(GENERATED_BY))
        .one(db)
        .await?
        .is_some();
    let mut counts = Counts::new();
    let txn = crate::db::begin_write(db).await?;
    // Generated and written a batch of children at a time, so that memory stays within a
    // batch's rows whatever the size (a million children carry twelve million visits).
    for batch in places(&demo.villages, children).chunks(BATCH) {
        let mut extra = Extra::default();
        for &(village, n, county_n) in batch {
            generator.scaled_child(
                &demo.villages[village],
                (n, county_n),
                (today, year_start),
                &mut extra,
            )?;
        }
        let data = std::mem::take(&mut generator.data);
        if generated_before && counts.is_empty() {
            let first = data.children.first().map(|c| *c.id.as_ref());
            let same_size = match first {
                Some(id) => child::Entity::find_by_id(id).one(&txn).await?.is_some(),
                None => true,
            };
            anyhow::ensure!(
                same_size,
                "this database holds generated children of another size (or of another school \
                 year); generate into a fresh database"
            );
        }
        for (table, rows) in [
            ("child", data.children.len()),
            ("guardian", data.guardians.len()),
            ("child_guardian", data.links.len()),
            ("visit", data.visits.len()),
            ("pairing", data.pairings.len()),
            ("report", extra.reports.len()),
            ("report_transition", extra.transitions.len()),
            ("service_item", extra.items.len()),
        ] {
            *counts.entry(table).or_default() += rows;
        }
        data.insert(&txn).await?;
        insert_all(&txn, extra.reports).await?;
        insert_all(&txn, extra.transitions).await?;
        insert_all(&txn, extra.items).await?;
    }
    // The generated children and visits reach into closed months: counted again once loaded.
    crate::domain::statistics::visits::invalidate(&txn, now).await?;
    txn.commit().await?;
    // Fresh statistics, so that the planner sees the tables' new sizes at once; on PostgreSQL
    // a vacuum too, so that the first readers of millions of new rows do not each mark them
    // visible (writing their pages back) and index-only scans can skip the heap.
    let refresh = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM (ANALYZE)",
        _ => "ANALYZE",
    };
    for table in counts.keys() {
        db.execute_unprepared(&format!("{refresh} {table}")).await?;
    }
    crate::domain::statistics::visits::refresh(db, now).await?;
    Ok(counts)
}

/// Rows only the scaled demo has.
#[derive(Default)]
struct Extra {
    reports: Vec<report::ActiveModel>,
    transitions: Vec<report_transition::ActiveModel>,
    items: Vec<service_item::ActiveModel>,
}

/// Splits `total` over villages in proportion to `weights`, the remainder to the first.
fn shares(weights: &[u32], total: u32) -> Vec<u32> {
    let sum: u64 = weights.iter().map(|w| u64::from(*w)).sum::<u64>().max(1);
    let mut shares: Vec<u32> = weights
        .iter()
        .map(|w| u32::try_from(u64::from(*w) * u64::from(total) / sum).unwrap_or_default())
        .collect();
    let given: u32 = shares.iter().sum();
    if let Some(first) = shares.first_mut() {
        *first += total - given;
    }
    shares
}

/// The birth date and ID-number sequence of a county's `n`th generated child, counted back
/// from `year_start`: distinct for every `n` below `SEQUENCES * BIRTH_DAYS`, and never one a
/// demo child has.
fn identity(n: u32, year_start: NaiveDate) -> (NaiveDate, u16) {
    let sequence = n % SEQUENCES;
    let day = (n / SEQUENCES + sequence * 31) % BIRTH_DAYS;
    (
        year_start - TimeDelta::days(i64::from(3 * 365 + day)),
        u16::try_from(FIRST_SEQUENCE + sequence).unwrap_or_default(),
    )
}

/// 1 September of the school year `today` is in.
fn school_year_start(today: NaiveDate) -> NaiveDate {
    let year = if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(today)
}

/// Children generated and written together.
const BATCH: usize = 2_000;

/// Where each generated child lives: its village (an index into `villages`), its number in the
/// village and its number in the county.
fn places(villages: &[Village], children: u32) -> Vec<(usize, u32, u32)> {
    let first_township = villages.first().map(|v| &v.code[..9]);
    let weights: Vec<u32> = villages
        .iter()
        .map(|v| {
            if Some(&v.code[..9]) == first_township {
                24
            } else {
                4
            }
        })
        .collect();
    let mut per_county: BTreeMap<&str, u32> = BTreeMap::new();
    let mut places = Vec::with_capacity(usize::try_from(children).unwrap_or_default());
    for (index, (village, count)) in villages.iter().zip(shares(&weights, children)).enumerate() {
        let county = per_county.entry(&village.code[..6]).or_default();
        for n in 0..count {
            places.push((index, n, *county + n));
        }
        *county += count;
    }
    places
}

impl Generator {
    /// The `n`th generated child of `village` (the `county_n`th of its county) and its rows.
    /// Its age and schooling are as of `year_start`, the start of the school year, so that the
    /// same child comes out every day of the year.
    fn scaled_child(
        &mut self,
        village: &Village,
        (n, county_n): (u32, u32),
        (today, year_start): (NaiveDate, NaiveDate),
        extra: &mut Extra,
    ) -> anyhow::Result<()> {
        let child = self.child(village, n, Some(identity(county_n, year_start)), year_start)?;
        if let Some(generated) = self.data.children.last_mut() {
            generated.filled_by = Set(Some(GENERATED_BY.to_owned()));
        }
        self.guardians(child, village.name, today);
        self.visits(child, village.director, (0..24).step_by(2));
        let at_school = self
            .data
            .children
            .last()
            .is_some_and(|c| c.school_id.as_ref().is_some());
        let helped = self.rng.random_ratio(2, 3);
        if at_school && helped {
            self.pairing(village.teacher, child, village.school, today);
        }
        if self.rng.random_ratio(1, 25) {
            self.report(extra, village, child);
        }
        if self.rng.random_ratio(1, 10) {
            self.service_item(extra, village, child, today);
        }
        Ok(())
    }

    /// A report on `child` by its village's director, some time in the past two years,
    /// handled by the county police through every stage to its close.
    fn report(&mut self, extra: &mut Extra, village: &Village, child: Uuid) {
        let id = self.id();
        // At least ten days ago, so that every stage (at most 8.4 days in all) is past.
        let submitted = self.now
            - TimeDelta::days(self.rng.random_range(10..730))
            - TimeDelta::minutes(self.rng.random_range(0..1440));
        let category = *[
            ReportCategory::LivingAlone,
            ReportCategory::LivingAlone,
            ReportCategory::GuardianUnable,
            ReportCategory::GuardianNotPerforming,
            ReportCategory::Missing,
        ]
        .choose(&mut self.rng)
        .unwrap_or(&ReportCategory::LivingAlone);
        let mut at = submitted;
        let mut stages = Vec::new();
        for (state, action, minutes) in [
            (ReportState::Accepted, "accept", 20..120),
            (ReportState::Dispatched, "dispatch", 10..60),
            (ReportState::Responded, "respond", 30..240),
            (ReportState::TownshipNotified, "notify_township", 60..1440),
            (ReportState::Closed, "close", 1440..10_080),
        ] {
            at += TimeDelta::minutes(self.rng.random_range(minutes));
            stages.push((state, action, at));
        }
        let stage_at = |wanted: ReportState| {
            stages
                .iter()
                .find(|(state, _, _)| *state == wanted)
                .map(|(_, _, at)| *at)
        };
        extra.reports.push(report::ActiveModel {
            id: Set(id),
            category: Set(category),
            urgency: Set(Urgency::Urgent),
            state: Set(ReportState::Closed),
            narrative: Set("入户走访发现儿童无人照料，监护人联系不上。".to_owned()),
            occurred_at: Set(submitted - TimeDelta::hours(2)),
            region_id: Set(village.id),
            region_path: Set(village.path.clone()),
            place: Set(Some(format!("{}村内", village.name))),
            child_id: Set(Some(child)),
            child_description: Set(None),
            reporter_account_id: Set(Some(village.director)),
            reporter_organization_id: Set(Some(village.committee)),
            reporter_name: Set(Some(format!("{}儿童主任", village.name))),
            reporter_contact: Set(None),
            mandatory_reporter: Set(true),
            receipt_code: Set(None),
            holder_organization_id: Set(village.police),
            merged_into: Set(None),
            outcome_notice: Set(Some(
                "已联系监护人返回照料，村儿童主任每周回访。".to_owned(),
            )),
            submitted_at: Set(submitted),
            accepted_at: Set(stage_at(ReportState::Accepted)),
            dispatched_at: Set(stage_at(ReportState::Dispatched)),
            responded_at: Set(stage_at(ReportState::Responded)),
            notified_at: Set(stage_at(ReportState::TownshipNotified)),
            closed_at: Set(Some(at)),
            version: Set(6),
            updated_at: Set(at),
        });
        let mut from = None;
        let moves = std::iter::once((ReportState::Submitted, "submit", submitted)).chain(stages);
        for (to, action, at) in moves {
            let transition = self.id();
            extra.transitions.push(report_transition::ActiveModel {
                id: Set(transition),
                report_id: Set(id),
                from_state: Set(from.map(|s: ReportState| s.to_value())),
                to_state: Set(to.to_value()),
                action: Set(action.to_owned()),
                account_id: Set((to == ReportState::Submitted).then_some(village.director)),
                organization_id: Set((to == ReportState::Submitted).then_some(village.police)),
                note: Set(None),
                at: Set(at),
            });
            from = Some(to);
        }
    }

    /// A service item for `child` from the county's civil affairs bureau: done
    /// when it fell due in the past, open when it falls due in the coming weeks.
    fn service_item(
        &mut self,
        extra: &mut Extra,
        village: &Village,
        child: Uuid,
        today: NaiveDate,
    ) {
        let id = self.id();
        // Services of the civil affairs bureau, which need no guardian's consent (an agency's
        // counselling would, with an access grant).
        let kind = *[
            ServiceKind::GuardianshipGuidance,
            ServiceKind::SubsistenceAllowance,
            ServiceKind::MedicalTreatment,
        ]
        .choose(&mut self.rng)
        .unwrap_or(&ServiceKind::GuardianshipGuidance);
        let due_on = today - TimeDelta::days(self.rng.random_range(-30..365));
        let done = due_on < today;
        // Planned a month before it fell due, or a month ago when it is still to come.
        let created = self.now - TimeDelta::days((today - due_on).num_days().max(0) + 30);
        extra.items.push(service_item::ActiveModel {
            id: Set(id),
            child_id: Set(child),
            assessment_id: Set(None),
            kind: Set(kind),
            organization_id: Set(village.civil_affairs),
            due_on: Set(due_on),
            state: Set(if done {
                ServiceItemState::Done
            } else {
                ServiceItemState::Open
            }),
            note: Set(None),
            outcome: Set(done.then(|| "已按计划完成。".to_owned())),
            decline_reason: Set(None),
            grant_id: Set(None),
            created_by: Set(village.director),
            created_at: Set(created),
            updated_at: Set(if done {
                created + TimeDelta::days(30)
            } else {
                created
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_identities_are_distinct_and_never_a_demo_childs() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        let mut seen = HashSet::new();
        for n in 0..SEQUENCES * BIRTH_DAYS {
            let (birth, sequence) = identity(n, today);
            assert!(u32::from(sequence) >= FIRST_SEQUENCE && sequence < 500);
            assert!(seen.insert((birth, sequence)), "child {n}");
        }
    }

    #[test]
    fn shares_add_up_in_proportion() {
        assert_eq!(shares(&[24, 4, 4], 320), vec![240, 40, 40]);
        assert_eq!(shares(&[24, 4, 4], 7).iter().sum::<u32>(), 7);
    }
}
