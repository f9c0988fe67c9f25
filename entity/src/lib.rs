//! Shouhu's sea-orm entities: one module per table, and the shared enums in [`enums`].
//!
//! This crate knows nothing of GraphQL: the API writes its output types by hand, so a column
//! never becomes public API by accident.

pub mod access_grant;
pub mod account;
pub mod assessment;
pub mod assignment;
pub mod assignment_cycle;
pub mod assignment_progress;
pub mod audit_batch;
pub mod audit_event;
pub mod break_glass;
pub mod child;
pub mod child_guardian;
pub mod consent;
pub mod deadline_alert;
pub mod dropout_case;
pub mod emergency_action;
pub mod entrustment_agreement;
pub mod enums;
pub mod evaluation;
pub mod guardian;
pub mod guardian_contact;
pub mod hazard_site;
pub mod idempotency_key;
pub mod inspection;
pub mod inspection_finding;
pub mod intervention;
pub mod ledger_snapshot;
pub mod ledger_snapshot_count;
pub mod ledger_submission;
pub mod ledger_submission_child;
pub mod organization;
pub mod pairing;
pub mod parent_contact;
pub mod persuasion_attempt;
pub mod plan_task;
pub mod projection;
pub mod refresh_token;
pub mod region;
pub mod report;
pub mod report_transition;
pub mod school_absence;
pub mod screening_campaign;
pub mod screening_record;
pub mod screening_team;
pub mod service_activity;
pub mod service_activity_child;
pub mod service_activity_guardian;
pub mod service_item;
pub mod venue;
pub mod venue_staff;
pub mod visit;
pub mod visit_compliance_count;
pub mod visit_compliance_month;
