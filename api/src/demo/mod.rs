//! Demo data: the 博尔塔拉 prefecture with its four county-level units, generated townships and
//! villages, an organization for every unit of the plan's responsibility matrix and the
//! schools, police stations, hospital and agency the work needs, one `demo.<role>` account per
//! role, a few hundred fictional children with guardians, visits and pairings, and a
//! winter-holiday screening campaign over the first township with its teams and hazard sites.
//!
//! Every row's id comes from a seeded generator and every insert skips rows that exist, so
//! loading twice changes nothing. No real person's data: names are drawn from lists of common
//! characters and ID numbers are generated (valid checksums, fictional sequences).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use entity::{
    account, assignment, child, child_guardian,
    enums::{
        AssignmentStatus, ChildStatus, ContactFacilitator, Gender, GuardianRelation,
        GuardianshipCapacity, GuardianshipQuality, HazardKind, HealthStatus, LeftBehindType,
        LivingArrangement, OrganizationKind, ParentContactMethod, Rating, RegionLevel,
        Responsibility, RiskLevel, Role, SchoolingStage, ScreeningSeason, SubjectType, TeamKind,
        VenueKind, VisitMethod,
    },
    guardian, hazard_site, inspection, inspection_finding, organization, pairing, parent_contact,
    region, screening_campaign, screening_team, venue, venue_staff, visit,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, Iterable, PaginatorTrait, PrimaryKeyToColumn, QueryFilter,
    sea_query::OnConflict,
};
use serde::Deserialize;
use uuid::{Builder, Uuid};

pub mod scale;

use crate::{
    auth::password,
    domain::{screening::Member, values::ResidentId},
};

/// The plan's task × unit matrix, shipped with the service.
pub const RESPONSIBILITY_MATRIX: &str = include_str!("../../../data/responsibility-matrix.toml");

/// Every demo account's username is `demo.` followed by the role's name.
pub fn demo_username(role: Role) -> String {
    format!("demo.{}", role.to_value())
}

/// What loading did.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// The password of the demo accounts, when this load generated it (print it once).
    pub generated_password: Option<String>,
    /// Whether the demo accounts already existed (their password is then unchanged).
    pub accounts_existed: bool,
}

/// Row counts of the demo tables, to show that a second load changes nothing.
pub async fn counts(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<&'static str, u64>, sea_orm::DbErr> {
    Ok(BTreeMap::from([
        ("region", region::Entity::find().count(db).await?),
        (
            "organization",
            organization::Entity::find().count(db).await?,
        ),
        ("account", account::Entity::find().count(db).await?),
        ("child", child::Entity::find().count(db).await?),
        ("guardian", guardian::Entity::find().count(db).await?),
        (
            "child_guardian",
            child_guardian::Entity::find().count(db).await?,
        ),
        ("visit", visit::Entity::find().count(db).await?),
        ("pairing", pairing::Entity::find().count(db).await?),
        (
            "parent_contact",
            parent_contact::Entity::find().count(db).await?,
        ),
        ("venue", venue::Entity::find().count(db).await?),
        (
            "screening_campaign",
            screening_campaign::Entity::find().count(db).await?,
        ),
        ("hazard_site", hazard_site::Entity::find().count(db).await?),
        (
            "screening_team",
            screening_team::Entity::find().count(db).await?,
        ),
    ]))
}

/// Whether the database holds no regions yet (`serve --demo` loads only then).
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, sea_orm::DbErr> {
    Ok(region::Entity::find().count(db).await? == 0)
}

/// Loads the demo data in one transaction. `password` is the demo accounts' password; when
/// `None` and the accounts are new, one is generated and returned.
pub async fn load(
    db: &DatabaseConnection,
    password: Option<String>,
    now: DateTime<Utc>,
) -> anyhow::Result<DemoOutcome> {
    let accounts_existed = account::Entity::find()
        .filter(account::Column::Username.eq(demo_username(Role::Admin)))
        .one(db)
        .await?
        .is_some();
    let (password, generated_password) = match password {
        Some(p) => (p, None),
        None if accounts_existed => (String::new(), None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    let hash = if accounts_existed {
        String::new()
    } else {
        let plain = password.clone();
        tokio::task::spawn_blocking(move || password::hash(&plain)).await??
    };
    let data = Generator::new(now, hash).generate()?.data;
    let txn = crate::db::begin_write(db).await?;
    data.insert(&txn).await?;
    crate::domain::assignment::load_plan(&txn, RESPONSIBILITY_MATRIX, now).await?;
    crate::domain::statistics::visits::invalidate(&txn, now).await?;
    txn.commit().await?;
    crate::domain::statistics::trends::backfill(db, now, SNAPSHOT_MONTHS).await?;
    crate::domain::statistics::visits::refresh(db, now).await?;
    Ok(DemoOutcome {
        generated_password,
        accounts_existed,
    })
}

fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(*ALPHABET.choose(&mut rng).unwrap_or(&b'x')))
        .collect()
}

#[derive(Deserialize)]
struct Matrix {
    units: BTreeMap<String, String>,
}

/// The past months the demo gives snapshots of the ledger, for trends.
const SNAPSHOT_MONTHS: u32 = 24;

const COUNTIES: [(&str, &str); 4] = [
    ("652701", "博乐市"),
    ("652702", "阿拉山口市"),
    ("652722", "精河县"),
    ("652723", "温泉县"),
];
const TOWNSHIP_NAMES: [&str; 4] = ["团结镇", "友谊乡", "和平乡", "幸福镇"];
const VILLAGE_NAMES: [&str; 4] = ["红星村", "新华村", "光明村", "前进村"];
const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "马", "孙", "胡", "朱", "郭", "何",
];
const GIVEN: [&str; 20] = [
    "小雨", "子涵", "浩然", "欣怡", "宇轩", "梓萱", "俊杰", "诗琪", "博文", "雨桐", "天佑", "佳怡",
    "明轩", "思雨", "子豪", "嘉欣", "一鸣", "若曦", "晨阳", "可馨",
];
const ETHNICITIES: [&str; 5] = ["汉族", "蒙古族", "哈萨克族", "维吾尔族", "回族"];
const WORK_PLACES: [(&str, &str); 5] = [
    ("广东省", "东莞市"),
    ("浙江省", "义乌市"),
    ("江苏省", "苏州市"),
    ("新疆维吾尔自治区", "乌鲁木齐市"),
    ("上海市", "上海市"),
];

/// Builds every demo row in memory from a fixed seed.
struct Generator {
    rng: StdRng,
    now: DateTime<Utc>,
    password_hash: String,
    data: DemoData,
}

#[derive(Default)]
struct DemoData {
    regions: Vec<region::ActiveModel>,
    organizations: Vec<organization::ActiveModel>,
    accounts: Vec<account::ActiveModel>,
    children: Vec<child::ActiveModel>,
    guardians: Vec<guardian::ActiveModel>,
    links: Vec<child_guardian::ActiveModel>,
    visits: Vec<visit::ActiveModel>,
    pairings: Vec<pairing::ActiveModel>,
    parent_contacts: Vec<parent_contact::ActiveModel>,
    venues: Vec<venue::ActiveModel>,
    venue_staff: Vec<venue_staff::ActiveModel>,
    campaigns: Vec<screening_campaign::ActiveModel>,
    sites: Vec<hazard_site::ActiveModel>,
    teams: Vec<screening_team::ActiveModel>,
    assignments: Vec<assignment::ActiveModel>,
    inspections: Vec<inspection::ActiveModel>,
    findings: Vec<inspection_finding::ActiveModel>,
}

/// A village with the staff and units the children there are attached to.
struct Village {
    id: Uuid,
    code: String,
    name: &'static str,
    path: String,
    director: Uuid,
    school: Uuid,
    teacher: Uuid,
    /// The county's public security bureau, which holds reports from the village.
    police: Uuid,
    /// The county's civil affairs bureau.
    civil_affairs: Uuid,
    /// The village committee, where the child director works.
    committee: Uuid,
}

/// The demo's rows with the villages they were generated over.
struct Demo {
    data: DemoData,
    villages: Vec<Village>,
}

impl Generator {
    fn new(now: DateTime<Utc>, password_hash: String) -> Self {
        Self {
            rng: StdRng::seed_from_u64(652_700),
            now,
            password_hash,
            data: DemoData::default(),
        }
    }

    /// A deterministic UUID v7: a fixed timestamp base and seeded random bits.
    fn id(&mut self) -> Uuid {
        let millis = 1_767_225_600_000 + self.rng.random_range(0..10_000_000_u64);
        let random: [u8; 10] = self.rng.random();
        Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }

    fn region(
        &mut self,
        code: &str,
        name: &str,
        level: RegionLevel,
        parent: Option<(&Uuid, &str)>,
    ) -> (Uuid, String) {
        let id = self.id();
        let path = match parent {
            Some((_, parent_path)) => format!("{parent_path}/{code}"),
            None => code.to_owned(),
        };
        self.data.regions.push(region::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            name: Set(name.to_owned()),
            level: Set(level),
            parent_id: Set(parent.map(|(p, _)| *p)),
            path: Set(path.clone()),
        });
        (id, path)
    }

    fn organization(
        &mut self,
        code: String,
        name: String,
        kind: OrganizationKind,
        region: Uuid,
    ) -> Uuid {
        let id = self.id();
        let mandatory_reporter = matches!(
            kind,
            OrganizationKind::School
                | OrganizationKind::Kindergarten
                | OrganizationKind::MedicalInstitution
                | OrganizationKind::VillageCommittee
                | OrganizationKind::SocialWorkAgency
                | OrganizationKind::RescueAgency
                | OrganizationKind::WelfareInstitution
        );
        self.data.organizations.push(organization::ActiveModel {
            id: Set(id),
            code: Set(code),
            name: Set(name),
            kind: Set(kind),
            region_id: Set(region),
            mandatory_reporter: Set(mandatory_reporter),
            created_at: Set(self.now),
        });
        id
    }

    fn account(
        &mut self,
        username: String,
        display_name: String,
        role: Role,
        organization: Uuid,
    ) -> Uuid {
        let id = self.id();
        self.data.accounts.push(account::ActiveModel {
            id: Set(id),
            username: Set(username),
            display_name: Set(display_name),
            password_hash: Set(self.password_hash.clone()),
            role: Set(role),
            organization_id: Set(organization),
            disabled: Set(false),
            token_version: Set(0),
            must_change_password: Set(false),
            password_set_at: Set(Some(self.now)),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        });
        id
    }

    fn generate(mut self) -> anyhow::Result<Demo> {
        let matrix: Matrix = toml::from_str(RESPONSIBILITY_MATRIX)?;
        let (prefecture, prefecture_path) = self.region(
            "652700",
            "博尔塔拉蒙古自治州",
            RegionLevel::Prefecture,
            None,
        );

        // One prefecture-level unit per key of the matrix; county governments come per county.
        let mut units = BTreeMap::new();
        for (key, name) in &matrix.units {
            let Some(kind) = unit_kind(key) else { continue };
            let id = self.organization(format!("unit:{key}"), name.clone(), kind, prefecture);
            units.insert(key.clone(), id);
        }
        let agency = self.organization(
            "agency:652700:1".into(),
            "博州阳光社会工作服务中心".into(),
            OrganizationKind::SocialWorkAgency,
            prefecture,
        );

        let mut villages = Vec::new();
        let mut county_units = BTreeMap::new();
        for (county_code, county_name) in COUNTIES {
            let (county, county_path) = self.region(
                county_code,
                county_name,
                RegionLevel::County,
                Some((&prefecture, &prefecture_path)),
            );
            let mut per_county = BTreeMap::new();
            for (kind, suffix, key) in [
                (
                    OrganizationKind::CountyGovernment,
                    "人民政府",
                    "county_government",
                ),
                (OrganizationKind::CivilAffairs, "民政局", "civil_affairs"),
                (OrganizationKind::Education, "教育局", "education"),
                (
                    OrganizationKind::PublicSecurity,
                    "公安局",
                    "public_security",
                ),
                (
                    OrganizationKind::WomensFederation,
                    "妇联",
                    "womens_federation",
                ),
                (OrganizationKind::Justice, "司法局", "justice"),
                (OrganizationKind::Court, "人民法院", "court"),
                (OrganizationKind::MedicalInstitution, "人民医院", "hospital"),
            ] {
                let id = self.organization(
                    format!("{key}:{county_code}"),
                    format!("{county_name}{suffix}"),
                    kind,
                    county,
                );
                per_county.insert(key, id);
            }
            // The county education bureau's staff: their unit's inbox receives dropout cases
            // reported in writing.
            if let Some(education) = per_county.get("education").copied() {
                self.account(
                    format!("education.{county_code}"),
                    format!("{county_name}教育局"),
                    Role::EducationOfficer,
                    education,
                );
            }
            let county_unit = |key: &str| -> anyhow::Result<Uuid> {
                per_county
                    .get(key)
                    .copied()
                    .ok_or_else(|| anyhow::anyhow!("{county_name} {key} missing"))
            };
            let police = county_unit("public_security")?;
            let civil_affairs = county_unit("civil_affairs")?;
            county_units.insert(county_code, per_county);
            for (t, township_name) in TOWNSHIP_NAMES.iter().enumerate() {
                let township_code = format!("{county_code}{:03}", 100 + t);
                let (township, township_path) = self.region(
                    &township_code,
                    township_name,
                    RegionLevel::Township,
                    Some((&county, &county_path)),
                );
                self.organization(
                    format!("township_government:{township_code}"),
                    format!("{county_name}{township_name}人民政府"),
                    OrganizationKind::TownshipGovernment,
                    township,
                );
                self.organization(
                    format!("police_station:{township_code}"),
                    format!("{county_name}公安局{township_name}派出所"),
                    OrganizationKind::PublicSecurity,
                    township,
                );
                let school_name = format!("{county_name}{township_name}中心学校");
                let school = self.organization(
                    format!("school:{township_code}"),
                    school_name.clone(),
                    OrganizationKind::School,
                    township,
                );
                let teacher = self.account(
                    format!("teacher.{township_code}"),
                    format!("{school_name}教师"),
                    Role::Teacher,
                    school,
                );
                for (v, village_name) in VILLAGE_NAMES.iter().enumerate() {
                    let village_code = format!("{township_code}{:03}", 201 + v);
                    let (village, village_path) = self.region(
                        &village_code,
                        village_name,
                        RegionLevel::Village,
                        Some((&township, &township_path)),
                    );
                    let committee = self.organization(
                        format!("village_committee:{village_code}"),
                        format!("{township_name}{village_name}村民委员会"),
                        OrganizationKind::VillageCommittee,
                        village,
                    );
                    let director = self.account(
                        format!("director.{village_code}"),
                        format!("{village_name}儿童主任"),
                        Role::ChildDirector,
                        committee,
                    );
                    villages.push(Village {
                        id: village,
                        code: village_code,
                        name: village_name,
                        path: village_path,
                        director,
                        school,
                        teacher,
                        police,
                        civil_affairs,
                        committee,
                    });
                }
            }
        }

        // The demo accounts sit in 博乐市's first township and its first village, so that
        // their jurisdictions overlap and every role has children to look at.
        let first_township = "652701100";
        let first_village = "652701100201";
        let org = |code: &str| -> anyhow::Result<Uuid> {
            self.data
                .organizations
                .iter()
                .find(|o| o.code.as_ref() == code)
                .map(|o| *o.id.as_ref())
                .ok_or_else(|| anyhow::anyhow!("demo organization {code} missing"))
        };
        let bole = county_units
            .get("652701")
            .ok_or_else(|| anyhow::anyhow!("博乐市 missing"))?;
        let unit = |key: &str| -> anyhow::Result<Uuid> {
            bole.get(key)
                .copied()
                .ok_or_else(|| anyhow::anyhow!("博乐市 {key} missing"))
        };
        let placements = [
            (Role::Admin, org("unit:civil_affairs")?),
            (Role::CivilAffairsOfficer, unit("civil_affairs")?),
            (
                Role::ChildSupervisor,
                org(&format!("township_government:{first_township}"))?,
            ),
            (
                Role::ChildDirector,
                org(&format!("village_committee:{first_village}"))?,
            ),
            (Role::Teacher, org(&format!("school:{first_township}"))?),
            (Role::SchoolHead, org(&format!("school:{first_township}"))?),
            (Role::PoliceOfficer, unit("public_security")?),
            (Role::WomensFederationWorker, unit("womens_federation")?),
            (Role::SocialWorker, agency),
            (Role::HealthWorker, unit("hospital")?),
            (Role::JusticeOfficer, unit("justice")?),
            (Role::CourtOfficer, unit("court")?),
            (Role::Analyst, org("unit:civil_affairs")?),
        ];
        let later_roles = [
            (Role::EducationOfficer, unit("education")?),
            (Role::Procurator, org("unit:procuratorate")?),
        ];
        let (inspecting, inspected) = (unit("civil_affairs")?, unit("education")?);
        let mut demo_officer = None;
        let mut demo_teacher = None;
        let mut demo_director = None;
        let mut demo_supervisor = None;
        for (role, organization) in placements {
            let id = self.account(
                demo_username(role),
                format!("演示账号 {}", role.to_value()),
                role,
                organization,
            );
            match role {
                Role::Teacher => demo_teacher = Some(id),
                Role::ChildDirector => demo_director = Some(id),
                Role::ChildSupervisor => demo_supervisor = Some(id),
                Role::CivilAffairsOfficer => demo_officer = Some(id),
                _ => {}
            }
        }

        // Children: 24 in each village of the first township, 4 in every other village.
        let today = self.now.date_naive();
        let mut demo_pairs = 0;
        // The demo teacher's children and their fathers working away, for parents' contact.
        let mut helped: Vec<(Uuid, Uuid, Uuid, Uuid)> = Vec::new();
        for village in &villages {
            let in_first_township = village.code.starts_with(first_township);
            let count = if in_first_township { 24 } else { 4 };
            let director = if village.code == first_village {
                demo_director.unwrap_or(village.director)
            } else {
                village.director
            };
            for n in 0..count {
                let child = self.child(village, n, None, today)?;
                self.guardians(child, village.name, today);
                // Monthly visits for the last few months; the demo village is up to date,
                // others lag.
                let months = if village.code == first_village {
                    0..3
                } else {
                    1..3
                };
                self.visits(child, director, months);
                // Two in three pupils have a helping teacher of their own school, as
                // `pairTeacher` allows: children under school age are enrolled nowhere.
                let at_school = self
                    .data
                    .children
                    .last()
                    .is_some_and(|c| c.school_id.as_ref() == &Some(village.school));
                if at_school && n % 3 != 2 {
                    let teacher = if in_first_township && demo_pairs < 12 && n % 2 == 0 {
                        demo_pairs += 1;
                        let teacher = demo_teacher.unwrap_or(village.teacher);
                        let father = self
                            .data
                            .guardians
                            .iter()
                            .rev()
                            .take(2)
                            .find(|g| matches!(&g.work_province, Set(Some(_))))
                            .and_then(|g| match &g.id {
                                Set(id) => Some(*id),
                                _ => None,
                            });
                        if let Some(father) = father {
                            helped.push((child, father, teacher, village.school));
                        }
                        teacher
                    } else {
                        village.teacher
                    };
                    self.pairing(teacher, child, village.school, today);
                }
            }
        }
        let supervisor =
            demo_supervisor.ok_or_else(|| anyhow::anyhow!("demo supervisor missing"))?;
        self.screening(first_township, supervisor)?;
        self.parent_contacts(&helped);
        self.venues(&villages, first_township);
        // The roles added last have their demo accounts made last, so that every id made
        // above stays what it was.
        let mut rectifier = None;
        for (role, organization) in later_roles {
            let id = self.account(
                demo_username(role),
                format!("演示账号 {}", role.to_value()),
                role,
                organization,
            );
            if role == Role::EducationOfficer {
                rectifier = Some(id);
            }
        }
        let officer = demo_officer.ok_or_else(|| anyhow::anyhow!("demo officer missing"))?;
        self.inspection((inspecting, officer), inspected, rectifier)?;
        Ok(Demo {
            data: self.data,
            villages,
        })
    }

    /// A winter-holiday screening campaign running over the first township, with three teams
    /// and the hazard sites of its villages.
    fn screening(&mut self, township_code: &str, by: Uuid) -> anyhow::Result<()> {
        let region_of = |data: &DemoData, code: &str| -> anyhow::Result<(Uuid, String)> {
            data.regions
                .iter()
                .find(|r| r.code.as_ref() == code)
                .map(|r| (*r.id.as_ref(), r.path.as_ref().clone()))
                .ok_or_else(|| anyhow::anyhow!("demo region {code} missing"))
        };
        let org_of = |data: &DemoData, code: &str| -> anyhow::Result<Uuid> {
            data.organizations
                .iter()
                .find(|o| o.code.as_ref() == code)
                .map(|o| *o.id.as_ref())
                .ok_or_else(|| anyhow::anyhow!("demo organization {code} missing"))
        };
        let (township, township_path) = region_of(&self.data, township_code)?;
        let today = crate::clock::china_date(self.now);
        let campaign = self.id();
        self.data.campaigns.push(screening_campaign::ActiveModel {
            id: Set(campaign),
            name: Set("寒假留守儿童关爱保护专项排查".into()),
            season: Set(ScreeningSeason::WinterHoliday),
            starts_on: Set(today - TimeDelta::days(7)),
            ends_on: Set(today + TimeDelta::days(60)),
            region_id: Set(township),
            region_path: Set(township_path),
            created_by: Set(by),
            created_at: Set(self.now),
        });
        let sites = [
            (
                "201",
                HazardKind::Water,
                "村东涝坝，无护栏，冬季结冰",
                RiskLevel::High,
            ),
            (
                "202",
                HazardKind::Road,
                "国道穿村路口，无信号灯",
                RiskLevel::Medium,
            ),
            (
                "203",
                HazardKind::Construction,
                "学校旁在建民房，工地未封闭",
                RiskLevel::Low,
            ),
        ];
        for (suffix, kind, place, risk) in sites {
            let (village, path) = region_of(&self.data, &format!("{township_code}{suffix}"))?;
            let id = self.id();
            self.data.sites.push(hazard_site::ActiveModel {
                id: Set(id),
                kind: Set(kind),
                place: Set(place.into()),
                risk: Set(risk),
                note: Set(None),
                region_id: Set(village),
                region_path: Set(path),
                created_by: Set(by),
                created_at: Set(self.now),
            });
        }
        let teams = [
            (
                TeamKind::HolidayPatrol,
                "假期巡查组",
                "township_government",
                [("乡镇儿童督导员", "牵头巡查"), ("村儿童主任", "入户走访")],
            ),
            (
                TeamKind::HazardScreening,
                "隐患排查组",
                "police_station",
                [
                    ("派出所民警", "水域和道路巡查"),
                    ("村治保主任", "设置警示标志"),
                ],
            ),
            (
                TeamKind::StudyHelp,
                "学业辅导组",
                "school",
                [
                    ("结对帮扶教师", "假期作业辅导"),
                    ("大学生志愿者", "阅读陪伴"),
                ],
            ),
        ];
        for (kind, name, unit, members) in teams {
            let organization = org_of(&self.data, &format!("{unit}:{township_code}"))?;
            let members: Vec<Member> = members
                .into_iter()
                .map(|(member, duty)| Member {
                    name: member.into(),
                    organization_id: Some(organization),
                    duty: Some(duty.into()),
                })
                .collect();
            let id = self.id();
            self.data.teams.push(screening_team::ActiveModel {
                id: Set(id),
                campaign_id: Set(campaign),
                kind: Set(kind),
                name: Set(name.into()),
                organization_id: Set(organization),
                members: Set(serde_json::to_string(&members)?),
                created_at: Set(self.now),
            });
        }
        Ok(())
    }

    /// The `n`th child of `village`. `identity` fixes the birth date and the sequence of the
    /// ID number (to keep generated numbers unique at scale); else they are drawn.
    fn child(
        &mut self,
        village: &Village,
        n: u32,
        identity: Option<(NaiveDate, u16)>,
        today: NaiveDate,
    ) -> anyhow::Result<Uuid> {
        let id = self.id();
        let gender = if self.rng.random_bool(0.5) {
            Gender::Male
        } else {
            Gender::Female
        };
        let age_days = self.rng.random_range(3 * 365..15 * 365);
        let (birth, sequence) = identity.unwrap_or_else(|| {
            let drawn = u32::try_from(self.data.children.len()).unwrap_or_default() + n;
            (
                today - TimeDelta::days(age_days),
                u16::try_from(drawn).unwrap_or_default(),
            )
        });
        let id_number = ResidentId::compose(&village.code[..6], birth, sequence, gender)
            .ok_or_else(|| anyhow::anyhow!("composing a demo ID number"))?;
        let name = format!(
            "{}{}",
            SURNAMES.choose(&mut self.rng).unwrap_or(&"王"),
            GIVEN.choose(&mut self.rng).unwrap_or(&"小雨")
        );
        let living = *[
            LivingArrangement::WithGrandparents,
            LivingArrangement::WithGrandparents,
            LivingArrangement::WithGrandparents,
            LivingArrangement::WithRelatives,
            LivingArrangement::WithEntrustedGuardian,
            LivingArrangement::WithOneParent,
        ]
        .choose(&mut self.rng)
        .unwrap_or(&LivingArrangement::WithGrandparents);
        let health = if self.rng.random_ratio(1, 20) {
            HealthStatus::Disabled
        } else if self.rng.random_ratio(1, 30) {
            HealthStatus::SeriouslyIll
        } else {
            HealthStatus::Healthy
        };
        let age = today.years_since(birth).unwrap_or_default();
        let reviewed_months = self.rng.random_range(0..5);
        // Registered over the last thirty months (never before birth), drawn from the id's
        // random bits like `stat_key` below, so that trends have a past to show.
        let registered = today
            .checked_sub_months(Months::new(u32::from(id.as_bytes()[11] % 30)))
            .unwrap_or(today)
            .max(birth);
        self.data.children.push(child::ActiveModel {
            id: Set(id),
            name: Set(name),
            gender: Set(gender),
            birth_date: Set(birth),
            ethnicity: Set((*ETHNICITIES.choose(&mut self.rng).unwrap_or(&"汉族")).to_owned()),
            id_number: Set(Some(id_number.as_str().to_owned())),
            residence_village_id: Set(village.id),
            region_path: Set(village.path.clone()),
            address: Set(Some(format!("{}{}组{}号", village.name, n % 6 + 1, n + 1))),
            school_id: Set((age >= 6).then_some(village.school)),
            grade: Set((age >= 6).then(|| format!("{}年级", (age - 5).min(9)))),
            left_behind_type: Set(if living == LivingArrangement::WithOneParent {
                LeftBehindType::OneParentAwayOtherUnable
            } else {
                LeftBehindType::BothParentsAway
            }),
            living_arrangement: Set(living),
            health_status: Set(health),
            health_detail: Set(
                (health == HealthStatus::SeriouslyIll).then(|| "先天性心脏病".to_owned())
            ),
            disability_category: Set(
                (health == HealthStatus::Disabled).then(|| "肢体残疾".to_owned())
            ),
            disability_grade: Set((health == HealthStatus::Disabled).then_some(3)),
            risk_level: Set(*[
                RiskLevel::None,
                RiskLevel::None,
                RiskLevel::Low,
                RiskLevel::Medium,
            ]
            .choose(&mut self.rng)
            .unwrap_or(&RiskLevel::None)),
            status: Set(ChildStatus::Active),
            needs_report: Set(false),
            reviewed_at: Set(self
                .now
                .checked_sub_months(Months::new(reviewed_months))
                .map(|at| at.max(crate::clock::china_midnight(registered)))),
            version: Set(1),
            guardians_version: Set(0),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            household_registered: Set(true),
            household_registration_place: Set(None),
            schooling_stage: Set(match age {
                0..=2 => SchoolingStage::NotSchoolAge,
                3..=5 => SchoolingStage::Kindergarten,
                6..=11 => SchoolingStage::Primary,
                _ => SchoolingStage::JuniorSecondary,
            }),
            boarding: Set(age >= 12 && self.rng.random_bool(0.5)),
            guardianship_quality: Set(*[
                GuardianshipQuality::Good,
                GuardianshipQuality::Fair,
                GuardianshipQuality::Fair,
                GuardianshipQuality::EntrustedInadequate,
            ]
            .choose(&mut self.rng)
            .unwrap_or(&GuardianshipQuality::Fair)),
            income_sources: Set(r#"["wages_from_work_away","farming"]"#.to_owned()),
            benefits: Set(if self.rng.random_ratio(1, 5) {
                r#"["minimum_living_allowance"]"#.to_owned()
            } else {
                "[]".to_owned()
            }),
            filled_by: Set(Some("村儿童主任".to_owned())),
            filled_on: Set(Some(registered)),
            reviewed_by: Set(Some("乡镇儿童督导员".to_owned())),
            approved_by: Set(None),
            status_reason: Set(None),
            status_changed_on: Set(None),
            created_by: Set(None),
            needs_guardian: Set(false),
            // From the id's random bits, so that the demo's other draws stay as they were.
            stat_key: Set(i32::from_le_bytes([
                id.as_bytes()[12],
                id.as_bytes()[13],
                id.as_bytes()[14],
                0,
            ]) & (child::STAT_KEY_RANGE - 1)),
        });
        Ok(id)
    }

    fn guardians(&mut self, child: Uuid, village: &str, today: NaiveDate) {
        let surname = *SURNAMES.choose(&mut self.rng).unwrap_or(&"王");
        let (province, city) = *WORK_PLACES.choose(&mut self.rng).unwrap_or(&WORK_PLACES[0]);
        let people = [
            (
                GuardianRelation::Grandmother,
                "奶奶",
                GuardianshipCapacity::Limited,
                true,
                None,
            ),
            (
                GuardianRelation::Father,
                "父亲",
                GuardianshipCapacity::Full,
                false,
                Some((province, city)),
            ),
        ];
        for (relation, label, capacity, primary, work) in people {
            let id = self.id();
            let birth_year = if primary { 1955 } else { 1985 } + self.rng.random_range(0..8);
            let birth = NaiveDate::from_ymd_opt(birth_year, self.rng.random_range(1..=12), 1)
                .unwrap_or(today);
            let gender = if relation == GuardianRelation::Father {
                Gender::Male
            } else {
                Gender::Female
            };
            let sequence = self.rng.random_range(0..500);
            self.data.guardians.push(guardian::ActiveModel {
                id: Set(id),
                name: Set(format!("{surname}{label}")),
                id_number: Set(ResidentId::compose("652701", birth, sequence, gender)
                    .map(|r| r.as_str().to_owned())),
                phone: Set(Some(format!(
                    "13{:09}",
                    self.rng.random_range(0..1_000_000_000_u64)
                ))),
                address: Set(primary.then(|| format!("{village}{}组", birth_year % 6 + 1))),
                work_province: Set(work.map(|(p, _)| p.to_owned())),
                work_city: Set(work.map(|(_, c)| c.to_owned())),
                guardianship_capacity: Set(capacity),
                version: Set(1),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
            let link = self.id();
            self.data.links.push(child_guardian::ActiveModel {
                id: Set(link),
                child_id: Set(child),
                guardian_id: Set(id),
                relation: Set(relation),
                is_entrusted: Set(primary),
                is_primary: Set(primary),
                since: Set(Some(
                    NaiveDate::from_ymd_opt(today.year() - 2, 3, 1).unwrap_or(today),
                )),
                ended_at: Set(None),
                created_at: Set(self.now),
            });
        }
    }

    /// A visit by `director` in each of the months `months` back from now.
    fn visits(&mut self, child: Uuid, director: Uuid, months: impl Iterator<Item = u32>) {
        for back in months {
            let id = self.id();
            let at = self
                .now
                .checked_sub_months(Months::new(back))
                .unwrap_or(self.now)
                - TimeDelta::days(self.rng.random_range(0..20));
            let rating = |rng: &mut StdRng| {
                *[Rating::Good, Rating::Good, Rating::Fair, Rating::Poor]
                    .choose(rng)
                    .unwrap_or(&Rating::Good)
            };
            let safety = rating(&mut self.rng);
            self.data.visits.push(visit::ActiveModel {
                id: Set(id),
                child_id: Set(child),
                visitor_account_id: Set(director),
                visitor_role: Set(Role::ChildDirector),
                visited_at: Set(at),
                method: Set(if back == 0 {
                    VisitMethod::Home
                } else {
                    VisitMethod::Phone
                }),
                living_rating: Set(Some(rating(&mut self.rng))),
                living_note: Set(None),
                guardianship_rating: Set(Some(rating(&mut self.rng))),
                guardianship_note: Set(None),
                schooling_rating: Set(Some(rating(&mut self.rng))),
                schooling_note: Set(None),
                health_rating: Set(Some(rating(&mut self.rng))),
                health_note: Set(None),
                safety_rating: Set(Some(safety)),
                safety_note: Set(None),
                follow_up_needed: Set(safety == Rating::Poor),
                next_planned_on: Set(None),
                created_at: Set(at),
                updated_at: Set(at),
                annotation: Set(None),
                annotated_by: Set(None),
                annotated_at: Set(None),
            });
        }
    }

    /// A service station in three of every four villages of the first township (so that
    /// `villagesWithoutStation` names the others), run by the village committee and staffed by
    /// its child director.
    fn venues(&mut self, villages: &[Village], first_township: &str) {
        for (n, village) in villages
            .iter()
            .filter(|v| v.code.starts_with(first_township))
            .enumerate()
        {
            if n % 4 == 3 {
                continue;
            }
            let id = self.id();
            self.data.venues.push(venue::ActiveModel {
                id: Set(id),
                kind: Set(VenueKind::VillageServiceStation),
                name: Set(format!("{}留守儿童服务工作站", village.name)),
                region_id: Set(village.id),
                region_path: Set(village.path.clone()),
                organization_id: Set(village.committee),
                address: Set(Some(format!("{}村委会一楼", village.name))),
                opening_hours: Set(Some("周一至周五 16:00-18:00，周六 9:00-11:00".to_owned())),
                closed_on: Set(None),
                close_reason: Set(None),
                created_by: Set(village.director),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
            self.data.venue_staff.push(venue_staff::ActiveModel {
                venue_id: Set(id),
                account_id: Set(village.director),
            });
        }
    }

    /// One inspection (督查) by the county civil affairs bureau of the county education bureau,
    /// forty days ago: one finding put right in time, one past its deadline.
    fn inspection(
        &mut self,
        (inspecting, officer): (Uuid, Uuid),
        inspected: Uuid,
        rectifier: Option<Uuid>,
    ) -> anyhow::Result<()> {
        let region = self
            .data
            .organizations
            .iter()
            .find(|o| o.id.as_ref() == &inspected)
            .map(|o| *o.region_id.as_ref())
            .ok_or_else(|| anyhow::anyhow!("the inspected unit is missing"))?;
        let region_path = self
            .data
            .regions
            .iter()
            .find(|r| r.id.as_ref() == &region)
            .map(|r| r.path.as_ref().clone())
            .ok_or_else(|| anyhow::anyhow!("the inspected unit's region is missing"))?;
        let today = crate::clock::china_date(self.now);
        let id = self.id();
        self.data.inspections.push(inspection::ActiveModel {
            id: Set(id),
            inspecting_organization_id: Set(inspecting),
            inspected_organization_id: Set(inspected),
            region_id: Set(region),
            region_path: Set(region_path),
            inspected_on: Set(today - TimeDelta::days(40)),
            summary: Set("督查控辍保学和结对帮扶工作: 查阅台账, 走访两所学校".to_owned()),
            created_by: Set(officer),
            created_at: Set(self.now - TimeDelta::days(40)),
        });
        let findings = [
            (
                "两所学校控辍保学台账未按月更新",
                today - TimeDelta::days(10),
                Some((
                    self.now - TimeDelta::days(12),
                    "台账已补齐并按月更新, 见县教育局通报",
                )),
            ),
            (
                "结对帮扶教师未覆盖全部留守儿童",
                today - TimeDelta::days(5),
                None,
            ),
        ];
        for (position, (description, deadline, rectified)) in (1..).zip(findings) {
            let (finding, assignment) = (self.id(), self.id());
            self.data.assignments.push(assignment::ActiveModel {
                id: Set(assignment),
                subject_type: Set(SubjectType::Finding),
                subject_key: Set(finding.to_string()),
                organization_id: Set(inspected),
                responsibility: Set(Responsibility::Lead),
                title: Set(format!("整改: {description}")),
                due_on: Set(Some(deadline)),
                status: Set(if rectified.is_some() {
                    AssignmentStatus::Done
                } else {
                    AssignmentStatus::Open
                }),
                created_by: Set(Some(officer)),
                created_at: Set(self.now - TimeDelta::days(40)),
                updated_at: Set(rectified.map_or(self.now - TimeDelta::days(40), |(at, _)| at)),
                progress_percent: Set(if rectified.is_some() { 100 } else { 0 }),
                done_at: Set(rectified.map(|(at, _)| at)),
            });
            self.data.findings.push(inspection_finding::ActiveModel {
                id: Set(finding),
                inspection_id: Set(id),
                position: Set(position),
                description: Set(description.to_owned()),
                deadline: Set(deadline),
                assignment_id: Set(assignment),
                rectified_at: Set(rectified.map(|(at, _)| at)),
                evidence: Set(rectified.map(|(_, evidence)| evidence.to_owned())),
                rectified_by: Set(rectified.and(rectifier)),
            });
        }
        Ok(())
    }

    /// Calls home the demo teacher helped with: for two in three of its children a video call
    /// with the father some days ago, so that the others show as overdue.
    fn parent_contacts(&mut self, helped: &[(Uuid, Uuid, Uuid, Uuid)]) {
        for (n, &(child, father, teacher, school)) in helped.iter().enumerate() {
            if n % 3 == 2 {
                continue;
            }
            let id = self.id();
            let days = i64::try_from(3 + n * 2).unwrap_or(3);
            self.data.parent_contacts.push(parent_contact::ActiveModel {
                id: Set(id),
                child_id: Set(child),
                guardian_id: Set(father),
                contacted_at: Set(self.now - TimeDelta::days(days)),
                method: Set(ParentContactMethod::Video),
                facilitated_by: Set(ContactFacilitator::School),
                organization_id: Set(school),
                recorded_by: Set(teacher),
                note: Set(Some("在学校用视频和爸爸通话".to_owned())),
                created_at: Set(self.now - TimeDelta::days(days)),
            });
        }
    }

    fn pairing(&mut self, teacher: Uuid, child: Uuid, school: Uuid, today: NaiveDate) {
        let id = self.id();
        self.data.pairings.push(pairing::ActiveModel {
            id: Set(id),
            teacher_account_id: Set(teacher),
            child_id: Set(child),
            school_id: Set(school),
            // The last 1 March that has come (never a start in the future).
            started_on: Set([today.year(), today.year() - 1]
                .into_iter()
                .filter_map(|year| NaiveDate::from_ymd_opt(year, 3, 1))
                .find(|start| *start <= today)
                .unwrap_or(today)),
            ended_on: Set(None),
            created_at: Set(self.now),
        });
    }
}

impl DemoData {
    async fn insert(self, db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
        insert_all(db, self.regions).await?;
        insert_all(db, self.organizations).await?;
        insert_accounts(db, self.accounts).await?;
        insert_all(db, self.children).await?;
        insert_all(db, self.guardians).await?;
        insert_all(db, self.links).await?;
        insert_all(db, self.visits).await?;
        insert_all(db, self.pairings).await?;
        insert_all(db, self.parent_contacts).await?;
        insert_all(db, self.venues).await?;
        insert_all(db, self.venue_staff).await?;
        insert_all(db, self.campaigns).await?;
        insert_all(db, self.sites).await?;
        insert_all(db, self.teams).await?;
        insert_all(db, self.assignments).await?;
        insert_all(db, self.inspections).await?;
        insert_all(db, self.findings).await?;
        Ok(())
    }
}

/// Inserts in multi-row statements of at most 30,000 values (within both databases' limits
/// on bound parameters), skipping rows whose primary key exists; any other conflict (a taken
/// ID number) fails.
async fn insert_all<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (30_000 / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        let key = OnConflict::columns(
            <A::Entity as EntityTrait>::PrimaryKey::iter().map(PrimaryKeyToColumn::into_column),
        )
        .do_nothing()
        .to_owned();
        A::Entity::insert_many(chunk)
            .on_conflict(key)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Accounts are matched by username, so an existing account (and its password) is kept.
async fn insert_accounts(
    db: &impl ConnectionTrait,
    rows: Vec<account::ActiveModel>,
) -> Result<(), sea_orm::DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let existing: Vec<String> = account::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.username)
        .collect();
    let fresh: Vec<_> = rows
        .into_iter()
        .filter(|a| !existing.contains(a.username.as_ref()))
        .collect();
    insert_all(db, fresh).await
}

fn unit_kind(key: &str) -> Option<OrganizationKind> {
    Some(match key {
        "civilization_office" => OrganizationKind::CivilizationOffice,
        "education" => OrganizationKind::Education,
        "culture_media" => OrganizationKind::CultureMedia,
        "justice" => OrganizationKind::Justice,
        "public_security" => OrganizationKind::PublicSecurity,
        "civil_affairs" => OrganizationKind::CivilAffairs,
        "court" => OrganizationKind::Court,
        "procuratorate" => OrganizationKind::Procuratorate,
        "womens_federation" => OrganizationKind::WomensFederation,
        "youth_league" => OrganizationKind::YouthLeague,
        "fanghuiju_office" => OrganizationKind::VillageWorkTeam,
        "trade_union" => OrganizationKind::TradeUnion,
        "disabled_federation" => OrganizationKind::DisabledFederation,
        "care_committee" => OrganizationKind::CareCommittee,
        "finance" => OrganizationKind::Finance,
        "state_tax" | "local_tax" => OrganizationKind::Taxation,
        "health" => OrganizationKind::Health,
        "human_resources" => OrganizationKind::HumanResources,
        "transport" => OrganizationKind::Transport,
        "water" => OrganizationKind::Water,
        "housing" => OrganizationKind::Housing,
        "poverty_alleviation" => OrganizationKind::PovertyAlleviation,
        // Every county's own government is created per county.
        _ => return None,
    })
}
