//! The kinds of record the service keeps, by the names clients and the audit trail know them.

/// The kinds of record: the object types that have global IDs, and the subject types of the
/// audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Account`.
    Account,
    /// `Organization`.
    Organization,
    /// `Region`.
    Region,
    /// `Child`.
    Child,
    /// `Guardian`.
    Guardian,
    /// `EntrustmentAgreement`.
    EntrustmentAgreement,
    /// `Consent`.
    Consent,
    /// `AuditEvent`.
    AuditEvent,
    /// `Visit`.
    Visit,
    /// `Pairing`.
    Pairing,
    /// `GuardianContact`.
    GuardianContact,
    /// `DropoutCase`.
    DropoutCase,
    /// `Assignment`.
    Assignment,
    /// `ServiceActivity`.
    ServiceActivity,
    /// `Report`.
    Report,
    /// `Intervention`.
    Intervention,
    /// `Assessment`.
    Assessment,
    /// `ServiceItem`.
    ServiceItem,
    /// `AccessGrant`.
    AccessGrant,
    /// `BreakGlassAccess`.
    BreakGlassAccess,
    /// `ScreeningCampaign`.
    ScreeningCampaign,
    /// `HazardSite`.
    HazardSite,
    /// `ScreeningTeam`.
    ScreeningTeam,
    /// `ScreeningRecord`.
    ScreeningRecord,
}

const KINDS: [Kind; 24] = [
    Kind::Account,
    Kind::Organization,
    Kind::Region,
    Kind::Child,
    Kind::Guardian,
    Kind::EntrustmentAgreement,
    Kind::Consent,
    Kind::AuditEvent,
    Kind::Visit,
    Kind::Pairing,
    Kind::GuardianContact,
    Kind::DropoutCase,
    Kind::Assignment,
    Kind::ServiceActivity,
    Kind::Report,
    Kind::Intervention,
    Kind::Assessment,
    Kind::ServiceItem,
    Kind::AccessGrant,
    Kind::BreakGlassAccess,
    Kind::ScreeningCampaign,
    Kind::HazardSite,
    Kind::ScreeningTeam,
    Kind::ScreeningRecord,
];

impl Kind {
    /// The kind's name, as in the global ID and in the audit trail's subject type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Account => "Account",
            Self::Organization => "Organization",
            Self::Region => "Region",
            Self::Child => "Child",
            Self::Guardian => "Guardian",
            Self::EntrustmentAgreement => "EntrustmentAgreement",
            Self::Consent => "Consent",
            Self::AuditEvent => "AuditEvent",
            Self::Visit => "Visit",
            Self::Pairing => "Pairing",
            Self::GuardianContact => "GuardianContact",
            Self::DropoutCase => "DropoutCase",
            Self::Assignment => "Assignment",
            Self::ServiceActivity => "ServiceActivity",
            Self::Report => "Report",
            Self::Intervention => "Intervention",
            Self::Assessment => "Assessment",
            Self::ServiceItem => "ServiceItem",
            Self::AccessGrant => "AccessGrant",
            Self::BreakGlassAccess => "BreakGlassAccess",
            Self::ScreeningCampaign => "ScreeningCampaign",
            Self::HazardSite => "HazardSite",
            Self::ScreeningTeam => "ScreeningTeam",
            Self::ScreeningRecord => "ScreeningRecord",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        KINDS.into_iter().find(|k| k.name() == name)
    }
}
