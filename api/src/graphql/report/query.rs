//! Report queries.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::{
    domain,
    error::found,
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
        report::types::{DeadlineAlert, Report, ReportState},
    },
};

/// Which reports to list.
#[derive(InputObject, Default)]
pub struct ReportFilter {
    /// Only reports in these states.
    pub states: Option<Vec<ReportState>>,
    /// Only the reports you submitted.
    #[graphql(default)]
    pub mine: bool,
}

/// What a receipt code shows: the state and, once closed, the outcome notice. Nothing else.
#[derive(async_graphql::SimpleObject)]
pub struct ReportStatus {
    /// Where the report stands.
    pub state: ReportState,
    /// When it was submitted.
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// The outcome notice, once closed.
    pub outcome_notice: Option<String>,
}

/// Report queries.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Reports you may see, newest first: your own; the police, those held in their
    /// jurisdiction; township supervisors and civil affairs, those notified to the township;
    /// the procuratorate, every report about its jurisdiction (without who reported it).
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the reports must meet.")] filter: Option<ReportFilter>,
        #[graphql(desc = "How many reports to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the reports after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Report>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = domain::report::ReportFilter {
            states: filter
                .states
                .map(|s| s.into_iter().map(Into::into).collect()),
            mine: filter.mine,
        };
        let slice = domain::report::list(ctx.db(), &actor, filter, page).await?;
        Ok(paging.connection(ctx, slice, |r| r.id, Report))
    }

    /// One report; null when you may not see it.
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report's global ID.")] id: ID,
    ) -> Result<Option<Report>> {
        let actor = ctx.actor()?;
        let Ok(uuid) = ids::expect(Kind::Report, &id, "id") else {
            return Ok(None);
        };
        let report = found(domain::report::get(ctx.db(), &actor, uuid).await)?;
        Ok(report.map(Report))
    }

    /// The state of a report from the public, by its receipt code; null for an unknown code.
    async fn report_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The receipt code `submitPublicReport` gave.")] receipt: String,
    ) -> Result<Option<ReportStatus>> {
        let found = domain::report::by_receipt(ctx.db(), &receipt).await?;
        Ok(found.map(|r| ReportStatus {
            state: r.state.into(),
            submitted_at: r.submitted_at,
            outcome_notice: r
                .outcome_notice
                .filter(|_| r.state == entity::enums::ReportState::Closed),
        }))
    }

    /// Deadlines missed by reports you may see, newest first.
    async fn deadline_alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many alerts to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the alerts after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<DeadlineAlert>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let slice = domain::report::alerts(ctx.db(), &actor, page).await?;
        Ok(paging.connection(ctx, slice, |a| a.id, DeadlineAlert))
    }
}
