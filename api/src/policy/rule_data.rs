//! The data of the record rules (`[rules]` in the policy file), read and checked; the
//! predicates that use it are in [`super::rules`].

use std::collections::{BTreeMap, BTreeSet};

use entity::enums::{ConsentPurpose, OrganizationKind, Role, ServiceKind};
use sea_orm::ActiveEnum;
use serde::Deserialize;

/// `[rules]` as written in the policy file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    report_holders: BTreeSet<Role>,
    account_admins: BTreeSet<Role>,
    /// Administrators' tooling, when a policy file written before the rule does not say.
    #[serde(default = "administrators")]
    untrusted_document_senders: BTreeSet<Role>,
    intervention_case_units: Vec<OrganizationKind>,
    consent: BTreeMap<String, ConsentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentFile {
    default: ConsentPurpose,
    #[serde(default)]
    services: BTreeMap<String, ConsentPurpose>,
}

fn administrators() -> BTreeSet<Role> {
    BTreeSet::from([Role::Admin])
}

/// The data of the record rules, checked.
#[derive(Debug, Clone)]
pub struct Rules {
    report_holders: BTreeSet<Role>,
    account_admins: BTreeSet<Role>,
    untrusted_document_senders: BTreeSet<Role>,
    intervention_case_units: Vec<OrganizationKind>,
    consent: Vec<(OrganizationKind, UnitConsent)>,
}

#[derive(Debug, Clone)]
struct UnitConsent {
    default: ConsentPurpose,
    services: Vec<(ServiceKind, ConsentPurpose)>,
}

impl Rules {
    /// Checks the file's rules: every role and kind named exists, and someone holds reports.
    pub fn build(file: RulesFile) -> anyhow::Result<Self> {
        let mut consent = Vec::new();
        for (unit, rule) in file.consent {
            let unit = OrganizationKind::try_from_value(&unit).map_err(|_| {
                anyhow::anyhow!("policy: [rules.consent] names unknown unit kind `{unit}`")
            })?;
            let mut services = Vec::new();
            for (service, purpose) in rule.services {
                let service = ServiceKind::try_from_value(&service).map_err(|_| {
                    anyhow::anyhow!(
                        "policy: [rules.consent] names unknown service kind `{service}`"
                    )
                })?;
                services.push((service, purpose));
            }
            consent.push((
                unit,
                UnitConsent {
                    default: rule.default,
                    services,
                },
            ));
        }
        anyhow::ensure!(
            !file.report_holders.is_empty(),
            "policy: [rules] report_holders is empty: nobody could move a report"
        );
        Ok(Self {
            report_holders: file.report_holders,
            account_admins: file.account_admins,
            untrusted_document_senders: file.untrusted_document_senders,
            intervention_case_units: file.intervention_case_units,
            consent,
        })
    }
}

impl Rules {
    /// Whether `role` moves the reports its unit holds.
    pub fn holds_reports(&self, role: Role) -> bool {
        self.report_holders.contains(&role)
    }

    /// Whether `role` runs the accounts of its jurisdiction.
    pub fn administers_accounts(&self, role: Role) -> bool {
        self.account_admins.contains(&role)
    }

    /// Whether `role` may send documents no client app's manifest holds, whatever the
    /// enforcement of trusted documents.
    pub fn sends_untrusted_documents(&self, role: Role) -> bool {
        self.untrusted_document_senders.contains(&role)
    }

    /// Whether a unit of kind `unit` may be lent an intervention case.
    pub fn takes_intervention_cases(&self, unit: OrganizationKind) -> bool {
        self.intervention_case_units.contains(&unit)
    }

    /// The consent a service of `service` by a unit of kind `unit` needs, if any.
    pub fn consent_needed(
        &self,
        service: ServiceKind,
        unit: OrganizationKind,
    ) -> Option<ConsentPurpose> {
        let (_, rule) = self.consent.iter().find(|(kind, _)| *kind == unit)?;
        Some(
            rule.services
                .iter()
                .find(|(kind, _)| *kind == service)
                .map_or(rule.default, |(_, purpose)| *purpose),
        )
    }

    /// The report holders, for the matrix.
    pub fn report_holders(&self) -> String {
        roles(&self.report_holders)
    }

    /// The roles that run accounts, for the matrix.
    pub fn account_admins(&self) -> String {
        roles(&self.account_admins)
    }

    /// The roles that send documents no manifest holds, for the matrix.
    pub fn untrusted_document_senders(&self) -> String {
        roles(&self.untrusted_document_senders)
    }

    /// The unit kinds lent intervention cases, for the matrix.
    pub fn intervention_case_units(&self) -> String {
        self.intervention_case_units
            .iter()
            .map(|u| format!("`{}`", u.to_value()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The consent each unit kind needs, for the matrix.
    pub fn consent(&self) -> String {
        self.consent
            .iter()
            .map(|(unit, rule)| {
                let services = rule
                    .services
                    .iter()
                    .map(|(s, p)| format!("{} → `{}`", s.to_value(), p.to_value()))
                    .collect::<Vec<_>>();
                let services = if services.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", services.join(", "))
                };
                format!(
                    "`{}`: `{}`{services}",
                    unit.to_value(),
                    rule.default.to_value()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn roles(set: &BTreeSet<Role>) -> String {
    set.iter()
        .map(|r| format!("`{}`", r.to_value()))
        .collect::<Vec<_>>()
        .join(", ")
}
