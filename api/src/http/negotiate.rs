//! Content negotiation for GraphQL over HTTP.

/// The response media types we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: the spec's own, with meaningful status codes.
    GraphqlResponseJson,
    /// `application/json`: the legacy one; well-formed requests always get 200.
    Json,
}

impl MediaType {
    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// What an `Accept` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// One of our JSON media types.
    Graphql(MediaType),
    /// A browser page: GraphiQL.
    Html,
    /// Nothing we can produce.
    Unacceptable,
}

/// Picks the best media type by quality; on a tie the spec's own type wins, then JSON, then
/// HTML. No header means `application/json`, as the spec says.
pub fn negotiate(accept: Option<&str>) -> Accepted {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Accepted::Graphql(MediaType::Json);
    };
    let mut best: Option<(f32, u8, Accepted)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        let candidate = match media.as_str() {
            "application/graphql-response+json" | "application/*" | "*/*" => {
                (3, Accepted::Graphql(MediaType::GraphqlResponseJson))
            }
            "application/json" => (2, Accepted::Graphql(MediaType::Json)),
            "text/html" => (1, Accepted::Html),
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((q, rank, _)) => quality > q || (quality == q && candidate.0 > rank),
        };
        if better {
            best = Some((quality, candidate.0, candidate.1));
        }
    }
    best.map_or(Accepted::Unacceptable, |(_, _, accepted)| accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_the_spec() {
        assert_eq!(negotiate(None), Accepted::Graphql(MediaType::Json));
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Accepted::Graphql(MediaType::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(Some("application/json")),
            Accepted::Graphql(MediaType::Json)
        );
        assert_eq!(
            negotiate(Some("text/html,application/xhtml+xml,*/*;q=0.8")),
            Accepted::Html
        );
        assert_eq!(negotiate(Some("image/png")), Accepted::Unacceptable);
        assert_eq!(
            negotiate(Some("application/json;q=0, */*")),
            Accepted::Graphql(MediaType::GraphqlResponseJson)
        );
    }
}
