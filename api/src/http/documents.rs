//! Parsed documents, kept by their text: clients send the same few documents over and over
//! (an app's screens), and sharing a parsed document costs nothing against parsing it again.
//! A document is kept only once it has run without a request-level error, so it validated
//! against the schema and stayed within the query limits (depth, aliases, root fields,
//! complexity), which bound its parsed size; an anonymous caller cannot fill the cache with
//! documents that merely parse. At most `CAPACITY` documents of at most `LONGEST` bytes of text.

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex, PoisonError},
};

use async_graphql::parser::{self, parse_query, types::ExecutableDocument};
use lru::LruCache;

/// Documents kept.
const CAPACITY: NonZeroUsize = match NonZeroUsize::new(512) {
    Some(capacity) => capacity,
    None => NonZeroUsize::MIN,
};
/// The longest document kept, in bytes.
const LONGEST: usize = 16 * 1024;

/// The most recently used documents, parsed.
pub struct Documents(Mutex<LruCache<String, Arc<ExecutableDocument>>>);

impl Default for Documents {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(CAPACITY)))
    }
}

impl Documents {
    /// `query` parsed: the kept document, or parsed now.
    pub fn parse(&self, query: &str) -> parser::Result<Arc<ExecutableDocument>> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(query)
            .map(Arc::clone);
        match kept {
            Some(document) => Ok(document),
            None => parse_query(query).map(Arc::new),
        }
    }

    /// Keeps `document` as the parse of `query`, once it has run without a request-level
    /// error (a document that failed validation or a limit is never kept).
    pub fn keep(&self, query: &str, document: &Arc<ExecutableDocument>) {
        if query.len() > LONGEST {
            return;
        }
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !kept.contains(query) {
            kept.put(query.to_owned(), Arc::clone(document));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_is_the_document_parsed_again() {
        let documents = Documents::default();
        let query = "query($n: Int) { children(first: $n) { edges { node { id name } } } }";

        let first = documents.parse(query);
        if let Ok(document) = &first {
            documents.keep(query, document);
        }
        let again = documents.parse(query);

        assert_eq!(
            first.map(|d| format!("{d:?}")).ok(),
            again.map(|d| format!("{d:?}")).ok()
        );
        assert!(documents.parse("{ children(").is_err());
    }
}
