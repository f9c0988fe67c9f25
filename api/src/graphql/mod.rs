//! The GraphQL API: types, arguments, connections and loaders over the domain. Thin by design:
//! it never builds SQL.

pub mod account;
pub mod activity;
pub mod assignment;
pub mod assistance;
pub mod audit;
pub mod child;
pub mod connection;
pub mod context;
pub mod enums;
pub mod errors;
pub mod hooks;
pub mod ids;
pub mod inspection;
pub mod intervention;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod node;
pub mod organization;
pub mod pairing;
pub mod parent_contact;
pub mod region;
pub mod report;
pub mod schooling;
pub mod screening;
pub mod shape;
pub mod statistics;
pub mod submission;
pub mod validate;
pub mod venue;
pub mod visit;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

use std::sync::Arc;

use crate::{policy::hook::FieldPolicy, state::AppState};

/// Every query, joined.
#[derive(MergedObject, Default)]
pub struct Query(
    account::query::AccountQuery,
    account::admin::AdministrationQuery,
    node::NodeQuery,
    region::query::RegionQuery,
    organization::query::OrganizationQuery,
    child::query::ChildQuery,
    audit::query::AuditQuery,
    visit::query::VisitQuery,
    pairing::query::PairingQuery,
    schooling::query::SchoolingQuery,
    activity::query::ActivityQuery,
    report::query::ReportQuery,
    assignment::query::AssignmentQuery,
    assistance::query::AssistanceQuery,
    screening::query::ScreeningQuery,
    statistics::query::StatisticsQuery,
    statistics::reports::ReportStatisticsQuery,
    statistics::follow_up::FollowUpStatisticsQuery,
    statistics::assistance::AssistanceStatisticsQuery,
    submission::query::SubmissionQuery,
    venue::VenueQuery,
    inspection::InspectionQuery,
);

/// Every mutation, joined.
#[derive(MergedObject, Default)]
pub struct Mutation(
    account::mutation::AccountMutation,
    account::admin::AdministrationMutation,
    child::mutation::ChildMutation,
    visit::mutation::VisitMutation,
    pairing::mutation::PairingMutation,
    parent_contact::ParentContactMutation,
    venue::VenueMutation,
    schooling::mutation::SchoolingMutation,
    activity::mutation::ActivityMutation,
    report::mutation::ReportMutation,
    assignment::mutation::AssignmentMutation,
    assignment::mutation::EvaluationMutation,
    inspection::InspectionMutation,
    intervention::mutation::InterventionMutation,
    assistance::mutation::AssistanceMutation,
    screening::mutation::ScreeningMutation,
    submission::mutation::SubmissionMutation,
);

/// Every subscription: one root object whose fields delegate to their areas (the policy names
/// the root `Subscription`, which merged parts would not be).
pub type Subscription = live::Subscription;

/// The schema type.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .register_output_type::<node::Node>()
    .limit_recursive_depth(64)
    .disable_suggestions()
}

/// The schema serving requests, with the limits and the policy applied to every request.
pub fn schema(state: AppState) -> AppSchema {
    builder()
        .extension(hooks::Hooks {
            limits: Arc::clone(&state.limits),
            policy: FieldPolicy {
                policy: Arc::clone(&state.policy),
                writer: state.audit.clone(),
                mac: state.audit_keys.mac.clone(),
                clock: Arc::clone(&state.clock),
            },
        })
        .data(state)
        .finish()
}

/// The SDL of the schema, as `shouhu schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
