//! GraphQL enums mirroring the stored ones (the entity crate has no GraphQL dependency).

use async_graphql::Enum;

/// Where a region stands in the administrative hierarchy.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::RegionLevel")]
pub enum RegionLevel {
    /// Prefecture (州 / 地区), the top of this deployment.
    Prefecture,
    /// County or county-level city (县 / 市).
    County,
    /// Township (乡镇 / 场).
    Township,
    /// Village or residents' community (村 / 居).
    Village,
}

/// The kind of unit an organization is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::OrganizationKind")]
pub enum OrganizationKind {
    /// Civil affairs bureau (民政).
    CivilAffairs,
    /// Education bureau (教育局).
    Education,
    /// A primary or secondary school.
    School,
    /// A kindergarten.
    Kindergarten,
    /// Public security bureau or police station (公安).
    PublicSecurity,
    /// Justice bureau (司法局).
    Justice,
    /// Health commission (卫计委).
    Health,
    /// A hospital or clinic.
    MedicalInstitution,
    /// A court (法院).
    Court,
    /// A procuratorate (检察院).
    Procuratorate,
    /// Women's Federation (妇联).
    WomensFederation,
    /// Communist Youth League committee (团委).
    YouthLeague,
    /// Disabled Persons' Federation (残联).
    DisabledFederation,
    /// Federation of Trade Unions (总工会).
    TradeUnion,
    /// Committee for the Care of the Next Generation (关工委).
    CareCommittee,
    /// Civilization Office (文明办).
    CivilizationOffice,
    /// A social work service agency (社会工作服务机构).
    SocialWorkAgency,
    /// A rescue management agency (救助管理机构).
    RescueAgency,
    /// A children's welfare institution (儿童福利机构).
    WelfareInstitution,
    /// A village or residents' committee (村(居)委会).
    VillageCommittee,
    /// A township government (乡镇人民政府).
    TownshipGovernment,
    /// A county or city government (县市人民政府).
    CountyGovernment,
    /// Finance bureau (财政局).
    Finance,
    /// Human resources and social security bureau (人社局).
    HumanResources,
    /// Transport bureau (交通运输局).
    Transport,
    /// Water resources bureau (水利局).
    Water,
    /// Housing and urban-rural development bureau (住建局).
    Housing,
    /// Poverty alleviation office (扶贫办).
    PovertyAlleviation,
    /// A village-stationed work team (“访惠聚”).
    VillageWorkTeam,
    /// Culture, sports, radio, film and press bureau (文体广新局).
    CultureMedia,
    /// Taxation bureau (国税局 / 地税局).
    Taxation,
}

/// What an account may do. Each role's rows and fields are set by the access policy.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Role")]
pub enum Role {
    /// System administrator: accounts and organizations, no child data.
    Admin,
    /// Civil affairs officer of a county or the prefecture.
    CivilAffairsOfficer,
    /// Child supervisor of a township (儿童督导员).
    ChildSupervisor,
    /// Child director of a village (儿童主任).
    ChildDirector,
    /// School teacher.
    Teacher,
    /// School head.
    SchoolHead,
    /// Police officer.
    PoliceOfficer,
    /// Women's Federation worker.
    WomensFederationWorker,
    /// Social worker of an agency.
    SocialWorker,
    /// Worker of a medical institution.
    HealthWorker,
    /// Justice bureau officer (legal aid).
    JusticeOfficer,
    /// Court officer (people's court): intervention cases it holds grants for.
    CourtOfficer,
    /// Civil affairs analyst: aggregates (statistics) of the jurisdiction, no child rows.
    Analyst,
    /// Education bureau officer (county or township): the dropout inbox, the schools' absences
    /// and pairings of the jurisdiction, no reports.
    EducationOfficer,
    /// Procuratorate officer: intervention cases it holds grants for, and the reports of its
    /// jurisdiction without the reporter's identity (supervision of mandatory reporting).
    Procurator,
}

/// A child's gender as registered.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Gender")]
pub enum Gender {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// Why a child counts as left behind.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::LeftBehindType")]
pub enum LeftBehindType {
    /// Both parents work away from home.
    BothParentsAway,
    /// One parent works away and the other cannot care for the child.
    OneParentAwayOtherUnable,
}

/// Who the child lives with.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::LivingArrangement")]
pub enum LivingArrangement {
    /// With grandparents.
    WithGrandparents,
    /// With other relatives.
    WithRelatives,
    /// With an entrusted guardian who is not a relative.
    WithEntrustedGuardian,
    /// With the parent who stayed but cannot care for the child.
    WithOneParent,
    /// Alone. A child under 16 living alone must be reported (`needsReport`).
    Alone,
}

/// A child's health as on the registration form.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::HealthStatus")]
pub enum HealthStatus {
    /// Healthy.
    Healthy,
    /// Disabled (with category and grade).
    Disabled,
    /// Seriously ill (with the illness).
    SeriouslyIll,
}

/// A child's assessed risk.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::RiskLevel")]
pub enum RiskLevel {
    /// Not assessed as at risk.
    None,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// Whether a child is still followed, and if not, why.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ChildStatus")]
pub enum ChildStatus {
    /// Left behind and followed.
    Active,
    /// No longer left behind: the parents came back.
    ParentsReturned,
    /// Turned 16.
    AgedOut,
    /// Moved out of the area.
    MovedAway,
    /// Deceased.
    Deceased,
}

/// How a guardian is related to the child.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::GuardianRelation")]
pub enum GuardianRelation {
    /// Father.
    Father,
    /// Mother.
    Mother,
    /// Grandfather (paternal or maternal).
    Grandfather,
    /// Grandmother (paternal or maternal).
    Grandmother,
    /// Another relative.
    OtherRelative,
    /// An entrusted adult who is not a relative.
    EntrustedOther,
}

/// Whether a guardian is able to care for the child.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::GuardianshipCapacity")]
pub enum GuardianshipCapacity {
    /// Fully able.
    Full,
    /// Able with limits (age, illness).
    Limited,
    /// Not able.
    None,
}

/// Schooling stage as on the registration form.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::SchoolingStage")]
pub enum SchoolingStage {
    /// Below school age, not in kindergarten.
    NotSchoolAge,
    /// Kindergarten.
    Kindergarten,
    /// Primary school.
    Primary,
    /// Junior secondary school.
    JuniorSecondary,
    /// Senior secondary school.
    SeniorSecondary,
    /// Vocational school.
    Vocational,
    /// Dropped out.
    DroppedOut,
    /// Of school age but not in school for another reason.
    NotInSchool,
}

/// How well the child is looked after (监护情况).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::GuardianshipQuality")]
pub enum GuardianshipQuality {
    /// Nobody looks after the child.
    Unsupervised,
    /// The parent at home cannot look after the child.
    ParentUnable,
    /// The entrusted guardian does not look after the child adequately.
    EntrustedInadequate,
    /// Fair.
    Fair,
    /// Good.
    Good,
}

/// What a guardian consents to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ConsentPurpose")]
pub enum ConsentPurpose {
    /// Referral to a social work agency.
    SocialWorkReferral,
    /// Legal aid by the justice bureau.
    LegalAid,
    /// Medical treatment arranged by the protection system.
    MedicalTreatment,
    /// Psychological counselling.
    Counselling,
    /// Sharing the record with another unit.
    DataSharing,
}

/// A household income source on the registration form.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::IncomeSource")]
pub enum IncomeSource {
    /// Wages of the parents working away.
    WagesFromWorkAway,
    /// Farming.
    Farming,
    /// Herding.
    Herding,
    /// Local work.
    LocalWork,
    /// Pension.
    Pension,
    /// Social assistance.
    SocialAssistance,
    /// Anything else.
    Other,
}

/// A benefit the household receives.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Benefit")]
pub enum Benefit {
    /// 低保: the minimum living allowance.
    MinimumLivingAllowance,
    /// 特困供养: support for people in extreme poverty.
    ExtremePovertySupport,
    /// 临时救助: temporary assistance.
    TemporaryAssistance,
    /// Disability subsidy.
    DisabilitySubsidy,
    /// Education aid.
    EducationAid,
    /// Medical assistance.
    MedicalAssistance,
    /// Anything else.
    Other,
}

/// How a visit was made.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::VisitMethod")]
pub enum VisitMethod {
    /// At the child's home.
    Home,
    /// By phone.
    Phone,
    /// By video call.
    Video,
    /// At school.
    School,
}

/// A visitor's rating of one area of a child's situation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Rating")]
pub enum Rating {
    /// Good.
    Good,
    /// Fair.
    Fair,
    /// Poor: follow up.
    Poor,
    /// Serious: act now (the child is marked `needsReport`).
    Serious,
}

/// What kind of venue children are served at.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::VenueKind")]
pub enum VenueKind {
    /// A village's service station for left-behind children (留守儿童服务工作站), which every
    /// village must have.
    VillageServiceStation,
    /// A women's home (妇女之家).
    WomensHome,
    /// A children's happy home (儿童快乐家园).
    ChildrensHappyHome,
    /// A children's activity centre (儿童活动中心).
    ChildrensActivityCentre,
    /// A parents' school (家长学校).
    ParentsSchool,
    /// Any other.
    Other,
}

/// How a child was in touch with a parent working away.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ParentContactMethod")]
pub enum ParentContactMethod {
    /// A phone call.
    Phone,
    /// A video call.
    Video,
    /// The parent came home, or the child went to the parent.
    VisitHome,
}

/// Who made a child's contact with a parent possible.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ContactFacilitator")]
pub enum ContactFacilitator {
    /// The school (a teacher's phone, the school's video link).
    School,
    /// The village committee or its child director.
    Village,
    /// A venue: the village's service station, a women's home, a children's happy home.
    Venue,
    /// The family itself.
    Family,
}

/// How a teacher was in touch with a parent or entrusted guardian.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ContactMethod")]
pub enum ContactMethod {
    /// By phone.
    Phone,
    /// By video call.
    Video,
    /// A home visit.
    HomeVisit,
    /// A parent meeting at school.
    ParentMeeting,
}
