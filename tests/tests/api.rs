//! The black-box test suite: one binary, one module per area.

#[path = "api/auth.rs"]
mod auth;
#[path = "api/database.rs"]
mod database;
#[path = "api/health.rs"]
mod health;
#[path = "api/http.rs"]
mod http;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/listing.rs"]
mod listing;
#[path = "api/schema.rs"]
mod schema;
