//! Opaque global IDs (Relay): base64 of `Type:uuid`. Clients must not parse them.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::error::ApiError;

/// The object types that have global IDs.
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

/// The global ID of a record.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The kind and record id behind a global ID; `None` when it is not one of ours.
pub fn decode(id: &ID) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_str()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((Kind::parse(kind)?, Uuid::parse_str(uuid).ok()?))
}

/// The record id behind a global ID that must be of `kind`; otherwise bad input in `field`.
pub fn expect(kind: Kind, id: &ID, field: &str) -> Result<Uuid, ApiError> {
    match decode(id) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        _ => Err(ApiError::bad_input(
            field,
            format!("not the ID of a {}", kind.name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::Region, uuid);
        assert_eq!(decode(&id), Some((Kind::Region, uuid)));
        assert!(expect(Kind::Organization, &id, "input.id").is_err());
        assert_eq!(decode(&ID("garbage".into())), None);
    }
}
