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

/// Picks the best media type by quality, each type taking the quality of the most specific
/// range that names it (`application/json` before `application/*` before `*/*`, as HTTP
/// says). On a tie, a type named outright beats one a wildcard matched; among types named
/// outright the spec's own wins, then JSON, then HTML; among types a wildcard matched JSON wins
/// (a client that accepts anything is answered as the spec says a client without `Accept`
/// is: `application/json`).
pub fn negotiate(accept: Option<&str>) -> Accepted {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Accepted::Graphql(MediaType::Json);
    };
    // Per type we produce: (its name, the answer, preference when named, when matched by a
    // wildcard).
    const TYPES: [(&str, Accepted, u8, u8); 3] = [
        (
            "application/graphql-response+json",
            Accepted::Graphql(MediaType::GraphqlResponseJson),
            3,
            2,
        ),
        ("application/json", Accepted::Graphql(MediaType::Json), 2, 3),
        ("text/html", Accepted::Html, 1, 1),
    ];
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .map(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (media, quality)
        })
        .collect();
    let mut best: Option<(f32, u8, Accepted)> = None;
    for (name, accepted, named, wildcard) in TYPES {
        let family = format!("{}/*", name.split('/').next().unwrap_or_default());
        // The most specific range naming the type: 2 exact, 1 its family, 0 anything.
        let matched = ranges
            .iter()
            .filter_map(|(media, quality)| {
                let specificity = if media == name {
                    2
                } else if *media == family {
                    1
                } else if media == "*/*" {
                    0
                } else {
                    return None;
                };
                Some((specificity, *quality))
            })
            .max_by_key(|(specificity, _)| *specificity);
        let Some((specificity, quality)) = matched else {
            continue;
        };
        if quality <= 0.0 {
            continue;
        }
        let preference = if specificity == 2 {
            3 + named
        } else {
            wildcard
        };
        let better = match best {
            None => true,
            Some((q, rank, _)) => quality > q || (quality == q && preference > rank),
        };
        if better {
            best = Some((quality, preference, accepted));
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
        assert_eq!(negotiate(Some("*/*")), Accepted::Graphql(MediaType::Json));
        assert_eq!(
            negotiate(Some("application/*")),
            Accepted::Graphql(MediaType::Json)
        );
        assert_eq!(
            negotiate(Some("application/graphql-response+json, */*")),
            Accepted::Graphql(MediaType::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Accepted::Graphql(MediaType::Json)
        );
    }
}
