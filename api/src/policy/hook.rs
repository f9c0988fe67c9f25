//! The field-resolution hook: applies the policy to every field of every type, so no resolver
//! can forget. `none` becomes null and a `FORBIDDEN` error at that path (on a root field the
//! error alone, as the operation is refused); `masked` goes through the field's masking
//! function; reads of sensitive fields and every denial are collected per request and queued for
//! the audit trail as one event per request (listing the records and the fields read of them).

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use async_graphql::{
    Context, ErrorExtensionValues, Name, PathSegment, Pos, QueryPathNode, QueryPathSegment,
    Request, Response, ServerError, ServerResult, Value, Variables,
    extensions::{ExtensionContext, NextResolve, ResolveInfo},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit::{AuditRecord, AuditWriter, MacKey},
    auth::{RequestMeta, Session},
    clock::Clock,
    domain::kind::Kind,
    policy::{Level, Policy},
};

/// What one request read and was refused, for the audit trail.
#[derive(Default)]
pub struct RequestAudit {
    inner: Mutex<Collected>,
}

#[derive(Default)]
struct Collected {
    reads: Reads,
    denied: Vec<(String, String)>,
    errors: Vec<ServerError>,
}

/// The reads of a request by the object they were made on, each object known by its place in
/// the response. A request with 20 children and their guardians makes some 500 lookups here,
/// so a place is hashed while its path is walked and compared segment by segment instead of
/// being formatted into a new string for each lookup.
#[derive(Default)]
struct Reads(std::collections::HashMap<u64, Vec<(Vec<Segment>, Read)>>);

/// One step of a path, leaf first as [`Reads`] stores them.
#[derive(PartialEq, Eq)]
enum Segment {
    Index(usize),
    Name(String),
}

impl Reads {
    /// The reads made on the object at `place` (`None` for the root).
    fn at(&mut self, place: Option<&QueryPathNode<'_>>) -> &mut Read {
        use std::hash::{Hash, Hasher};
        let steps = || {
            place
                .into_iter()
                .flat_map(|node| std::iter::once(node).chain(node.parents()))
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for node in steps() {
            match node.segment {
                QueryPathSegment::Index(index) => (0_u8, index).hash(&mut hasher),
                QueryPathSegment::Name(name) => (1_u8, name).hash(&mut hasher),
            }
        }
        let same = |stored: &[Segment]| {
            stored.len() == steps().count()
                && stored
                    .iter()
                    .zip(steps())
                    .all(|(s, node)| match (s, &node.segment) {
                        (Segment::Index(a), QueryPathSegment::Index(b)) => a == b,
                        (Segment::Name(a), QueryPathSegment::Name(b)) => a == b,
                        _ => false,
                    })
        };
        let bucket = self.0.entry(hasher.finish()).or_default();
        let found = bucket.iter().position(|(stored, _)| same(stored));
        let index = found.unwrap_or_else(|| {
            let owned = steps()
                .map(|node| match node.segment {
                    QueryPathSegment::Index(index) => Segment::Index(index),
                    QueryPathSegment::Name(name) => Segment::Name(name.to_owned()),
                })
                .collect();
            bucket.push((owned, Read::default()));
            bucket.len() - 1
        });
        &mut bucket[index].1
    }

    /// Every object's place and its reads.
    fn into_places(self) -> impl Iterator<Item = (Place, Read)> {
        self.0
            .into_values()
            .flatten()
            .map(|(steps, read)| (Place(steps), read))
    }
}

/// Where an object is in the response, leaf first.
struct Place(Vec<Segment>);

impl std::fmt::Display for Place {
    /// As `children.edges.0.node`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, step) in self.0.iter().rev().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match step {
                Segment::Index(index) => write!(f, "{index}")?,
                Segment::Name(name) => f.write_str(name)?,
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Read {
    subject: Option<(&'static str, Uuid)>,
    fields: BTreeSet<Name>,
}

impl RequestAudit {
    fn with<T>(&self, f: impl FnOnce(&mut Collected) -> T) -> Option<T> {
        self.inner.lock().ok().map(|mut c| f(&mut c))
    }
}

/// Names the record whose fields the current resolver serves, so that reads of its sensitive
/// fields are audited against it. Resolvers of types with sensitive fields call it.
pub fn audit_subject(ctx: &Context<'_>, kind: Kind, id: Uuid) {
    let (Some(audit), Some(node)) = (ctx.data_opt::<Arc<RequestAudit>>(), ctx.path_node) else {
        return;
    };
    audit.with(|c| c.reads.at(node.parent).subject = Some((kind.name(), id)));
}

/// What the hook of each request is made from.
pub struct FieldPolicy {
    /// The checked policy.
    pub policy: Arc<Policy>,
    /// Where audit events go.
    pub writer: AuditWriter,
    /// The key audit events are authenticated with.
    pub mac: MacKey,
    /// The time events are stamped with.
    pub clock: Arc<dyn Clock>,
}

impl FieldPolicy {
    /// The hook of one request.
    pub fn hook(&self) -> FieldHook {
        FieldHook {
            policy: self.policy.clone(),
            writer: self.writer.clone(),
            mac: self.mac.clone(),
            clock: self.clock.clone(),
            variables: Mutex::default(),
        }
    }
}

/// The hook of one request (the request's extension calls it at each stage).
pub struct FieldHook {
    policy: Arc<Policy>,
    writer: AuditWriter,
    mac: MacKey,
    clock: Arc<dyn Clock>,
    /// The request's variables, to read the arguments a filter or order is given through.
    variables: Mutex<Variables>,
}

fn error_at(code: &'static str, message: &str, pos: Pos, path: Vec<PathSegment>) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    ServerError {
        message: message.to_owned(),
        source: None,
        locations: vec![pos],
        path,
        extensions: Some(extensions),
    }
}

fn path_of(info: &ResolveInfo<'_>) -> Vec<PathSegment> {
    match serde_json::to_value(info.path_node) {
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                serde_json::Value::String(name) => Some(PathSegment::Field(name)),
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .and_then(|i| usize::try_from(i).ok())
                    .map(PathSegment::Index),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl FieldHook {
    /// The field's arguments with the request's variables put in (a missing variable is null).
    fn arguments(&self, info: &ResolveInfo<'_>) -> Vec<(Name, Value)> {
        let Ok(variables) = self.variables.lock() else {
            return Vec::new();
        };
        info.field
            .arguments
            .iter()
            .map(|(name, value)| {
                let value = value
                    .node
                    .clone()
                    .into_const_with(|var| {
                        Ok::<_, std::convert::Infallible>(
                            variables.get(&var).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .unwrap_or(Value::Null);
                (name.node.clone(), value)
            })
            .collect()
    }

    /// Keeps the request's variables, to read the arguments of the fields it decides.
    pub fn prepare(&self, request: &Request) {
        if let Ok(mut variables) = self.variables.lock() {
            variables.clone_from(&request.variables);
        }
    }

    /// After execution: adds the refusals collected while resolving to the response's errors,
    /// and queues the request's audit events (its sensitive reads and its denials).
    pub async fn audit(&self, ctx: &ExtensionContext<'_>, mut response: Response) -> Response {
        let Some(audit) = ctx.data_opt::<Arc<RequestAudit>>() else {
            return response;
        };
        let Some(collected) = audit.with(std::mem::take) else {
            return response;
        };
        // A field selected twice under one key is resolved twice: report its refusal once.
        let mut refused_at = BTreeSet::new();
        response.errors.extend(
            collected
                .errors
                .into_iter()
                .filter(|e| refused_at.insert(serde_json::to_string(&e.path).unwrap_or_default())),
        );
        let principal = ctx.data_opt::<Session>().and_then(|s| s.principal().ok());
        let meta = ctx.data_opt::<RequestMeta>();
        let now = self.clock.now();
        let event = |action: &'static str| {
            let event = AuditRecord::new(&self.mac, action, now, None);
            let event = match meta {
                Some(meta) => event.from_request(meta),
                None => event,
            };
            match principal {
                Some(p) => event.by(p),
                None => event,
            }
        };
        let mut by_subject: BTreeMap<(&'static str, Uuid), BTreeSet<Name>> = BTreeMap::new();
        let mut unnamed = Vec::new();
        for (place, read) in collected.reads.into_places() {
            if read.fields.is_empty() {
                continue;
            }
            match read.subject {
                Some(subject) => by_subject.entry(subject).or_default().extend(read.fields),
                None => {
                    let path = place.to_string();
                    tracing::error!(path, "sensitive fields read without a named subject");
                    unnamed.push((path, read.fields));
                }
            }
        }
        if !by_subject.is_empty() || !unnamed.is_empty() {
            // One event for the request: the records read, grouped by kind and the fields read
            // of them; the record-to-event index makes each record's trail find it.
            let mut groups: BTreeMap<(&'static str, &BTreeSet<Name>), Vec<Uuid>> = BTreeMap::new();
            for ((kind, id), fields) in &by_subject {
                groups.entry((*kind, fields)).or_default().push(*id);
            }
            let read: Vec<_> = groups
                .into_iter()
                .map(|((kind, fields), ids)| json!({ "type": kind, "fields": fields, "ids": ids }))
                .collect();
            let mut detail = json!({ "read": read });
            if !unnamed.is_empty() {
                unnamed.sort();
                let unnamed: Vec<_> = unnamed
                    .into_iter()
                    .map(|(path, fields)| json!({ "path": path, "fields": fields }))
                    .collect();
                detail["unnamed"] = json!(unnamed);
            }
            // The record-to-event index is made from the detail's ids (`audit::records_of`).
            self.writer.send(event("read").with(detail)).await;
        }
        if !collected.denied.is_empty() {
            let denied: Vec<_> = collected
                .denied
                .into_iter()
                .map(|(field, path)| json!({ "field": field, "path": path }))
                .collect();
            self.writer
                .send(event("access.denied").with(json!({ "denied": denied })))
                .await;
        }
        response
    }

    /// Decides one field: refused, masked or in full, and notes a sensitive read.
    pub async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // List items come through here too; their list field was already decided.
        let list_item = matches!(info.path_node.segment, QueryPathSegment::Index(_));
        if list_item || info.is_for_introspection || info.name.starts_with("__") {
            return next.run(ctx, info).await;
        }
        let role = ctx
            .data_opt::<Session>()
            .and_then(|s| s.principal().ok())
            .map(|p| p.role);
        let rule = self.policy.rule(info.parent_type, info.name);
        let level = rule.map_or(Level::None, |r| r.level(role));
        let audit = ctx.data_opt::<Arc<RequestAudit>>();
        let field_key = || format!("{}.{}", info.parent_type, info.name);
        match level {
            Level::None => {
                let path = path_of(&info);
                let at = info.path_node.to_string();
                if let Some(audit) = audit {
                    audit.with(|c| c.denied.push((field_key(), at)));
                }
                let pos = info.field.name.pos;
                if role.is_none() {
                    return Err(error_at(
                        "UNAUTHENTICATED",
                        "authentication required",
                        pos,
                        path,
                    ));
                }
                let error = error_at("FORBIDDEN", "forbidden", pos, path);
                if info.path_node.parent.is_none() {
                    return Err(error);
                }
                if let Some(audit) = audit {
                    audit.with(|c| c.errors.push(error));
                }
                Ok(Some(Value::Null))
            }
            Level::Full | Level::Masked => {
                let filtered = !info.field.arguments.is_empty()
                    && self.policy.has_argument_rights(info.parent_type, info.name);
                if filtered
                    && let Some(argument) = self.policy.refused_argument(
                        role,
                        info.parent_type,
                        info.name,
                        &self.arguments(&info),
                    )
                {
                    let at = info.path_node.to_string();
                    if let Some(audit) = audit {
                        audit
                            .with(|c| c.denied.push((format!("{}({argument}:)", field_key()), at)));
                    }
                    let mut error = error_at(
                        "FORBIDDEN",
                        "forbidden",
                        info.field.name.pos,
                        path_of(&info),
                    );
                    if let Some(extensions) = error.extensions.as_mut() {
                        extensions.set("field", argument);
                    }
                    return Err(error);
                }
                let sensitive = rule.is_some_and(|r| r.sensitive);
                let mask = rule.and_then(|r| r.mask).filter(|_| level == Level::Masked);
                if sensitive && let Some(audit) = audit {
                    let name = info.field.name.node.clone();
                    audit.with(|c| c.reads.at(info.path_node.parent).fields.insert(name));
                }
                let value = next.run(ctx, info).await?;
                Ok(match mask {
                    Some(mask) => value.map(|v| mask.apply(v)),
                    None => value,
                })
            }
        }
    }
}
