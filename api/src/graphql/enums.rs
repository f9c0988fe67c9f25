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
    /// Court or procuratorate officer.
    CourtOfficer,
    /// Civil affairs analyst: aggregates and pseudonymized rows.
    Analyst,
}
