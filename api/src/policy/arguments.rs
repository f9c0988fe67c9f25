//! Filter and order rights: a role filters, sorts and searches a list only by what it reads in
//! full, or a filter would be an oracle (an analyst who reads names masked could find a child
//! by `nameContains`) and an order a side channel (the row's position betrays the value).
//!
//! Every argument of every connection field (besides `first` and `after`) names, in the policy
//! file, the fields it reads: each field of a filter input under `[filters.<Input>]`, each value
//! of an order enum under `[orders.<Enum>]`, and a plain argument under
//! `[filters."<Type>.<field>"]`. The service refuses to start when one is missing or names a
//! field the schema does not have.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{
    Name, Value,
    parser::types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition},
};
use serde::Deserialize;

/// The arguments every connection may take without naming a field.
const PAGING: [&str; 2] = ["first", "after"];

/// The fields one filter field, argument or order value reads, as written in the policy file:
/// one `"Type.field"`, or a list (an empty list reads nothing the caller does not know).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum ReadsFile {
    One(String),
    Many(Vec<String>),
}

/// A field of the schema, `Type.field`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldRef {
    /// The object type.
    pub type_name: String,
    /// The field.
    pub field: String,
}

impl std::fmt::Display for FieldRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.type_name, self.field)
    }
}

#[derive(Debug, Clone)]
enum Kind {
    /// A filter input object: each of its fields is declared under its type's name.
    Input(String),
    /// An order enum: each value is declared under its type's name.
    Order(String),
    /// A plain argument, declared under `Type.field`.
    Plain,
}

#[derive(Debug, Clone)]
struct Argument {
    name: String,
    kind: Kind,
}

/// One declared right, for the rendered matrix and for tests: `ChildFilter.nameContains`
/// reads `Child.name`.
#[derive(Debug, Clone)]
pub struct ArgumentRight {
    /// The connection field, `Type.field`.
    pub list: String,
    /// The argument's path in that field's arguments (`filter.nameContains`, `orderBy`).
    pub path: String,
    /// For an order, the enum value it names.
    pub order_value: Option<String>,
    /// What it reads.
    pub reads: Vec<FieldRef>,
}

/// The checked filter and order rights.
#[derive(Debug, Clone, Default)]
pub struct Arguments {
    filters: BTreeMap<String, BTreeMap<String, Vec<FieldRef>>>,
    orders: BTreeMap<String, BTreeMap<String, Vec<FieldRef>>>,
    fields: BTreeMap<String, Vec<Argument>>,
    /// The connection fields with arguments, by parent type then field, for a lookup that
    /// allocates nothing (it runs for every field of every response).
    covered: BTreeMap<String, BTreeSet<String>>,
    defaults: BTreeMap<String, BTreeMap<String, Value>>,
}

fn named(ty: &Type) -> &Name {
    match &ty.base {
        BaseType::Named(name) => name,
        BaseType::List(inner) => named(inner),
    }
}

fn parse_refs(at: &str, reads: ReadsFile) -> anyhow::Result<Vec<FieldRef>> {
    let list = match reads {
        ReadsFile::One(one) => vec![one],
        ReadsFile::Many(many) => many,
    };
    list.into_iter()
        .map(|text| {
            let (type_name, field) = text.split_once('.').ok_or_else(|| {
                anyhow::anyhow!("policy: {at} reads `{text}`, which is not `Type.field`")
            })?;
            Ok(FieldRef {
                type_name: type_name.to_owned(),
                field: field.to_owned(),
            })
        })
        .collect()
}

impl Arguments {
    /// Checks the file's `[filters]` and `[orders]` against the schema: every argument of every
    /// connection field is declared, every declaration names an argument and reads fields of
    /// the schema.
    pub(super) fn build(
        filters: BTreeMap<String, BTreeMap<String, ReadsFile>>,
        orders: BTreeMap<String, BTreeMap<String, ReadsFile>>,
        document: &ServiceDocument,
        schema_fields: &BTreeMap<String, BTreeSet<String>>,
    ) -> anyhow::Result<Self> {
        let mut inputs: BTreeMap<String, Vec<(String, Option<Value>)>> = BTreeMap::new();
        let mut enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for definition in &document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.to_string();
            match &ty.node.kind {
                TypeKind::InputObject(input) => {
                    let fields = input
                        .fields
                        .iter()
                        .map(|f| {
                            (
                                f.node.name.node.to_string(),
                                f.node.default_value.as_ref().map(|d| d.node.clone()),
                            )
                        })
                        .collect();
                    inputs.insert(name, fields);
                }
                TypeKind::Enum(values) => {
                    let values = values
                        .values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                    enums.insert(name, values);
                }
                _ => {}
            }
        }

        let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut wanted_orders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut fields: BTreeMap<String, Vec<Argument>> = BTreeMap::new();
        for definition in &document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let TypeKind::Object(object) = &ty.node.kind else {
                continue;
            };
            for field in &object.fields {
                if !named(&field.node.ty.node).as_str().ends_with("Connection") {
                    continue;
                }
                let key = format!("{}.{}", ty.node.name.node, field.node.name.node);
                for argument in &field.node.arguments {
                    let name = argument.node.name.node.to_string();
                    if PAGING.contains(&name.as_str()) {
                        continue;
                    }
                    let type_name = named(&argument.node.ty.node).to_string();
                    let kind = if name == "orderBy" {
                        let values = enums.get(&type_name).ok_or_else(|| {
                            anyhow::anyhow!("policy: {key}(orderBy:) is not an enum")
                        })?;
                        wanted_orders
                            .entry(type_name.clone())
                            .or_default()
                            .extend(values.iter().cloned());
                        Kind::Order(type_name)
                    } else if let Some(input) = inputs.get(&type_name) {
                        wanted
                            .entry(type_name.clone())
                            .or_default()
                            .extend(input.iter().map(|(f, _)| f.clone()));
                        Kind::Input(type_name)
                    } else {
                        wanted.entry(key.clone()).or_default().insert(name.clone());
                        Kind::Plain
                    };
                    fields
                        .entry(key.clone())
                        .or_default()
                        .push(Argument { name, kind });
                }
            }
        }

        let check = |section: &str,
                     declared: BTreeMap<String, BTreeMap<String, ReadsFile>>,
                     wanted: &BTreeMap<String, BTreeSet<String>>|
         -> anyhow::Result<BTreeMap<String, BTreeMap<String, Vec<FieldRef>>>> {
            for (owner, names) in wanted {
                for name in names {
                    anyhow::ensure!(
                        declared.get(owner).is_some_and(|d| d.contains_key(name)),
                        "policy: [{section}.\"{owner}\"] has no entry for `{name}`; every \
                         filter and order must name the fields it reads"
                    );
                }
            }
            let mut out = BTreeMap::new();
            for (owner, entries) in declared {
                let mut rights = BTreeMap::new();
                for (name, reads) in entries {
                    let at = format!("[{section}.\"{owner}\"] {name}");
                    anyhow::ensure!(
                        wanted.get(&owner).is_some_and(|w| w.contains(&name)),
                        "policy: {at} names no argument of a connection in the schema"
                    );
                    let refs = parse_refs(&at, reads)?;
                    for read in &refs {
                        anyhow::ensure!(
                            schema_fields
                                .get(&read.type_name)
                                .is_some_and(|f| f.contains(&read.field)),
                            "policy: {at} reads {read}, which is no field of the schema"
                        );
                    }
                    rights.insert(name, refs);
                }
                out.insert(owner, rights);
            }
            Ok(out)
        };
        let filters = check("filters", filters, &wanted)?;
        let orders = check("orders", orders, &wanted_orders)?;
        let defaults = inputs
            .into_iter()
            .map(|(name, fields)| {
                let defaults = fields
                    .into_iter()
                    .filter_map(|(field, default)| default.map(|d| (field, d)))
                    .collect();
                (name, defaults)
            })
            .collect();
        let mut covered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for key in fields.keys() {
            if let Some((parent, field)) = key.split_once('.') {
                covered
                    .entry(parent.to_owned())
                    .or_default()
                    .insert(field.to_owned());
            }
        }
        Ok(Self {
            filters,
            orders,
            fields,
            covered,
            defaults,
        })
    }

    /// Whether the field `parent.field` has filter or order arguments.
    pub fn covers(&self, parent: &str, field: &str) -> bool {
        self.covered
            .get(parent)
            .is_some_and(|fields| fields.contains(field))
    }

    /// What the arguments given to the connection field `parent.field` read, each with the
    /// argument's path: filter fields that are set (not null and not their default) and the
    /// order chosen. Arguments must be given with variables already substituted.
    pub fn reads<'a>(
        &'a self,
        parent: &str,
        field: &str,
        given: &'a [(Name, Value)],
    ) -> Vec<(String, &'a [FieldRef])> {
        let Some(arguments) = self.fields.get(&format!("{parent}.{field}")) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for argument in arguments {
            let Some((_, value)) = given.iter().find(|(n, _)| n.as_str() == argument.name) else {
                continue;
            };
            match (&argument.kind, value) {
                (_, Value::Null) => {}
                (Kind::Input(input), Value::Object(set)) => {
                    let defaults = self.defaults.get(input);
                    for (name, value) in set {
                        let default = defaults.and_then(|d| d.get(name.as_str()));
                        if *value == Value::Null || default == Some(value) {
                            continue;
                        }
                        if let Some(reads) =
                            self.filters.get(input).and_then(|f| f.get(name.as_str()))
                        {
                            out.push((format!("{}.{name}", argument.name), reads.as_slice()));
                        }
                    }
                }
                (Kind::Order(order), Value::Enum(chosen)) => {
                    if let Some(reads) = self.orders.get(order).and_then(|o| o.get(chosen.as_str()))
                    {
                        out.push((argument.name.clone(), reads.as_slice()));
                    }
                }
                (Kind::Order(order), Value::String(chosen)) => {
                    if let Some(reads) = self.orders.get(order).and_then(|o| o.get(chosen)) {
                        out.push((argument.name.clone(), reads.as_slice()));
                    }
                }
                (Kind::Plain, _) => {
                    let key = format!("{parent}.{field}");
                    if let Some(reads) = self.filters.get(&key).and_then(|f| f.get(&argument.name))
                    {
                        out.push((argument.name.clone(), reads.as_slice()));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// What one order value reads (`ChildOrder`, `NAME`).
    pub fn order_reads(&self, order: &str, value: &str) -> Option<&[FieldRef]> {
        self.orders
            .get(order)
            .and_then(|o| o.get(value))
            .map(Vec::as_slice)
    }

    /// Every declared right, per connection field, in a stable order.
    pub fn rights(&self) -> Vec<ArgumentRight> {
        let mut out = Vec::new();
        for (list, arguments) in &self.fields {
            for argument in arguments {
                match &argument.kind {
                    Kind::Input(input) => {
                        for (name, reads) in self.filters.get(input).into_iter().flatten() {
                            out.push(ArgumentRight {
                                list: list.clone(),
                                path: format!("{}.{name}", argument.name),
                                order_value: None,
                                reads: reads.clone(),
                            });
                        }
                    }
                    Kind::Order(order) => {
                        for (value, reads) in self.orders.get(order).into_iter().flatten() {
                            out.push(ArgumentRight {
                                list: list.clone(),
                                path: argument.name.clone(),
                                order_value: Some(value.clone()),
                                reads: reads.clone(),
                            });
                        }
                    }
                    Kind::Plain => {
                        if let Some(reads) =
                            self.filters.get(list).and_then(|f| f.get(&argument.name))
                        {
                            out.push(ArgumentRight {
                                list: list.clone(),
                                path: argument.name.clone(),
                                order_value: None,
                                reads: reads.clone(),
                            });
                        }
                    }
                }
            }
        }
        out
    }
}
