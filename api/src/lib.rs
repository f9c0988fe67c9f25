//! Shouhu (守护): the GraphQL backend for the care and protection of rural left-behind
//! children. The binary is a thin wrapper; everything lives here so tests start the very same
//! application.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod policy;
pub mod replica;
pub mod state;
pub mod telemetry;
pub mod trusted;
