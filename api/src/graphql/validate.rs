//! Checks a document against the schema and the query limits without running it: what
//! `shouhu documents check` does to every trusted document ([`check`]).

use std::sync::Arc;

use async_graphql::{
    Request, Response, Value, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
    parser::{parse_query, types::DocumentOperations},
};

use std::{collections::BTreeMap, path::Path};

use super::{AppSchema, builder, limits::Limits, sdl};
use crate::{
    config::QueryLimits,
    trusted::{Manifests, TrustedDocument},
};

/// The schema, validating documents and stopping short of running them.
pub struct Validator {
    schema: AppSchema,
    limits: Limits,
}

/// Ends a request once its document has validated.
struct StopBeforeExecution;

impl ExtensionFactory for StopBeforeExecution {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StopBeforeExecution)
    }
}

#[async_trait::async_trait]
impl Extension for StopBeforeExecution {
    async fn execute(
        &self,
        _ctx: &ExtensionContext<'_>,
        _operation_name: Option<&str>,
        _next: NextExecute<'_>,
    ) -> Response {
        Response::new(Value::Null)
    }
}

impl Validator {
    /// The schema, holding documents to the limits of signed-in callers.
    pub fn new(limits: &QueryLimits) -> Self {
        Self {
            schema: builder().extension(StopBeforeExecution).finish(),
            limits: Limits::new(limits, &sdl()),
        }
    }

    /// Why the document would be refused, if it would: it does not parse, exceeds a limit or
    /// does not validate against the schema.
    pub async fn check(&self, text: &str) -> Result<(), Vec<String>> {
        let document = parse_query(text).map_err(|e| vec![e.to_string()])?;
        self.limits
            .check(&document, &Variables::default(), false)
            .map_err(|e| vec![e.message])?;
        let mut request = Request::new(text);
        if let DocumentOperations::Multiple(operations) = &document.operations
            && let Some(name) = operations.keys().next()
        {
            request = request.operation_name(name.as_str());
        }
        let response = self.schema.execute(request).await;
        if response.errors.is_empty() {
            Ok(())
        } else {
            Err(response.errors.into_iter().map(|e| e.message).collect())
        }
    }
}

/// What checking a folder of manifests found.
pub struct Checked {
    /// Each client app with the number of documents its manifest holds.
    pub apps: BTreeMap<String, usize>,
    /// Each document that would be refused: the apps holding it, its id and why.
    pub problems: Vec<String>,
}

/// Reads every manifest of `dir` and checks each document against the schema and the limits
/// of signed-in callers. A manifest that does not read is an error.
pub async fn check(dir: &Path, limits: &QueryLimits) -> anyhow::Result<Checked> {
    let manifests = Manifests::read(dir).map_err(|e| anyhow::anyhow!(e))?;
    let validator = Validator::new(limits);
    let mut documents: Vec<&TrustedDocument> = manifests.documents().collect();
    documents.sort_by(|a, b| (&a.apps, &a.id).cmp(&(&b.apps, &b.id)));
    let mut problems = Vec::new();
    for document in documents {
        if let Err(errors) = validator.check(&document.text).await {
            problems.push(format!(
                "{} {}: {}",
                document.apps.join(", "),
                document.id,
                errors.join("; ")
            ));
        }
    }
    Ok(Checked {
        apps: manifests.apps().clone(),
        problems,
    })
}
