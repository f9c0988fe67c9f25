//! Trusted documents: the operations each client app ships, named by the SHA-256 of their
//! text.
//!
//! A folder holds one manifest per client app, `<app>.json`, in either form client build tools
//! write:
//! - Apollo's persisted-query manifest:
//!   `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "<hex>",
//!   "name": "…", "type": "query", "body": "…"}]}`;
//! - a plain map: `{"sha256:<hex>": "<document>"}`.
//!
//! Every entry's hash is checked against its text when the folder is read; a folder with a bad
//! manifest is refused whole (at start, the service does not start; on reload, the documents
//! in force stay). A request names a document by `documentId: "sha256:<hex>"` (the
//! GraphQL-over-HTTP persisted documents form) or `extensions.persistedQuery.sha256Hash`
//! (Apollo's), or sends a text whose hash a manifest holds.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::{Path, PathBuf},
    sync::{Arc, PoisonError, RwLock},
};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::{auth::Session, config::Enforcement, policy::Policy};

/// A document some manifest holds.
#[derive(Debug, Clone)]
pub struct TrustedDocument {
    /// Its text.
    pub text: Arc<str>,
    /// Its id, `sha256:<hex>`.
    pub id: Arc<str>,
    /// The client apps whose manifests hold it, in order of name.
    pub apps: Arc<[String]>,
}

impl TrustedDocument {
    /// The client app a request runs it for: the one the request names (`graphql-client-name`)
    /// when that app's manifest holds it, else the first by name.
    pub fn app_for(&self, named: Option<&str>) -> &str {
        named
            .and_then(|named| self.apps.iter().find(|app| *app == named))
            .or_else(|| self.apps.first())
            .map_or("", String::as_str)
    }
}

/// The documents of every manifest of a folder, by the hex SHA-256 of their text.
#[derive(Debug, Default)]
pub struct Manifests {
    by_hash: HashMap<String, TrustedDocument>,
    apps: BTreeMap<String, usize>,
}

/// The hex SHA-256 of a document's text.
pub fn hash(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// A manifest as a client build tool writes it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Manifest {
    Apollo {
        format: String,
        operations: Vec<ApolloOperation>,
    },
    Plain(BTreeMap<String, String>),
}

#[derive(Deserialize)]
struct ApolloOperation {
    id: String,
    body: String,
}

/// The entries of one manifest's text: (hex hash, document), each hash checked.
pub fn parse_manifest(text: &str) -> Result<Vec<(String, String)>, String> {
    let manifest: Manifest = serde_json::from_str(text).map_err(|_| {
        "neither an Apollo persisted-query manifest nor a map of \"sha256:<hash>\" to documents"
            .to_owned()
    })?;
    let entries: Vec<(String, String)> = match manifest {
        Manifest::Apollo { format, operations } => {
            if format != "apollo-persisted-query-manifest" {
                return Err(format!("unknown manifest format {format:?}"));
            }
            operations.into_iter().map(|op| (op.id, op.body)).collect()
        }
        Manifest::Plain(map) => map
            .into_iter()
            .map(|(key, body)| match key.strip_prefix("sha256:") {
                Some(hex) => Ok((hex.to_owned(), body)),
                None => Err(format!("key {key:?} is not \"sha256:<hash>\"")),
            })
            .collect::<Result<_, _>>()?,
    };
    for (id, body) in &entries {
        if hash(body) != id.to_ascii_lowercase() {
            return Err(format!(
                "the entry {id} is not the SHA-256 of its document ({})",
                hash(body)
            ));
        }
    }
    Ok(entries
        .into_iter()
        .map(|(id, body)| (id.to_ascii_lowercase(), body))
        .collect())
}

impl Manifests {
    /// Reads every `<app>.json` of `dir`; a missing folder holds no documents.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let files = match std::fs::read_dir(dir) {
            Ok(files) => files,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(format!("reading {}: {e}", dir.display())),
        };
        let mut paths: Vec<PathBuf> = files
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort();
        let mut texts: HashMap<String, (String, BTreeSet<String>)> = HashMap::new();
        let mut apps = BTreeMap::new();
        for path in paths {
            let app = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .ok_or_else(|| format!("{}: not a UTF-8 name", path.display()))?
                .to_owned();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let entries = parse_manifest(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            apps.insert(app.clone(), entries.len());
            for (id, body) in entries {
                texts
                    .entry(id)
                    .or_insert_with(|| (body, BTreeSet::new()))
                    .1
                    .insert(app.clone());
            }
        }
        let by_hash = texts
            .into_iter()
            .map(|(hex, (text, apps))| {
                let document = TrustedDocument {
                    text: text.into(),
                    id: format!("sha256:{hex}").into(),
                    apps: apps.into_iter().collect(),
                };
                (hex, document)
            })
            .collect();
        Ok(Self { by_hash, apps })
    }

    /// The document with this hex hash.
    pub fn get(&self, hex: &str) -> Option<&TrustedDocument> {
        self.by_hash.get(hex)
    }

    /// Every document.
    pub fn documents(&self) -> impl Iterator<Item = &TrustedDocument> {
        self.by_hash.values()
    }

    /// Each client app with the number of documents its manifest holds.
    pub fn apps(&self) -> &BTreeMap<String, usize> {
        &self.apps
    }
}

/// The manifests in force, reloadable while the service runs.
pub struct Trusted {
    dir: PathBuf,
    /// Which callers may send other documents.
    pub enforcement: Enforcement,
    current: RwLock<Arc<Manifests>>,
}

impl Trusted {
    /// Reads the folder; a bad manifest is an error.
    pub fn load(dir: PathBuf, enforcement: Enforcement) -> Result<Self, String> {
        let manifests = Manifests::read(&dir)?;
        Ok(Self {
            dir,
            enforcement,
            current: RwLock::new(Arc::new(manifests)),
        })
    }

    /// Reads the folder again; on an error the documents in force stay and the error is
    /// returned.
    pub fn reload(&self) -> Result<Arc<Manifests>, String> {
        let manifests = Arc::new(Manifests::read(&self.dir)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&manifests);
        Ok(manifests)
    }

    /// The manifests in force.
    pub fn manifests(&self) -> Arc<Manifests> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Whether `session` may send a document no manifest holds: under `all`, as the policy
    /// says ([`Policy::may_send_untrusted_documents`]).
    pub fn may_send_any(&self, session: &Session, policy: &Policy) -> bool {
        match (self.enforcement, session) {
            (Enforcement::Off, _) => true,
            (Enforcement::Anonymous, Session::Authenticated(_)) => true,
            (Enforcement::All, Session::Authenticated(principal)) => {
                policy.may_send_untrusted_documents(principal)
            }
            (_, Session::Anonymous | Session::Rejected) => false,
        }
    }

    /// The folder the manifests are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// An Apollo persisted-query manifest of the `.graphql` files of `sources`, one document per
/// file, in order of file name.
pub fn manifest_of(sources: &Path) -> anyhow::Result<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(sources)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .collect();
    paths.sort();
    let mut operations = Vec::new();
    for path in paths {
        let body = std::fs::read_to_string(&path)?;
        let document = async_graphql::parser::parse_query(&body)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let (name, kind) = document
            .operations
            .iter()
            .next()
            .map(|(name, operation)| (name.map(|n| n.to_string()), operation.node.ty.to_string()))
            .ok_or_else(|| anyhow::anyhow!("{}: no operation", path.display()))?;
        operations.push(serde_json::json!({
            "id": hash(&body),
            "name": name,
            "type": kind,
            "body": body,
        }));
    }
    let manifest = serde_json::json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": operations,
    });
    Ok(format!("{}\n", serde_json::to_string_pretty(&manifest)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_manifest_forms_are_read_and_their_hashes_checked() {
        let body = "query Me { me { username } }";
        let hex = hash(body);
        let apollo = serde_json::json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": hex, "name": "Me", "type": "query", "body": body }],
        });
        let plain = serde_json::json!({ format!("sha256:{hex}"): body });

        assert_eq!(
            parse_manifest(&apollo.to_string()).unwrap(),
            vec![(hex.clone(), body.to_owned())]
        );
        assert_eq!(
            parse_manifest(&plain.to_string()).unwrap(),
            vec![(hex.clone(), body.to_owned())]
        );
        let forged = serde_json::json!({ format!("sha256:{hex}"): "{ children { totalCount } }" });
        assert!(parse_manifest(&forged.to_string()).is_err());
        assert!(parse_manifest(&serde_json::json!({ hex: body }).to_string()).is_err());
        assert!(parse_manifest("[]").is_err());
    }
}
