//! Query limits with stable error codes: aliases and root fields are counted on the parsed
//! document, depth and complexity on the validated operation. The standard introspection query
//! is held to its own depth bound and no complexity bound, so client tools can always read the
//! schema.

use std::{
    collections::HashSet,
    sync::atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    ServerError, ServerResult, ValidationResult,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use crate::config::QueryLimits;

/// The limits as one request is checked against them ([`super::hooks`] calls it once the
/// document is parsed, and again once it is validated).
pub struct Limits {
    limits: QueryLimits,
    /// Whether every root field of the document is introspection's.
    introspection_only: AtomicBool,
}

fn limit_error(code: &'static str, message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    err.extensions = Some(extensions);
    err
}

impl Limits {
    /// The checks of one request.
    pub fn new(limits: QueryLimits) -> Self {
        Self {
            limits,
            introspection_only: AtomicBool::new(false),
        }
    }

    /// Counts the parsed document's aliases and root fields.
    pub fn check_document(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let mut aliases = 0;
        for fragment in document.fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set.node);
        }
        for (_, operation) in document.operations.iter() {
            aliases += count_aliases(&operation.node.selection_set.node);
        }
        if aliases > self.limits.max_aliases {
            return Err(limit_error(
                "TOO_MANY_ALIASES",
                format!(
                    "the document uses {aliases} aliases; at most {} are allowed",
                    self.limits.max_aliases
                ),
            ));
        }
        let mut all_introspection = true;
        for (_, operation) in document.operations.iter() {
            let mut names = Vec::new();
            root_fields(
                document,
                &operation.node.selection_set.node,
                &mut HashSet::new(),
                &mut names,
            );
            if names.len() > self.limits.max_root_fields {
                return Err(limit_error(
                    "TOO_MANY_ROOT_FIELDS",
                    format!(
                        "the operation selects {} root fields; at most {} are allowed",
                        names.len(),
                        self.limits.max_root_fields
                    ),
                ));
            }
            all_introspection &= names.iter().all(|n| n.starts_with("__"));
        }
        self.introspection_only
            .store(all_introspection, Ordering::Relaxed);
        Ok(())
    }

    /// Holds the validated operation's depth and complexity to their bounds.
    pub fn check_validation(&self, result: &ValidationResult) -> Result<(), Vec<ServerError>> {
        let introspection = self.introspection_only.load(Ordering::Relaxed);
        let max_depth = if introspection {
            self.limits.max_introspection_depth
        } else {
            self.limits.max_depth
        };
        if result.depth > max_depth {
            return Err(vec![limit_error(
                "QUERY_TOO_DEEP",
                format!(
                    "the query is nested {} levels deep; at most {max_depth} are allowed",
                    result.depth
                ),
            )]);
        }
        if !introspection && result.complexity > self.limits.max_complexity {
            return Err(vec![limit_error(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the query's complexity is {}; at most {} is allowed",
                    result.complexity, self.limits.max_complexity
                ),
            )]);
        }
        Ok(())
    }
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// The response keys at the root of an operation, following fragments once each.
fn root_fields(
    document: &ExecutableDocument,
    set: &SelectionSet,
    seen: &mut HashSet<String>,
    names: &mut Vec<String>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => names.push(field.node.name.node.to_string()),
            Selection::InlineFragment(fragment) => {
                root_fields(document, &fragment.node.selection_set.node, seen, names);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if seen.insert(name.clone())
                    && let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                {
                    root_fields(document, &fragment.node.selection_set.node, seen, names);
                }
            }
        }
    }
}
