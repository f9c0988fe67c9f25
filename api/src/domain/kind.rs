//! The kinds of record the service keeps, by the names clients and the audit trail know them.

/// Declares [`Kind`] from one list: each kind is named once, and its name, the list of all
/// kinds and the lookup by name follow from it.
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        /// The kinds of record: the object types that have global IDs, and the subject types of
        /// the audit trail.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            $(
                #[doc = concat!("`", stringify!($kind), "`.")]
                $kind,
            )*
        }

        /// Every kind.
        const KINDS: &[Kind] = &[$(Kind::$kind),*];

        impl Kind {
            /// The kind's name, as in the global ID and in the audit trail's subject type.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$kind => stringify!($kind),)*
                }
            }
        }
    };
}

kinds! {
    Account,
    Organization,
    Region,
    Child,
    Guardian,
    EntrustmentAgreement,
    Consent,
    AuditEvent,
    Visit,
    Pairing,
    GuardianContact,
    ParentContact,
    Venue,
    DropoutCase,
    Assignment,
    ServiceActivity,
    Report,
    Intervention,
    Assessment,
    ServiceItem,
    AccessGrant,
    BreakGlassAccess,
    ScreeningCampaign,
    HazardSite,
    ScreeningTeam,
    ScreeningRecord,
    LedgerSubmission,
    Inspection,
    InspectionFinding,
    Evaluation,
}

impl Kind {
    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        KINDS.iter().copied().find(|k| k.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::{KINDS, Kind};

    #[test]
    fn every_kind_is_found_by_its_name_and_no_other() {
        for kind in KINDS {
            assert_eq!(Kind::parse(kind.name()), Some(*kind));
        }
        assert_eq!(Kind::Child.name(), "Child");
        assert_eq!(Kind::parse("child"), None);
    }
}
