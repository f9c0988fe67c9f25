//! Spec-shaped responses. The executor (async-graphql 7.2) writes a container's fields in the
//! order they complete and leaves out a field whose resolver failed; the GraphQL spec wants the
//! keys in selection order and a failed field null, a failed non-null field nulling its parent,
//! up to `data`. Generated clients rely on both. [`Shape`] reshapes each response once, after
//! execution (the last of the request's [`super::hooks`]), walking the operation's selections
//! with the schema's field types.

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    rc::Rc,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Name, Positioned, Response, Value,
    extensions::ExtensionContext,
    indexmap::IndexMap,
    parser::types::{
        DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
    },
    registry::Registry,
};

/// The operation's document, kept from parsing for the reshaping after execution. The HTTP
/// handler hands the document it parsed (or found in its cache) to the request as this, so it
/// is shared rather than copied; otherwise (subscriptions, exports) it is copied when parsed.
#[derive(Clone)]
pub struct Parsed(pub Arc<ExecutableDocument>);

/// The reshaping of one request's response.
#[derive(Default)]
pub struct Shape {
    document: Mutex<Option<Arc<ExecutableDocument>>>,
}

/// A step of a response path: a key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Index(usize),
}

/// A field's type as the registry writes it (`[Child!]!`).
#[derive(Debug)]
enum FieldType<'a> {
    Named {
        name: &'a str,
        nullable: bool,
    },
    List {
        item: Box<FieldType<'a>>,
        nullable: bool,
    },
}

impl<'a> FieldType<'a> {
    fn parse(text: &'a str) -> Self {
        let (inner, nullable) = match text.strip_suffix('!') {
            Some(inner) => (inner, false),
            None => (text, true),
        };
        match inner.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(item) => Self::List {
                item: Box::new(Self::parse(item)),
                nullable,
            },
            None => Self::Named {
                name: inner,
                nullable,
            },
        }
    }

    fn nullable(&self) -> bool {
        match self {
            Self::Named { nullable, .. } | Self::List { nullable, .. } => *nullable,
        }
    }
}

/// The null that a failed non-null field sends up to the nearest nullable parent.
struct NullUp;

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    /// Paths of the errors, to tell a field left out by a failure from one skipped by
    /// `@skip`/`@include`. Without errors no path is followed.
    failed: HashSet<Vec<Step>>,
    /// The keys of each group of selection sets (by the group's address), collected once for
    /// all the objects of a list.
    collected: RefCell<HashMap<(usize, usize), Keys<'a>>>,
}

/// The response keys of a group of selection sets, shared by every object it shapes.
type Keys<'a> = Rc<Vec<Collected<'a>>>;

/// One response key of a selection: its field's type (none for introspection fields) and the
/// selection sets under it, with the type each is selected on.
struct Collected<'a> {
    key: &'a str,
    ty: Option<FieldType<'a>>,
    subsets: Vec<(&'a str, &'a SelectionSet)>,
}

impl<'a> Walk<'a> {
    /// The response keys of a group of selection sets, from the cache when this group was seen:
    /// a list's items share their group, which lives as long as the walk.
    fn keys(&self, sets: &[(&'a str, &'a SelectionSet)]) -> Keys<'a> {
        let id = (sets.as_ptr() as usize, sets.len());
        if let Some(found) = self.collected.borrow().get(&id) {
            return Rc::clone(found);
        }
        let keys = Rc::new(self.collect(sets));
        self.collected.borrow_mut().insert(id, Rc::clone(&keys));
        keys
    }

    fn collect(&self, sets: &[(&'a str, &'a SelectionSet)]) -> Vec<Collected<'a>> {
        let mut grouped: Vec<(&'a str, Vec<(&'a str, &'a Field)>)> = Vec::new();
        let mut seen_fragments = HashSet::new();
        let mut stack: Vec<(&'a str, &'a Positioned<Selection>)> = Vec::new();
        for (on, set) in sets.iter().rev() {
            push(&mut stack, on, set);
        }
        while let Some((on, selection)) = stack.pop() {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    match grouped.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push((on, &field.node)),
                        None => grouped.push((key, vec![(on, &field.node)])),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(on, |c| c.node.on.node.as_str());
                    push(&mut stack, on, &fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !seen_fragments.insert(name) {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(name) {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        push(&mut stack, on, &fragment.node.selection_set.node);
                    }
                }
            }
        }
        grouped
            .into_iter()
            .filter_map(|(key, fields)| {
                let &(on, first) = fields.first()?;
                let name = first.name.node.as_str();
                let ty = if name.starts_with("__") {
                    None
                } else {
                    self.field_type(on, name)
                };
                let subsets = match &ty {
                    Some(ty) => fields
                        .iter()
                        .filter(|(_, f)| !f.selection_set.node.items.is_empty())
                        .map(|(_, f)| (named(ty), &f.selection_set.node))
                        .collect(),
                    None => Vec::new(),
                };
                Some(Collected { key, ty, subsets })
            })
            .collect()
    }

    fn field_type(&self, on: &str, field: &str) -> Option<FieldType<'a>> {
        self.registry
            .types
            .get(on)?
            .field_by_name(field)
            .map(|f| FieldType::parse(f.ty.as_str()))
    }

    fn object(
        &self,
        value: Value,
        sets: &[(&'a str, &'a SelectionSet)],
        path: &mut Vec<Step>,
    ) -> Result<Value, NullUp> {
        let Value::Object(mut map) = value else {
            return Ok(value);
        };
        let track = !self.failed.is_empty();
        let keys = self.keys(sets);
        // Most objects come complete and in order: shape their values in place.
        if map.len() == keys.len()
            && map
                .keys()
                .zip(keys.iter())
                .all(|(key, collected)| key.as_str() == collected.key)
        {
            for (value, collected) in map.values_mut().zip(keys.iter()) {
                let Some(ty) = &collected.ty else {
                    continue;
                };
                if track {
                    path.push(Step::Key(collected.key.to_owned()));
                }
                let shaped = match self.value(std::mem::take(value), ty, &collected.subsets, path) {
                    Ok(shaped) => shaped,
                    Err(NullUp) if ty.nullable() => Value::Null,
                    Err(NullUp) => return Err(NullUp),
                };
                if track {
                    path.pop();
                }
                *value = shaped;
            }
            return Ok(Value::Object(map));
        }
        let mut shaped = IndexMap::with_capacity(map.len());
        for collected in keys.iter() {
            if track {
                path.push(Step::Key(collected.key.to_owned()));
            }
            let result = match (map.shift_remove_entry(collected.key), &collected.ty) {
                (Some((name, value)), Some(ty)) => {
                    match self.value(value, ty, &collected.subsets, path) {
                        Ok(value) => Ok(Some((name, value))),
                        Err(NullUp) if ty.nullable() => Ok(Some((name, Value::Null))),
                        Err(NullUp) => Err(NullUp),
                    }
                }
                (Some(entry), None) => Ok(Some(entry)),
                (None, Some(ty)) if track && self.failed.contains(path.as_slice()) => {
                    if ty.nullable() {
                        Ok(Some((Name::new(collected.key), Value::Null)))
                    } else {
                        Err(NullUp)
                    }
                }
                (None, _) => Ok(None),
            };
            if track {
                path.pop();
            }
            if let Some((name, value)) = result? {
                shaped.insert(name, value);
            }
        }
        // Anything the selections did not name (none is expected) keeps its place after them.
        shaped.extend(map);
        Ok(Value::Object(shaped))
    }

    fn value(
        &self,
        value: Value,
        ty: &FieldType<'a>,
        sets: &[(&'a str, &'a SelectionSet)],
        path: &mut Vec<Step>,
    ) -> Result<Value, NullUp> {
        match (value, ty) {
            (Value::Null, ty) if !ty.nullable() => Err(NullUp),
            (Value::List(items), FieldType::List { item, .. }) => {
                let mut shaped = Vec::with_capacity(items.len());
                let track = !self.failed.is_empty();
                for (index, value) in items.into_iter().enumerate() {
                    if track {
                        path.push(Step::Index(index));
                    }
                    let result = self.value(value, item, sets, path);
                    if track {
                        path.pop();
                    }
                    match result {
                        Ok(value) => shaped.push(value),
                        Err(NullUp) if item.nullable() => shaped.push(Value::Null),
                        Err(NullUp) => return Err(NullUp),
                    }
                }
                Ok(Value::List(shaped))
            }
            (value @ Value::Object(_), _) if !sets.is_empty() => self.object(value, sets, path),
            (value, _) => Ok(value),
        }
    }
}

/// Puts a selection set's items on a stack of work, first item on top.
fn push<'a>(
    stack: &mut Vec<(&'a str, &'a Positioned<Selection>)>,
    on: &'a str,
    set: &'a SelectionSet,
) {
    stack.extend(set.items.iter().rev().map(|s| (on, s)));
}

fn named<'a>(ty: &FieldType<'a>) -> &'a str {
    match ty {
        FieldType::Named { name, .. } => name,
        FieldType::List { item, .. } => named(item),
    }
}

fn error_path(error: &async_graphql::ServerError) -> Vec<Step> {
    error
        .path
        .iter()
        .map(|segment| match segment {
            async_graphql::PathSegment::Field(key) => Step::Key(key.clone()),
            async_graphql::PathSegment::Index(index) => Step::Index(*index),
        })
        .collect()
}

impl Shape {
    /// Keeps the parsed document: the request's [`Parsed`] when it has one, else a copy.
    pub fn keep(&self, ctx: &ExtensionContext<'_>, document: &ExecutableDocument) {
        let kept = match ctx.data_opt::<Parsed>() {
            Some(Parsed(shared)) => Arc::clone(shared),
            None => Arc::new(document.clone()),
        };
        if let Ok(mut slot) = self.document.lock() {
            *slot = Some(kept);
        }
    }

    /// Reshapes the executed operation's response.
    pub fn reshape(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        mut response: Response,
    ) -> Response {
        // Kept, not taken: a subscription executes once per event, each event reshaped.
        let Some(document) = self.document.lock().ok().and_then(|d| d.clone()) else {
            return response;
        };
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(op), _) => Some(op),
            (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
            (DocumentOperations::Multiple(ops), None) => ops.values().next(),
        };
        let Some(operation) = operation else {
            return response;
        };
        let root = match operation.node.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        let walk = Walk {
            registry: &ctx.schema_env.registry,
            document: &document,
            failed: response.errors.iter().map(error_path).collect(),
            collected: RefCell::default(),
        };
        let data = std::mem::take(&mut response.data);
        if data == Value::Null && response.errors.iter().all(|e| e.path.is_empty()) {
            response.data = data;
            return response;
        }
        let data = match data {
            Value::Null => Value::Object(IndexMap::new()),
            data => data,
        };
        response.data = walk
            .object(
                data,
                &[(root, &operation.node.selection_set.node)],
                &mut Vec::new(),
            )
            .unwrap_or(Value::Null);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_are_read_as_the_registry_writes_them() {
        let list = FieldType::parse("[Child!]!");
        assert!(!list.nullable());
        assert!(matches!(&list, FieldType::List { item, .. } if !item.nullable()));
        assert_eq!(named(&list), "Child");
        assert!(FieldType::parse("Child").nullable());
    }
}
