//! GraphiQL, served from the binary: its page at `GET /graphql` (to browsers) and its scripts
//! and styles under `/graphiql/3.9.0/`, so that it works on a network that reaches nothing but
//! the service. Queries go to `/graphql`, subscriptions to `/graphql/ws` on the same host; the
//! headers pane's `Authorization` goes along with both. On in development, off in production
//! (`graphiql`).

use actix_web::{HttpResponse, http::header, web};

/// Where the assets are served, by the version of GraphiQL they are.
pub const ASSETS: &str = "/graphiql/3.9.0";

/// The vendored files: GraphiQL 3.9.0 and React 18.3.1 (MIT; see `api/assets/graphiql/`).
const FILES: [(&str, &str, &[u8]); 4] = [
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
];

/// The page.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shouhu GraphQL</title>
<link rel="stylesheet" href="{ASSETS}/graphiql.min.css">
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{ASSETS}/react.production.min.js"></script>
<script src="{ASSETS}/react-dom.production.min.js"></script>
<script src="{ASSETS}/graphiql.min.js"></script>
<script>
const endpoint = new URL("/graphql", location.href);
const subscriptions = new URL("/graphql/ws", location.href);
subscriptions.protocol = location.protocol === "https:" ? "wss:" : "ws:";
const fetcher = GraphiQL.createFetcher({{
  url: endpoint.href,
  subscriptionUrl: subscriptions.href,
}});
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }}),
);
</script>
</body>
</html>
"#
        ))
}

/// `GET /graphiql/3.9.0/{file}`: kept by browsers for a year (a new version is a new path).
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    match FILES.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
