//! The one place where access is decided: which rows (row scopes, applied as SQL inside the
//! domain queries), which fields (the policy file, applied to every field by [`hook`]) and which
//! operations (root fields of Query and Mutation, in the same file).

pub mod arguments;
pub mod hook;
pub mod mask;
pub mod matrix;
pub mod rule_data;
pub mod rules;
pub mod scope;

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::{parse_schema, types::TypeKind};
use entity::enums::Role;
use sea_orm::{ActiveEnum, Iterable};
use serde::Deserialize;

use crate::policy::{
    arguments::{Arguments, ReadsFile},
    mask::Mask,
    rule_data::{Rules, RulesFile},
};

/// The policy shipped with the service.
pub const DEFAULT_POLICY: &str = include_str!("../../policy.toml");

/// What a role sees of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The value as stored.
    Full,
    /// The value through the field's masking function.
    Masked,
    /// Nothing: null and a `FORBIDDEN` error at that path.
    None,
}

impl Level {
    fn parse(token: &str) -> Option<Self> {
        match token {
            "F" => Some(Self::Full),
            "M" => Some(Self::Masked),
            "-" => Some(Self::None),
            _ => None,
        }
    }

    /// The matrix's one-character form.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Full => "F",
            Self::Masked => "M",
            Self::None => "-",
        }
    }
}

/// The rows a role may see at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowScope {
    /// The region subtree of the account's organization.
    Jurisdiction,
    /// Children enrolled in the account's school.
    School,
    /// Children with an active pairing to this teacher.
    Paired,
    /// Children with an active access grant to the account's organization.
    Granted,
    /// Children of the reports the account submitted.
    Own,
    /// No child rows, but counts (statistics) of the children in the region subtree of the
    /// account's organization: aggregates without rows.
    Counts,
    /// No child rows.
    None,
}

/// Which reports a role sees besides those it submitted itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportRows {
    /// Reports held by a police unit within the account's jurisdiction.
    HeldInJurisdiction,
    /// Reports about places in the jurisdiction, once the township has been notified.
    NotifiedInJurisdiction,
    /// Reports about places in the jurisdiction, in every state (supervision).
    InJurisdiction,
    /// Only the account's own reports.
    Own,
}

/// One field's rule.
#[derive(Debug, Clone)]
pub struct FieldRule {
    levels: BTreeMap<Role, Level>,
    anonymous: Level,
    /// How masked values are masked.
    pub mask: Option<Mask>,
    /// Whether reads are written to the audit trail.
    pub sensitive: bool,
}

impl FieldRule {
    /// The level for a role, or for an anonymous caller when `None`.
    pub fn level(&self, role: Option<Role>) -> Level {
        match role {
            Some(role) => self.levels.get(&role).copied().unwrap_or(Level::None),
            None => self.anonymous,
        }
    }
}

/// The loaded, checked policy.
#[derive(Debug, Clone)]
pub struct Policy {
    scopes: BTreeMap<Role, RowScope>,
    report_rows: BTreeMap<Role, ReportRows>,
    fields: BTreeMap<String, BTreeMap<String, FieldRule>>,
    arguments: Arguments,
    rules: Rules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    roles: BTreeMap<String, RowScope>,
    #[serde(default)]
    report_rows: BTreeMap<String, ReportRows>,
    rules: RulesFile,
    fields: BTreeMap<String, BTreeMap<String, RuleFile>>,
    #[serde(default)]
    filters: BTreeMap<String, BTreeMap<String, ReadsFile>>,
    #[serde(default)]
    orders: BTreeMap<String, BTreeMap<String, ReadsFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    roles: Option<String>,
    all: Option<String>,
    anonymous: Option<String>,
    mask: Option<Mask>,
    #[serde(default)]
    sensitive: bool,
}

/// The columns of a `roles` row, in order.
pub fn role_columns() -> Vec<Role> {
    Role::iter().collect()
}

impl Policy {
    /// Parses the policy and checks it against the schema's SDL: every field of every object
    /// type has a rule, every rule names a field, every role has a row scope, and every `M` has
    /// a mask. The error names what is wrong.
    pub fn load(text: &str, sdl: &str) -> anyhow::Result<Self> {
        let file: PolicyFile = toml::from_str(text)?;
        let columns = role_columns();
        let mut scopes = BTreeMap::new();
        for (name, scope) in file.roles {
            let role = Role::try_from_value(&name)
                .map_err(|_| anyhow::anyhow!("policy: [roles] names unknown role `{name}`"))?;
            scopes.insert(role, scope);
        }
        let mut report_rows = BTreeMap::new();
        for (name, rows) in file.report_rows {
            let role = Role::try_from_value(&name).map_err(|_| {
                anyhow::anyhow!("policy: [report_rows] names unknown role `{name}`")
            })?;
            report_rows.insert(role, rows);
        }
        if let Some(missing) = columns.iter().find(|r| !scopes.contains_key(r)) {
            anyhow::bail!(
                "policy: role `{}` has no row scope in [roles]",
                missing.to_value()
            );
        }

        let mut fields = BTreeMap::new();
        for (type_name, entries) in file.fields {
            let mut rules = BTreeMap::new();
            for (field, rule) in entries {
                let at = format!("{type_name}.{field}");
                let parse = |token: &str| {
                    Level::parse(token)
                        .ok_or_else(|| anyhow::anyhow!("policy: {at}: `{token}` is not F, M or -"))
                };
                let mut levels = BTreeMap::new();
                match (&rule.roles, &rule.all) {
                    (Some(row), None) => {
                        let tokens: Vec<&str> = row.split_whitespace().collect();
                        anyhow::ensure!(
                            tokens.len() == columns.len(),
                            "policy: {at}: `roles` has {} levels, expected {}",
                            tokens.len(),
                            columns.len()
                        );
                        for (role, token) in columns.iter().zip(tokens) {
                            levels.insert(*role, parse(token)?);
                        }
                    }
                    (None, Some(all)) => {
                        let level = parse(all)?;
                        for role in &columns {
                            levels.insert(*role, level);
                        }
                    }
                    _ => anyhow::bail!("policy: {at}: give exactly one of `roles` and `all`"),
                }
                let anonymous = rule
                    .anonymous
                    .as_deref()
                    .map(parse)
                    .transpose()?
                    .unwrap_or(Level::None);
                let masked =
                    anonymous == Level::Masked || levels.values().any(|l| *l == Level::Masked);
                anyhow::ensure!(
                    !masked || rule.mask.is_some(),
                    "policy: {at}: masked for some role but no `mask` is named"
                );
                rules.insert(
                    field,
                    FieldRule {
                        levels,
                        anonymous,
                        mask: rule.mask,
                        sensitive: rule.sensitive,
                    },
                );
            }
            fields.insert(type_name, rules);
        }
        let mut policy = Self {
            scopes,
            report_rows,
            fields,
            arguments: Arguments::default(),
            rules: Rules::build(file.rules)?,
        };
        let document = parse_schema(sdl)?;
        let schema_fields = policy.check_against(&document)?;
        policy.arguments = Arguments::build(file.filters, file.orders, &document, &schema_fields)?;
        Ok(policy)
    }

    fn check_against(
        &self,
        document: &async_graphql::parser::types::ServiceDocument,
    ) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
        let mut schema_fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for definition in &document.definitions {
            let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let fields = match &ty.node.kind {
                TypeKind::Object(object) => &object.fields,
                TypeKind::Interface(interface) => &interface.fields,
                _ => continue,
            };
            {
                let type_name = ty.node.name.node.to_string();
                let root = matches!(type_name.as_str(), "Query" | "Mutation" | "Subscription");
                for field in fields {
                    let name = field.node.name.node.to_string();
                    // A refused or masked value is served as null, so away from the root the
                    // field must be nullable; a refused root field refuses the operation.
                    let restricted = self.rule(&type_name, &name).is_some_and(|rule| {
                        role_columns()
                            .iter()
                            .any(|r| rule.level(Some(*r)) != Level::Full)
                    });
                    anyhow::ensure!(
                        root || !restricted || field.node.ty.node.nullable,
                        "policy: {type_name}.{name} is refused or masked for some role, so the \
                         schema must declare it nullable"
                    );
                    schema_fields
                        .entry(type_name.clone())
                        .or_default()
                        .insert(name);
                }
            }
        }
        for (type_name, fields) in &schema_fields {
            for field in fields {
                anyhow::ensure!(
                    self.fields
                        .get(type_name)
                        .is_some_and(|rules| rules.contains_key(field)),
                    "policy: the schema field {type_name}.{field} has no entry; every field needs one"
                );
            }
        }
        for (type_name, rules) in &self.fields {
            for field in rules.keys() {
                anyhow::ensure!(
                    schema_fields
                        .get(type_name)
                        .is_some_and(|fields| fields.contains(field)),
                    "policy: the entry {type_name}.{field} names no field of the schema"
                );
            }
        }
        Ok(schema_fields)
    }

    /// The rule of a field, if the policy has one (a checked policy has one for every field).
    pub fn rule(&self, type_name: &str, field: &str) -> Option<&FieldRule> {
        self.fields.get(type_name)?.get(field)
    }

    /// The level of a field for a role (`None` for an anonymous caller); deny when unknown.
    pub fn level(&self, type_name: &str, field: &str, role: Option<Role>) -> Level {
        self.rule(type_name, field)
            .map_or(Level::None, |r| r.level(role))
    }

    /// Whether `role` reads every one of `fields` in full.
    pub fn reads_in_full(&self, role: Option<Role>, fields: &[arguments::FieldRef]) -> bool {
        fields
            .iter()
            .all(|f| self.level(&f.type_name, &f.field, role) == Level::Full)
    }

    /// The first argument given to the connection field `parent.field` that filters or sorts by
    /// a field `role` does not read in full: its path (`filter.nameContains`, `orderBy`).
    pub fn refused_argument(
        &self,
        role: Option<Role>,
        parent: &str,
        field: &str,
        given: &[(async_graphql::Name, async_graphql::Value)],
    ) -> Option<String> {
        self.arguments
            .reads(parent, field, given)
            .into_iter()
            .find(|(_, reads)| !self.reads_in_full(role, reads))
            .map(|(path, _)| path)
    }

    /// Whether the field `parent.field` takes arguments that filter or sort (a connection).
    pub fn has_argument_rights(&self, parent: &str, field: &str) -> bool {
        self.arguments.covers(parent, field)
    }

    /// Whether `role` may sort a list by the value `value` of the order enum `order`.
    pub fn may_order_by(&self, role: Role, order: &str, value: &str) -> bool {
        self.arguments
            .order_reads(order, value)
            .is_some_and(|reads| self.reads_in_full(Some(role), reads))
    }

    /// Whether `role` may subscribe to anything at all.
    pub fn may_subscribe(&self, role: Role) -> bool {
        self.fields
            .get("Subscription")
            .is_some_and(|rules| rules.values().any(|r| r.level(Some(role)) != Level::None))
    }

    /// The filter and order rights, for the rendered matrix and for tests.
    pub fn argument_rights(&self) -> Vec<arguments::ArgumentRight> {
        self.arguments.rights()
    }

    /// A role's row scope.
    pub fn scope(&self, role: Role) -> RowScope {
        self.scopes.get(&role).copied().unwrap_or(RowScope::None)
    }

    /// Which reports a role sees besides its own; only its own when the policy says nothing.
    pub fn report_rows(&self, role: Role) -> ReportRows {
        self.report_rows
            .get(&role)
            .copied()
            .unwrap_or(ReportRows::Own)
    }

    /// Every type with its field rules, for the rendered matrix.
    pub fn types(&self) -> &BTreeMap<String, BTreeMap<String, FieldRule>> {
        &self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "type Query { a: Int b: Int }";
    const HEAD: &str = r#"
[roles]
admin = "none"
civil_affairs_officer = "jurisdiction"
child_supervisor = "jurisdiction"
child_director = "jurisdiction"
teacher = "paired"
school_head = "school"
police_officer = "jurisdiction"
womens_federation_worker = "jurisdiction"
social_worker = "granted"
health_worker = "own"
justice_officer = "granted"
court_officer = "granted"
analyst = "jurisdiction"
education_officer = "jurisdiction"
procurator = "granted"

[rules]
report_holders = ["police_officer"]
account_admins = ["admin"]
untrusted_document_senders = ["admin"]
intervention_case_units = ["court"]
consent = {}
"#;

    #[test]
    fn a_schema_field_without_an_entry_stops_the_service() {
        let text = format!("{HEAD}\n[fields.Query]\na = {{ all = \"F\" }}\n");
        let err = Policy::load(&text, SDL).unwrap_err().to_string();
        assert!(err.contains("Query.b"), "{err}");
    }

    #[test]
    fn an_entry_naming_no_field_stops_the_service() {
        let text = format!(
            "{HEAD}\n[fields.Query]\na = {{ all = \"F\" }}\nb = {{ all = \"F\" }}\nc = {{ all = \"F\" }}\n"
        );
        let err = Policy::load(&text, SDL).unwrap_err().to_string();
        assert!(err.contains("Query.c"), "{err}");
    }

    #[test]
    fn masked_without_a_mask_and_short_rows_are_refused() {
        let masked =
            format!("{HEAD}\n[fields.Query]\na = {{ all = \"M\" }}\nb = {{ all = \"F\" }}\n");
        assert!(Policy::load(&masked, SDL).is_err());
        let short =
            format!("{HEAD}\n[fields.Query]\na = {{ roles = \"F F\" }}\nb = {{ all = \"F\" }}\n");
        assert!(Policy::load(&short, SDL).is_err());
    }

    fn with_rules(rules: &str) -> anyhow::Result<Policy> {
        let head = HEAD.replace("consent = {}\n", rules);
        Policy::load(
            &format!("{head}\n[fields.Query]\na = {{ all = \"F\" }}\nb = {{ all = \"F\" }}\n"),
            SDL,
        )
    }

    #[test]
    fn consent_rules_are_read_per_unit_kind_and_service() {
        use entity::enums::{ConsentPurpose, OrganizationKind, ServiceKind};
        let policy = with_rules(
            "[rules.consent.social_work_agency]\ndefault = \"social_work_referral\"\n\
             services = { counselling = \"counselling\" }\n",
        )
        .unwrap();
        let agency = OrganizationKind::SocialWorkAgency;
        assert_eq!(
            policy.consent_needed(ServiceKind::Counselling, agency),
            Some(ConsentPurpose::Counselling)
        );
        assert_eq!(
            policy.consent_needed(ServiceKind::EducationSupport, agency),
            Some(ConsentPurpose::SocialWorkReferral)
        );
        assert_eq!(
            policy.consent_needed(ServiceKind::Counselling, OrganizationKind::School),
            None
        );
        assert!(policy.takes_intervention_cases(OrganizationKind::Court));
        assert!(!policy.takes_intervention_cases(OrganizationKind::School));
    }

    #[test]
    fn rules_naming_unknown_kinds_or_nobody_stop_the_service() {
        let unit = with_rules("[rules.consent.nowhere]\ndefault = \"legal_aid\"\n")
            .unwrap_err()
            .to_string();
        assert!(unit.contains("nowhere"), "{unit}");
        let service = with_rules(
            "[rules.consent.justice]\ndefault = \"legal_aid\"\nservices = { juggling = \"legal_aid\" }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(service.contains("juggling"), "{service}");
        let text = HEAD.replace(
            "report_holders = [\"police_officer\"]",
            "report_holders = []",
        );
        let nobody = Policy::load(
            &format!("{text}\n[fields.Query]\na = {{ all = \"F\" }}\nb = {{ all = \"F\" }}\n"),
            SDL,
        )
        .unwrap_err()
        .to_string();
        assert!(nobody.contains("report_holders"), "{nobody}");
    }

    #[test]
    fn what_is_not_granted_is_denied() {
        let text = format!(
            "{HEAD}\n[fields.Query]\na = {{ roles = \"- F - - - - - - - - - - - - -\" }}\nb = {{ all = \"F\" }}\n"
        );
        let policy = Policy::load(&text, SDL).unwrap();
        assert_eq!(
            policy.level("Query", "a", Some(Role::CivilAffairsOfficer)),
            Level::Full
        );
        assert_eq!(policy.level("Query", "a", Some(Role::Teacher)), Level::None);
        assert_eq!(policy.level("Query", "a", None), Level::None);
        assert_eq!(policy.level("Query", "zzz", Some(Role::Admin)), Level::None);
    }
}
