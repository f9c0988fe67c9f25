//! Live report events and deadline alerts, filtered by the subscriber's row scope.

use async_graphql::{Context, ID, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::ReportState;
use futures_util::Stream;
use sea_orm::ActiveEnum;

use crate::{
    domain,
    events::BusEvent,
    graphql::{
        ids::{self, Kind},
        live::{self, Listener},
    },
    policy::scope,
};

/// A report was submitted, moved or had an emergency action recorded.
#[derive(SimpleObject, Clone)]
pub struct ReportEvent {
    /// The report; fetch it with `report(id:)` for the fields you may see.
    pub report_id: ID,
    /// What happened: `submit`, `accept`, `dispatch`, `respond`, `notify_township`, `close`,
    /// `transfer`, `merge` or `action`.
    pub action: String,
    /// The report's state afterwards, in snake case.
    pub state: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A report just missed a deadline.
#[derive(SimpleObject, Clone)]
pub struct DeadlineAlertEvent {
    /// The report.
    pub report_id: ID,
    /// The step that was due: `accept`, `dispatch` or `notify_township`.
    pub stage: String,
    /// When it was due.
    pub deadline: DateTime<Utc>,
    /// When the sweep raised the alert.
    pub raised_at: DateTime<Utc>,
}

/// Whether the subscriber may see the event's report, and it lies in the region asked for.
async fn visible(listener: &Listener, event: &BusEvent) -> bool {
    let (Some(report_id), Some(event_path)) = (event.report_id(), event.region_path()) else {
        return false;
    };
    if !listener.asked_for(event_path) {
        return false;
    }
    // A deadline is only ever missed before the township is notified.
    let notified_then = match event {
        BusEvent::Report { state, .. } => ReportState::try_from_value(state)
            .is_ok_and(|s| matches!(s, ReportState::TownshipNotified | ReportState::Closed)),
        _ => false,
    };
    let state = &listener.state;
    let actor = listener.actor();
    domain::report::get(&state.db, &actor, report_id)
        .await
        .is_ok_and(|report| {
            scope::hears_report_event(&state.policy, &listener.principal, &report, notified_then)
        })
}

/// New and changed reports you may see (in `regionId` and below, when given). Events are
/// sent only after the change is committed.
pub async fn report_events(
    ctx: &Context<'_>,
    region_id: Option<ID>,
) -> Result<impl Stream<Item = ReportEvent> + use<>> {
    live::listen(
        ctx,
        "reportEvents",
        region_id,
        |listener, event| async move {
            let BusEvent::Report {
                report_id,
                action,
                state,
                at,
                ..
            } = &event
            else {
                return None;
            };
            visible(&listener, &event).await.then(|| ReportEvent {
                report_id: ids::encode(Kind::Report, *report_id),
                action: action.clone(),
                state: state.clone(),
                at: *at,
            })
        },
    )
    .await
}

/// Deadlines that reports you may see have just missed (in `regionId` and below, when
/// given), each once.
pub async fn deadline_alerts(
    ctx: &Context<'_>,
    region_id: Option<ID>,
) -> Result<impl Stream<Item = DeadlineAlertEvent> + use<>> {
    live::listen(
        ctx,
        "deadlineAlerts",
        region_id,
        |listener, event| async move {
            let BusEvent::Alert {
                report_id,
                stage,
                deadline,
                raised_at,
                ..
            } = &event
            else {
                return None;
            };
            visible(&listener, &event)
                .await
                .then(|| DeadlineAlertEvent {
                    report_id: ids::encode(Kind::Report, *report_id),
                    stage: stage.clone(),
                    deadline: *deadline,
                    raised_at: *raised_at,
                })
        },
    )
    .await
}
