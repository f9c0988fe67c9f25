//! Parsed documents, kept by their text: clients send the same few documents over and over
//! (an app's screens), and copying a parsed document costs a fraction of parsing it again.
//! Only documents that parse are kept, and only short ones, so the cache holds at most
//! `CAPACITY` × `LONGEST` bytes of text.

use std::{
    num::NonZeroUsize,
    sync::{Mutex, PoisonError},
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
pub struct Documents(Mutex<LruCache<String, ExecutableDocument>>);

impl Default for Documents {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(CAPACITY)))
    }
}

impl Documents {
    /// `query` parsed: a copy of the kept document, or parsed now (and kept when it parses).
    pub fn parse(&self, query: &str) -> parser::Result<ExecutableDocument> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(query)
            .cloned();
        if let Some(document) = kept {
            return Ok(document);
        }
        let document = parse_query(query)?;
        if query.len() <= LONGEST {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .put(query.to_owned(), document.clone());
        }
        Ok(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_is_the_document_parsed_again() {
        let documents = Documents::default();
        let query = "query($n: Int) { children(first: $n) { edges { node { id name } } } }";

        let first = documents.parse(query).map(|d| format!("{d:?}"));
        let again = documents.parse(query).map(|d| format!("{d:?}"));

        assert_eq!(first.ok(), again.ok());
        assert!(documents.parse("{ children(").is_err());
        assert!(
            documents.parse("{ children(").is_err(),
            "a failure is not kept"
        );
    }
}
