//! The black-box test suite: one binary, one module per area.

#[path = "api/access_report.rs"]
mod access_report;
#[path = "api/accounts.rs"]
mod accounts;
#[path = "api/activities.rs"]
mod activities;
#[path = "api/assistance.rs"]
mod assistance;
#[path = "api/assistance_statistics.rs"]
mod assistance_statistics;
#[path = "api/audit.rs"]
mod audit;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/compliance.rs"]
mod compliance;
#[path = "api/counts.rs"]
mod counts;
#[path = "api/cursors.rs"]
mod cursors;
#[path = "api/database.rs"]
mod database;
#[path = "api/documents.rs"]
mod documents;
#[path = "api/exports.rs"]
mod exports;
#[path = "api/filters.rs"]
mod filters;
#[path = "api/health.rs"]
mod health;
#[path = "api/http.rs"]
mod http;
#[path = "api/inspections.rs"]
mod inspections;
#[path = "api/ledger.rs"]
mod ledger;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/listing.rs"]
mod listing;
#[path = "api/live.rs"]
mod live;
#[path = "api/metrics.rs"]
mod metrics;
#[path = "api/pairing.rs"]
mod pairing;
#[path = "api/parent_contacts.rs"]
mod parent_contacts;
#[path = "api/policy.rs"]
mod policy;
#[path = "api/projection.rs"]
mod projection;
#[path = "api/rate_limits.rs"]
mod rate_limits;
#[path = "api/replica.rs"]
mod replica;
#[path = "api/reports.rs"]
mod reports;
#[path = "api/responses.rs"]
mod responses;
#[path = "api/responsibility.rs"]
mod responsibility;
#[path = "api/revocation.rs"]
mod revocation;
#[path = "api/roles.rs"]
mod roles;
#[path = "api/schema.rs"]
mod schema;
#[path = "api/schooling.rs"]
mod schooling;
#[path = "api/scopes.rs"]
mod scopes;
#[path = "api/screening.rs"]
mod screening;
#[path = "api/statistics.rs"]
mod statistics;
#[path = "api/submissions.rs"]
mod submissions;
#[path = "api/tamper.rs"]
mod tamper;
#[path = "api/trends.rs"]
mod trends;
#[path = "api/venues.rs"]
mod venues;
#[path = "api/visits.rs"]
mod visits;
