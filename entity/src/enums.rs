//! The enums stored as text columns; their values match the check constraints of the migrations.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a region stands in the administrative hierarchy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 州 / 地区.
    Prefecture,
    /// 县 / 县级市.
    County,
    /// 乡镇 / 场.
    Township,
    /// 村 / 居.
    Village,
}

/// The kind of unit an organization is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// 民政.
    CivilAffairs,
    /// 教育局.
    Education,
    /// A primary or secondary school.
    School,
    /// A kindergarten.
    Kindergarten,
    /// 公安: a public security bureau or police station.
    PublicSecurity,
    /// 司法局.
    Justice,
    /// 卫计委.
    Health,
    /// A hospital or clinic.
    MedicalInstitution,
    /// 法院.
    Court,
    /// 检察院.
    Procuratorate,
    /// 妇联.
    WomensFederation,
    /// 团委.
    YouthLeague,
    /// 残联.
    DisabledFederation,
    /// 总工会.
    TradeUnion,
    /// 关工委.
    CareCommittee,
    /// 文明办.
    CivilizationOffice,
    /// 社会工作服务机构.
    SocialWorkAgency,
    /// 救助管理机构.
    RescueAgency,
    /// 儿童福利机构.
    WelfareInstitution,
    /// 村(居)民委员会.
    VillageCommittee,
    /// 乡镇人民政府.
    TownshipGovernment,
    /// 县市人民政府.
    CountyGovernment,
    /// 财政局.
    Finance,
    /// 人社局.
    HumanResources,
    /// 交通运输局.
    Transport,
    /// 水利局.
    Water,
    /// 住建局.
    Housing,
    /// 扶贫办.
    PovertyAlleviation,
    /// “访惠聚” village work team.
    VillageWorkTeam,
    /// 文体广新局.
    CultureMedia,
    /// 国税局 / 地税局.
    Taxation,
}

/// What an account may do; see the policy file for each role's rows and fields.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System administrator: accounts and organizations, no child data.
    Admin,
    /// Civil affairs officer of a county or the prefecture.
    CivilAffairsOfficer,
    /// 儿童督导员, township level.
    ChildSupervisor,
    /// 儿童主任, village level.
    ChildDirector,
    /// A school teacher.
    Teacher,
    /// A school head.
    SchoolHead,
    /// A police officer.
    PoliceOfficer,
    /// A Women's Federation worker.
    WomensFederationWorker,
    /// A social worker of an agency.
    SocialWorker,
    /// A worker of a medical institution.
    HealthWorker,
    /// A justice bureau officer (legal aid).
    JusticeOfficer,
    /// A court officer.
    CourtOfficer,
    /// A civil affairs analyst: aggregates and pseudonymized rows.
    Analyst,
    /// An officer of a county or township education bureau: the dropout inbox, the schools'
    /// absences and pairings, no reports.
    EducationOfficer,
    /// A procuratorate officer: intervention cases it holds grants for, and, to supervise the
    /// mandatory-report system, the reports of its jurisdiction without the reporter's
    /// identity.
    Procurator,
}

/// A child's gender as registered.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// Why a child counts as left behind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum LeftBehindType {
    /// Both parents work away from home.
    BothParentsAway,
    /// One parent works away and the other cannot care for the child.
    OneParentAwayOtherUnable,
}

/// Who the child lives with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum LivingArrangement {
    /// With grandparents.
    WithGrandparents,
    /// With other relatives.
    WithRelatives,
    /// With an entrusted guardian who is not a relative.
    WithEntrustedGuardian,
    /// With the parent who stayed but cannot care for the child.
    WithOneParent,
    /// Alone: under 16 this is itself reportable.
    Alone,
}

/// The child's health as on the registration form.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Healthy.
    Healthy,
    /// Disabled, with category and grade.
    Disabled,
    /// Seriously ill, with the illness.
    SeriouslyIll,
}

/// The child's assessed risk.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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

/// Whether the child is still in the ledger's active care, and if not, why.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum GuardianRelation {
    /// 父亲.
    Father,
    /// 母亲.
    Mother,
    /// 祖父 / 外祖父.
    Grandfather,
    /// 祖母 / 外祖母.
    Grandmother,
    /// Another relative.
    OtherRelative,
    /// An entrusted adult who is not a relative.
    EntrustedOther,
}

/// Whether a guardian is able to care for the child.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum GuardianshipCapacity {
    /// Fully able.
    Full,
    /// Able with limits (age, illness).
    Limited,
    /// Not able.
    None,
}

/// How a visit was made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Good.
    Good,
    /// Fair.
    Fair,
    /// Poor: follow up.
    Poor,
    /// Serious: act now.
    Serious,
}

/// Schooling stage as on the registration form.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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

/// What a guardian consents to (PIPL art. 31: a child under 14's data needs it).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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

/// A household income source on the registration form (stored in a JSON array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// A benefit the household receives (stored in a JSON array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// How a teacher was in touch with a parent or entrusted guardian.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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

/// What kind of venue children are served at.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ParentContactMethod {
    /// A phone call.
    Phone,
    /// A video call.
    Video,
    /// The parent came home, or the child went to the parent.
    VisitHome,
}

/// Who made a child's contact with a parent possible.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
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

/// Where a dropout case stands (控辍保学).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum DropoutState {
    /// Opened: the child stopped coming.
    Open,
    /// Persuasion to return is under way.
    Persuading,
    /// The child is back at school (closed).
    Returned,
    /// Persuasion failed; reported in writing to the county education bureau and the township
    /// (closed at school level; the units follow up through their assignments).
    Reported,
}

/// What an assignment is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    /// A task of the plan.
    PlanTask,
    /// A mandatory report.
    Report,
    /// An assessment.
    Assessment,
    /// A service item.
    ServiceItem,
    /// A dropout case.
    DropoutCase,
    /// An inspection's finding, to be put right (整改).
    Finding,
}

/// A unit's part in an assignment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Responsibility {
    /// 责任单位: responsible.
    Lead,
    /// 协助单位: assisting.
    Assisting,
}

/// Where an assignment stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Not started.
    Open,
    /// Under way.
    InProgress,
    /// Done.
    Done,
}

/// What kind of service an activity is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 村村假期小课堂: a village holiday class.
    HolidayClass,
    /// Holiday day care.
    DayCare,
    /// After-school tutoring.
    Tutoring,
    /// Psychological counselling.
    Counselling,
    /// Family-education guidance for parents and entrusted guardians.
    FamilyEducation,
    /// Rehabilitation for disabled children.
    Rehabilitation,
}

/// What a mandatory report is about: the plan's situations and the 2020 national opinions' nine.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ReportCategory {
    /// A child living alone, out of anyone's care.
    LivingAlone,
    /// A missing child.
    Missing,
    /// The guardian has lost the capacity to care.
    GuardianUnable,
    /// The guardian does not perform the duty of care.
    GuardianNotPerforming,
    /// Suspected domestic violence.
    SuspectedDomesticViolence,
    /// Suspected accidental injury.
    SuspectedAccidentalInjury,
    /// Suspected unlawful harm.
    SuspectedUnlawfulHarm,
    /// Injury to private parts (2020).
    PrivatePartInjury,
    /// Sexual assault, or a girl's pregnancy (2020).
    SexualAssaultOrPregnancy,
    /// Injuries suggesting abuse or bullying (2020).
    AbuseOrBullyingInjuries,
    /// Self-harm or poisoning (2020).
    SelfHarmOrPoisoning,
    /// Abandonment (2020).
    Abandonment,
    /// Missing or trafficked (2020).
    MissingOrTrafficked,
    /// Organized begging (2020).
    OrganizedBegging,
    /// Any other serious danger (2020).
    OtherSeriousDanger,
}

/// Where a report stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Submitted, waiting for the holding police unit to accept it.
    Submitted,
    /// Accepted (受理).
    Accepted,
    /// Officers sent (出警).
    Dispatched,
    /// Responded (处置).
    Responded,
    /// The township was notified (通报).
    TownshipNotified,
    /// Closed, with the outcome notice for the reporter.
    Closed,
    /// A duplicate merged into another report.
    Merged,
}

/// How urgent the reporter judges the situation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// The child is in danger now.
    Immediate,
    /// Within hours.
    Urgent,
    /// Not urgent.
    Normal,
}

/// What the police did in response, as the plan lays it out per situation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyActionKind {
    /// The parents were ordered to return.
    ParentsOrderedHome,
    /// An entrusted guardian was designated (writes the guardian link).
    EntrustedGuardianDesignated,
    /// The parents were admonished (训诫).
    ParentsAdmonished,
    /// Temporary care with a relative.
    TemporaryCareRelative,
    /// Temporary care by the village committee.
    TemporaryCareVillageCommittee,
    /// Temporary care by a rescue or welfare institution.
    TemporaryCareInstitution,
    /// A missing-child search started.
    MissingSearchStarted,
    /// The search ended.
    MissingSearchEnded,
    /// Violence was stopped.
    ViolenceStopped,
    /// Shelter placement through civil affairs.
    ShelterPlacement,
    /// Medical help.
    MedicalHelp,
    /// Injury assessment.
    InjuryAssessment,
    /// Evidence collected.
    EvidenceCollected,
}

/// What was done about a guardian (监护干预).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    /// Criticism and education by the police.
    CriticismAndEducation,
    /// A public-security penalty.
    PublicSecurityPenalty,
    /// A criminal case opened.
    CriminalCaseOpened,
    /// A petition to revoke the guardianship filed with the court.
    RevocationPetitionFiled,
    /// The court's decision.
    CourtDecision,
    /// A new guardian designated.
    NewGuardianDesignated,
}

/// Commendation or accountability (强化激励问责).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationKind {
    /// Commended for the work.
    Commendation,
    /// Held to account for failing in it.
    Accountability,
}

/// Where an assessment stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentState {
    /// Under way: findings not yet recorded.
    Open,
    /// Findings and risk level recorded; the child's risk level set.
    Completed,
}

/// A targeted service (精准帮扶) following an assessment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Guidance to the guardian on their duties (监护指导).
    GuardianshipGuidance,
    /// Medical treatment (医疗救治).
    MedicalTreatment,
    /// Psychological counselling (心理疏导).
    Counselling,
    /// Behaviour correction (行为矫治).
    BehaviourCorrection,
    /// Legal service (法律服务).
    LegalService,
    /// Legal aid (法律援助).
    LegalAid,
    /// Enrollment in subsistence allowance (低保).
    SubsistenceAllowance,
    /// Temporary assistance (临时救助).
    TemporaryAssistance,
    /// Education support: return to school, study help (教育帮扶).
    EducationSupport,
}

/// Where a service item stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceItemState {
    /// Assigned, not started.
    Open,
    /// Being delivered.
    InProgress,
    /// Delivered.
    Done,
    /// Declined by the unit or the family, with a reason.
    Declined,
}

/// Which key period a screening campaign covers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningSeason {
    /// Winter holidays (寒假).
    WinterHoliday,
    /// Summer holidays (暑假).
    SummerHoliday,
    /// Another period.
    Other,
}

/// What kind of hazard a site is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Water: ponds, rivers, reservoirs, wells.
    Water,
    /// Roads and traffic.
    Road,
    /// Construction sites.
    Construction,
    /// Anything else.
    Other,
}

/// What a screening team does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// Holiday patrol (假期巡查).
    HolidayPatrol,
    /// Hazard screening (隐患排查).
    HazardScreening,
    /// Safety publicity (安全宣传).
    SafetyPublicity,
    /// Rights protection (维权).
    RightsProtection,
    /// Study help (学业辅导).
    StudyHelp,
}
