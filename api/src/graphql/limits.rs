//! Query limits with stable error codes, measured on the parsed document before the executor
//! sees it, in time linear in the document's text.
//!
//! Every fragment is measured once, in an order where the fragments it spreads come first, and
//! a spread adds the measure of its fragment: a document whose fragments spread each other
//! twice over is measured as the billions of fields it expands to, without expanding it. The
//! executor then only sees documents known to expand to a bounded size: its own check of
//! nesting, its validation and its complexity count all follow every spread, which takes time
//! exponential in the text of a document that doubles its fragments. So `/graphql` measures
//! the document it parsed before it executes it (and marks the request [`Measured`]); the
//! schema's hook measures any other request (subscriptions) before the executor parses it.
//!
//! What is measured, per operation and per fragment:
//! - complexity: one point per field, a connection's fields counted once per row of its page
//!   (`first`, or the default page size), and a field that runs a statement over a whole
//!   jurisdiction ([`HEAVY_FIELDS`]) as many points as it costs;
//! - depth: the deepest nesting of fields, through fragments and inline fragments;
//! - aliases and root fields, counted as expanded;
//! - introspection: its own depth bound; each kind of list it has (the schema's types or
//!   directives, a type's members, `args`) at most once on a path, and `__schema` at most once, so an answer is at most one
//!   copy of the schema; its fields count toward complexity and root fields like any other.
//!
//! Callers without a token are held to tighter limits, and may be refused introspection.

use std::collections::{HashMap, HashSet, VecDeque};

use async_graphql::{
    ServerError, Value, Variables,
    parser::types::{
        BaseType, ExecutableDocument, Field, Selection, SelectionSet, TypeKind,
        TypeSystemDefinition,
    },
};

use crate::{
    config::{CostLimits, QueryLimits},
    domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
};

/// Marks a request whose document was measured before it reached the executor.
pub struct Measured;

/// The limits every request is held to.
pub struct Limits {
    signed_in: CostLimits,
    anonymous: CostLimits,
    anonymous_introspection: bool,
    /// Names of the fields that answer a connection, somewhere in the schema.
    connections: HashSet<String>,
}

/// Fields whose answer reads every child (or report, case, or assignment) of the caller's
/// jurisdiction,
/// each counted as this many points rather than one: at the default limit a request holds at
/// most nine statistics tables.
pub const HEAVY_FIELDS: [(&str, u64); 7] = [
    ("assistanceStatistics", 2_500),
    ("childStatistics", 2_500),
    ("childTrend", 2_500),
    ("reportStatistics", 2_500),
    ("visitCompliance", 2_500),
    ("dropoutStatistics", 2_500),
    ("responsibilityTrend", 2_500),
];

/// The points a field counts for itself.
fn weight(name: &str) -> u64 {
    HEAVY_FIELDS
        .iter()
        .find(|(heavy, _)| *heavy == name)
        .map_or(1, |(_, points)| *points)
}

/// Fragments spread within fragments deeper than this are refused: the executor follows
/// spreads by recursion.
const MAX_FRAGMENT_NESTING: u32 = 32;

/// The kinds of list introspection has; each may appear once on a path.
#[derive(Clone, Copy)]
enum IntrospectionList {
    /// The schema's `types` and `directives`.
    Schema,
    /// A type's members: `fields`, `inputFields`, `enumValues`, `interfaces`, `possibleTypes`.
    Members,
    /// `args` of a field or directive.
    Arguments,
}

impl IntrospectionList {
    fn of(name: &str) -> Option<Self> {
        match name {
            "types" | "directives" => Some(Self::Schema),
            "fields" | "inputFields" | "enumValues" | "interfaces" | "possibleTypes" => {
                Some(Self::Members)
            }
            "args" => Some(Self::Arguments),
            _ => None,
        }
    }
}

/// The measure of a selection set, of a fragment or of an operation.
#[derive(Clone, Copy, Default)]
struct Cost {
    /// One point per field, times the rows of the pages above it.
    complexity: u64,
    /// Fields once each, as expanded (what the executor's validation walks).
    expanded: u64,
    /// Aliases, as expanded.
    aliases: u64,
    /// Fields at the top of the selection, as expanded.
    top_fields: u64,
    /// Deepest nesting of fields outside introspection.
    depth: u32,
    /// Deepest nesting of a path into introspection (counted from the root).
    introspection_depth: u32,
    /// `__schema` and `__type` fields, as expanded.
    introspection_roots: u64,
    /// `__schema` fields, as expanded.
    schemas: u64,
    /// The most lists of each introspection kind on one path.
    lists: [u8; 3],
    /// Fragments spread within fragments, deepest.
    spread_depth: u32,
}

impl Cost {
    /// Two selections side by side.
    fn beside(self, other: Cost) -> Cost {
        Cost {
            complexity: self.complexity.saturating_add(other.complexity),
            expanded: self.expanded.saturating_add(other.expanded),
            aliases: self.aliases.saturating_add(other.aliases),
            top_fields: self.top_fields.saturating_add(other.top_fields),
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            introspection_roots: self
                .introspection_roots
                .saturating_add(other.introspection_roots),
            schemas: self.schemas.saturating_add(other.schemas),
            lists: [0, 1, 2].map(|i| self.lists[i].max(other.lists[i])),
            spread_depth: self.spread_depth.max(other.spread_depth),
        }
    }
}

/// A document refused: the stable code and what was exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// `QUERY_TOO_COMPLEX`, `QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`, `TOO_MANY_ROOT_FIELDS`,
    /// `INTROSPECTION_TOO_LARGE`, `INTROSPECTION_DISABLED` or `GRAPHQL_VALIDATION_FAILED`.
    pub code: &'static str,
    /// For the client.
    pub message: String,
}

impl From<Exceeded> for ServerError {
    fn from(exceeded: Exceeded) -> Self {
        let mut err = ServerError::new(exceeded.message, None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", exceeded.code);
        err.extensions = Some(extensions);
        err
    }
}

fn limit_error(code: &'static str, message: String) -> Exceeded {
    Exceeded { code, message }
}

/// Whether a field is one of introspection's roots.
fn is_introspection_root(name: &str) -> bool {
    name == "__schema" || name == "__type"
}

/// Measures selections against what a document's fragments measured.
struct Measure<'a> {
    connections: &'a HashSet<String>,
    variables: &'a Variables,
    fragments: &'a HashMap<&'a str, Cost>,
}

impl Measure<'_> {
    fn set(&self, set: &SelectionSet, introspection: bool) -> Cost {
        set.items
            .iter()
            .fold(Cost::default(), |cost, selection| match &selection.node {
                Selection::Field(field) => cost.beside(self.field(&field.node, introspection)),
                Selection::InlineFragment(fragment) => {
                    let within = introspection
                        || fragment
                            .node
                            .type_condition
                            .as_ref()
                            .is_some_and(|condition| condition.node.on.node.starts_with("__"));
                    let inner = self.set(&fragment.node.selection_set.node, within);
                    cost.beside(Cost {
                        expanded: inner.expanded.saturating_add(1),
                        ..inner
                    })
                }
                Selection::FragmentSpread(spread) => {
                    // Every name is known: `measure_fragments` refuses a document that spreads
                    // a fragment it does not define.
                    let Some(fragment) =
                        self.fragments.get(spread.node.fragment_name.node.as_str())
                    else {
                        return cost;
                    };
                    cost.beside(Cost {
                        spread_depth: fragment.spread_depth + 1,
                        expanded: fragment.expanded.saturating_add(1),
                        ..*fragment
                    })
                }
            })
    }

    fn field(&self, field: &Field, introspection: bool) -> Cost {
        let name = field.name.node.as_str();
        let root = is_introspection_root(name);
        let within = introspection || root;
        let inner = self.set(&field.selection_set.node, within);
        let rows = if self.connections.contains(name) {
            self.page_size(field)
        } else {
            1
        };
        let mut lists = inner.lists;
        if within && let Some(list) = IntrospectionList::of(name) {
            let at = list as usize;
            lists[at] = lists[at].saturating_add(1);
        }
        let (depth, introspection_depth) = if within {
            (0, 1 + inner.depth.max(inner.introspection_depth))
        } else if inner.introspection_depth > 0 {
            (1 + inner.depth, 1 + inner.introspection_depth)
        } else {
            (1 + inner.depth, 0)
        };
        Cost {
            complexity: rows
                .saturating_mul(inner.complexity)
                .saturating_add(weight(name)),
            expanded: inner.expanded.saturating_add(1),
            aliases: inner
                .aliases
                .saturating_add(u64::from(field.alias.is_some())),
            top_fields: 1,
            depth,
            introspection_depth,
            introspection_roots: inner.introspection_roots + u64::from(root),
            schemas: inner.schemas + u64::from(name == "__schema"),
            lists,
            spread_depth: inner.spread_depth,
        }
    }

    /// The rows a connection's page holds: `first` as written or as its variable holds it,
    /// else the default page size, at least one and at most the largest page.
    fn page_size(&self, field: &Field) -> u64 {
        let first = field
            .get_argument("first")
            .and_then(|value| {
                value
                    .node
                    .clone()
                    .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()))
                    .ok()
            })
            .and_then(|value| match value {
                Value::Number(n) => n.as_i64(),
                _ => None,
            })
            .unwrap_or(i64::from(DEFAULT_PAGE_SIZE));
        u64::try_from(first.clamp(1, i64::from(MAX_PAGE_SIZE))).unwrap_or(1)
    }
}

/// The request's variables, with the default of each variable an operation declares and the
/// request leaves out (the largest, where operations declare different ones): a page size
/// given by a variable is measured as the executor will read it.
fn with_defaults(document: &ExecutableDocument, variables: &Variables) -> Variables {
    let mut all = variables.clone();
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            let name = &definition.node.name.node;
            let Some(default) = &definition.node.default_value else {
                continue;
            };
            if variables.contains_key(name) {
                continue;
            }
            let default = default.node.clone();
            let larger = match (all.get(name), &default) {
                (Some(Value::Number(kept)), Value::Number(new)) => new.as_f64() > kept.as_f64(),
                (Some(_), _) => false,
                (None, _) => true,
            };
            if larger {
                all.insert(name.clone(), default);
            }
        }
    }
    all
}

/// The fragments each fragment spreads, anywhere within it.
fn spreads(set: &SelectionSet, found: &mut Vec<String>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => spreads(&field.node.selection_set.node, found),
            Selection::InlineFragment(fragment) => {
                spreads(&fragment.node.selection_set.node, found);
            }
            Selection::FragmentSpread(spread) => {
                found.push(spread.node.fragment_name.node.to_string());
            }
        }
    }
}

impl Limits {
    /// The limits of the settings, over the schema written as `sdl` (which names the fields
    /// that answer connections).
    pub fn new(limits: &QueryLimits, sdl: &str) -> Self {
        Self {
            signed_in: limits.signed_in(),
            anonymous: limits.anonymous.clone(),
            anonymous_introspection: limits.anonymous_introspection,
            connections: connection_fields(sdl),
        }
    }

    /// Measures the parsed document and holds it to the limits of a caller with or without a
    /// token.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        variables: &Variables,
        anonymous: bool,
    ) -> Result<(), Exceeded> {
        let limits = if anonymous {
            &self.anonymous
        } else {
            &self.signed_in
        };
        let variables = with_defaults(document, variables);
        let fragments = self.measure_fragments(document, &variables)?;
        let measure = Measure {
            connections: &self.connections,
            variables: &variables,
            fragments: &fragments,
        };
        let mut whole = fragments
            .values()
            .fold(Cost::default(), |all, fragment| all.beside(*fragment));
        for (_, operation) in document.operations.iter() {
            let cost = measure.set(&operation.node.selection_set.node, false);
            whole = whole.beside(cost);
            self.hold(limits, &cost, anonymous)?;
        }
        // The executor's validation walks every operation and fragment with spreads expanded.
        if whole.expanded > limits.max_complexity as u64 {
            return Err(limit_error(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the document's operations and fragments expand to {} fields; at most {} \
                     are allowed",
                    whole.expanded, limits.max_complexity
                ),
            ));
        }
        Ok(())
    }

    /// Each fragment's measure, those it spreads first; a spread of a fragment the document
    /// does not define, a fragment that spreads itself, or fragments nested too deep, are
    /// refused (the executor follows spreads before it validates: a spread of an unknown
    /// fragment must not make the rest look cheap).
    fn measure_fragments<'d>(
        &self,
        document: &'d ExecutableDocument,
        variables: &Variables,
    ) -> Result<HashMap<&'d str, Cost>, Exceeded> {
        let mut spread_by: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut waiting_on: HashMap<&str, usize> = HashMap::new();
        let mut found = Vec::new();
        for (_, operation) in document.operations.iter() {
            spreads(&operation.node.selection_set.node, &mut found);
        }
        for fragment in document.fragments.values() {
            spreads(&fragment.node.selection_set.node, &mut found);
        }
        if let Some(unknown) = found
            .iter()
            .find(|name| !document.fragments.contains_key(name.as_str()))
        {
            return Err(limit_error(
                "GRAPHQL_VALIDATION_FAILED",
                format!("unknown fragment {unknown}"),
            ));
        }
        for (name, fragment) in &document.fragments {
            let mut found = Vec::new();
            spreads(&fragment.node.selection_set.node, &mut found);
            let known: HashSet<&str> = found
                .iter()
                .filter_map(|spread| {
                    document
                        .fragments
                        .get_key_value(spread.as_str())
                        .map(|(known, _)| known.as_str())
                })
                .collect();
            waiting_on.insert(name.as_str(), known.len());
            for spread in known {
                spread_by.entry(spread).or_default().push(name.as_str());
            }
        }
        let mut ready: VecDeque<&str> = waiting_on
            .iter()
            .filter(|(_, waiting)| **waiting == 0)
            .map(|(name, _)| *name)
            .collect();
        let mut measured = HashMap::with_capacity(document.fragments.len());
        while let Some(name) = ready.pop_front() {
            let Some((key, fragment)) = document.fragments.get_key_value(name) else {
                continue;
            };
            let cost = Measure {
                connections: &self.connections,
                variables,
                fragments: &measured,
            }
            .set(
                &fragment.node.selection_set.node,
                fragment.node.type_condition.node.on.node.starts_with("__"),
            );
            if cost.spread_depth > MAX_FRAGMENT_NESTING {
                return Err(limit_error(
                    "QUERY_TOO_DEEP",
                    format!(
                        "fragment {name} spreads fragments {} deep; at most \
                         {MAX_FRAGMENT_NESTING} are allowed",
                        cost.spread_depth
                    ),
                ));
            }
            measured.insert(key.as_str(), cost);
            for spreader in spread_by.get(name).into_iter().flatten() {
                if let Some(waiting) = waiting_on.get_mut(spreader) {
                    *waiting -= 1;
                    if *waiting == 0 {
                        ready.push_back(spreader);
                    }
                }
            }
        }
        if let Some(name) = waiting_on
            .keys()
            .find(|name| !measured.contains_key(**name))
        {
            return Err(limit_error(
                "GRAPHQL_VALIDATION_FAILED",
                format!("fragment {name} spreads itself, directly or through other fragments"),
            ));
        }
        Ok(measured)
    }

    fn hold(&self, limits: &CostLimits, cost: &Cost, anonymous: bool) -> Result<(), Exceeded> {
        if cost.introspection_roots > 0 && anonymous && !self.anonymous_introspection {
            return Err(limit_error(
                "INTROSPECTION_DISABLED",
                "introspection needs a signed-in caller".to_owned(),
            ));
        }
        if cost.depth as usize > limits.max_depth {
            return Err(limit_error(
                "QUERY_TOO_DEEP",
                format!(
                    "the query is nested {} levels deep; at most {} are allowed",
                    cost.depth, limits.max_depth
                ),
            ));
        }
        if cost.introspection_depth as usize > limits.max_introspection_depth {
            return Err(limit_error(
                "QUERY_TOO_DEEP",
                format!(
                    "the introspection query is nested {} levels deep; at most {} are allowed",
                    cost.introspection_depth, limits.max_introspection_depth
                ),
            ));
        }
        if cost.schemas > 1 || cost.lists.iter().any(|lists| *lists > 1) {
            return Err(limit_error(
                "INTROSPECTION_TOO_LARGE",
                "introspection may select `__schema` once, and the schema's `types` or \
                 `directives`, a type's members (`fields`, `inputFields`, `enumValues`, \
                 `interfaces`, `possibleTypes`) and `args` once each on any path; select a \
                 type's name where it is referred to"
                    .to_owned(),
            ));
        }
        if cost.aliases > limits.max_aliases as u64 {
            return Err(limit_error(
                "TOO_MANY_ALIASES",
                format!(
                    "the operation uses {} aliases; at most {} are allowed",
                    cost.aliases, limits.max_aliases
                ),
            ));
        }
        if cost.top_fields > limits.max_root_fields as u64 {
            return Err(limit_error(
                "TOO_MANY_ROOT_FIELDS",
                format!(
                    "the operation selects {} root fields; at most {} are allowed",
                    cost.top_fields, limits.max_root_fields
                ),
            ));
        }
        if cost.complexity > limits.max_complexity as u64 {
            return Err(limit_error(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the query's complexity is {}; at most {} is allowed",
                    cost.complexity, limits.max_complexity
                ),
            ));
        }
        Ok(())
    }
}

/// The names of the fields whose type is a connection (`…Connection`), on any type of the
/// schema.
fn connection_fields(sdl: &str) -> HashSet<String> {
    let Ok(schema) = async_graphql::parser::parse_schema(sdl) else {
        return HashSet::new();
    };
    let mut names = HashSet::new();
    for definition in schema.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let fields = match ty.node.kind {
            TypeKind::Object(object) => object.fields,
            TypeKind::Interface(interface) => interface.fields,
            _ => continue,
        };
        for field in fields {
            if let BaseType::Named(name) = &field.node.ty.node.base
                && name.ends_with("Connection")
            {
                names.insert(field.node.name.node.to_string());
            }
        }
    }
    names
}
