//! Decisions about one record and the caller together, beyond row scopes and field levels: who
//! moves a report, who corrects a visit, who reviews a break-glass opening. Each is a named
//! predicate on [`Policy`]; where the rule is data (which roles, which kinds of unit) it comes from
//! `[rules]` in the policy file, where it is logic it is written here, and every one is listed in
//! the access matrix ([`Policy::record_rules`]). The domain asks; nothing else decides.

use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    account, break_glass, child,
    enums::{ConsentPurpose, OrganizationKind, ServiceKind},
    report, service_item,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    policy::{Policy, RowScope, arguments::FieldRef},
};

/// What a caller is doing with records, as far as break-glass openings are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Reading them: a query, a subscription, a field's loader.
    Read,
    /// Changing them: a mutation.
    Write,
    /// Asking who read a child's record (the access report): not an emergency.
    AccessReport,
}

/// Whether a record's author may still correct it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// The caller wrote it and the window is open.
    Allowed,
    /// Someone else wrote it: to the caller it is not there to correct.
    NotAuthor,
    /// The window has closed: the record is fixed.
    WindowClosed,
}

impl Policy {
    /// Whether the caller may move the report (accept, dispatch, respond, notify the township,
    /// close, transfer, merge) and record emergency actions on it: a role of
    /// `[rules] report_holders` in the unit that holds the report.
    pub fn may_move_report(&self, caller: &Principal, report: &report::Model) -> bool {
        self.rules.holds_reports(caller.role)
            && report.holder_organization_id == caller.organization_id
    }

    /// Whether the caller may read the account `id` of a unit serving the region at
    /// `unit_region`: their own, or one they administer ([`Policy::may_administer`]).
    pub fn may_read_account(&self, caller: &Principal, id: uuid::Uuid, unit_region: &str) -> bool {
        caller.account_id == id || self.may_administer(caller, unit_region)
    }

    /// Whether the caller runs the accounts of units serving the region at `unit_region`
    /// (creates and changes them and the units, disables them, sets one-time passwords): a
    /// role of `[rules] account_admins`, for units within its jurisdiction.
    pub fn may_administer(&self, caller: &Principal, unit_region: &str) -> bool {
        self.rules.administers_accounts(caller.role) && self.in_area(caller, unit_region)
    }

    /// Whether the caller may change the account `id`'s role, unit or standing: not their own,
    /// so that no administrator raises, moves or locks out themselves.
    pub fn may_change_account(&self, caller: &Principal, id: uuid::Uuid) -> bool {
        caller.account_id != id
    }

    /// Whether the caller may send a document no client app's manifest holds when trusted
    /// documents are enforced for everyone (`documents.enforce = all`): a role of
    /// `[rules] untrusted_document_senders` (administrators' tooling).
    pub fn may_send_untrusted_documents(&self, caller: &Principal) -> bool {
        self.rules.sends_untrusted_documents(caller.role)
    }

    /// Whether the caller may review the break-glass opening: anyone's but their own.
    pub fn may_review_break_glass(&self, caller: &Principal, opening: &break_glass::Model) -> bool {
        opening.account_id != caller.account_id
    }

    /// Whether the caller may move the due date of a service item: the due date bounds the
    /// assigned unit's access to the child, so that unit does not move its own; the township
    /// or civil affairs over the child does.
    pub fn may_reschedule_item(&self, caller: &Principal, item: &service_item::Model) -> bool {
        item.organization_id != caller.organization_id
    }

    /// Whether counts of records of `type_name` broken down by its `fields` are protected for
    /// the caller (small counts withheld, the others rounded; see `domain::statistics`):
    /// unless the caller reads rows, and every one of those fields in full, a count could tell
    /// it more about a record than its rows do. A role that counts without rows always gets
    /// protected counts.
    pub fn statistics_protected<'a>(
        &self,
        caller: &Principal,
        type_name: &str,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        let fields: Vec<FieldRef> = fields
            .into_iter()
            .map(|field| FieldRef {
                type_name: type_name.to_owned(),
                field: field.to_owned(),
            })
            .collect();
        self.scope(caller.role) == RowScope::Counts
            || !self.reads_in_full(Some(caller.role), &fields)
    }

    /// The guardian's consent a service of `service` by a unit of kind `unit` needs before the
    /// unit is lent the child's record (`[rules.consent]`), or `None` when it needs none.
    pub fn consent_needed(
        &self,
        service: ServiceKind,
        unit: OrganizationKind,
    ) -> Option<ConsentPurpose> {
        self.rules.consent_needed(service, unit)
    }

    /// Whether a unit of kind `unit` may be lent a child's guardianship intervention case
    /// (`[rules] intervention_case_units`).
    pub fn takes_intervention_cases(&self, unit: OrganizationKind) -> bool {
        self.rules.takes_intervention_cases(unit)
    }

    /// Whether `teacher` is one the caller may pair children with: an enabled account of a
    /// role whose row scope is its pairings, in the caller's own school.
    pub fn may_pair_teacher(&self, caller: &Principal, teacher: &account::Model) -> bool {
        self.scope(teacher.role) == RowScope::Paired
            && teacher.organization_id == caller.organization_id
            && !teacher.disabled
    }

    /// Whether `child` may be paired by the caller: enrolled at the caller's school.
    pub fn may_pair_child(&self, caller: &Principal, child: &child::Model) -> bool {
        child.school_id == Some(caller.organization_id)
    }

    /// Whether the caller sees only the visits they recorded themselves among the visits of the
    /// children in scope: roles whose row scope is their pairings.
    pub fn sees_own_visits_only(&self, caller: &Principal) -> bool {
        self.scope(caller.role) == RowScope::Paired
    }

    /// Whether the caller may correct a record (a visit, a service activity) at `now`: only
    /// its author, within `window` of recording it.
    pub fn may_correct(
        &self,
        caller: &Principal,
        author: Uuid,
        recorded_at: DateTime<Utc>,
        now: DateTime<Utc>,
        window: TimeDelta,
    ) -> Correction {
        if author != caller.account_id {
            Correction::NotAuthor
        } else if now > recorded_at + window {
            Correction::WindowClosed
        } else {
            Correction::Allowed
        }
    }

    /// Whether the region at `path` lies in the caller's area (their organization's region or
    /// below): where they may record activities and name places.
    pub fn in_area(&self, caller: &Principal, path: &str) -> bool {
        caller.region_path.contains(path)
    }

    /// Whether the caller may place a child in the village at `path`: a role whose row scope is
    /// its jurisdiction, with the village in it (a child placed elsewhere would leave their
    /// sight).
    pub fn may_place_child_in(&self, caller: &Principal, path: &str) -> bool {
        self.scope(caller.role) == RowScope::Jurisdiction && self.in_area(caller, path)
    }

    /// Whether records the caller opened by break-glass count as in scope: for reads, never
    /// for writes (break-glass lets an officer read a record, never change it), and not for the
    /// access report (asking who read a record is not an emergency).
    pub fn break_glass_applies(&self, what: Use) -> bool {
        what == Use::Read
    }

    /// Whether a live connection signed in as `held` keeps its rights now that the account
    /// reads as `now`: only while the role, the organization and its region are unchanged.
    pub fn keeps_standing(&self, held: &Principal, now: &Principal) -> bool {
        now.role == held.role
            && now.organization_id == held.organization_id
            && now.region_path == held.region_path
    }

    /// The record rules, one line each, for the rendered matrix.
    pub fn record_rules(&self) -> Vec<(&'static str, String)> {
        let data = &self.rules;
        vec![
            (
                "may_move_report",
                format!(
                    "{} of the unit holding the report move it and record emergency actions",
                    data.report_holders()
                ),
            ),
            (
                "may_read_account",
                format!(
                    "an account reads itself; {} read the accounts they administer",
                    data.account_admins()
                ),
            ),
            (
                "may_administer",
                format!(
                    "{} run the accounts and units of their jurisdiction",
                    data.account_admins()
                ),
            ),
            (
                "may_change_account",
                "nobody changes their own account's role, unit or standing, or sets their own one-time password".to_owned(),
            ),
            (
                "may_send_untrusted_documents",
                format!(
                    "with trusted documents enforced for all (`documents.enforce = all`), only {} send documents no client app's manifest holds",
                    data.untrusted_document_senders()
                ),
            ),
            (
                "may_review_break_glass",
                "a break-glass opening is reviewed by anyone in scope but the one who opened it"
                    .into(),
            ),
            (
                "may_reschedule_item",
                "a service item's due date is moved by anyone in scope but the unit it is assigned to"
                    .into(),
            ),
            (
                "consent_needed",
                format!(
                    "the guardian's consent a unit needs before it is lent the record: {}",
                    data.consent()
                ),
            ),
            (
                "statistics_protected",
                "statistics are protected (small counts withheld, the rest rounded) for a role that counts without rows, and for a caller who does not read in full the fields counted by (for children, their names and villages too)"
                    .into(),
            ),
            (
                "takes_intervention_cases",
                format!(
                    "an intervention case is lent only to {}",
                    data.intervention_case_units()
                ),
            ),
            (
                "may_pair_teacher / may_pair_child",
                "a school pairs its own enabled accounts of a paired-scope role with children enrolled at it"
                    .into(),
            ),
            (
                "sees_own_visits_only",
                "roles with a paired row scope see only the visits they recorded".into(),
            ),
            (
                "may_correct",
                "only a visit's or a service activity's author corrects it, within the correction window; after it, a visit is annotated"
                    .into(),
            ),
            (
                "in_area / may_place_child_in",
                "activities and places lie in the caller's area; a child is placed only in a village of a jurisdiction-scoped caller's area"
                    .into(),
            ),
            (
                "break_glass_applies",
                "records opened by break-glass count as in scope for queries and subscriptions, never for mutations nor the access report"
                    .into(),
            ),
            (
                "keeps_standing",
                "a subscription ends when its account's role, organization or region changes"
                    .into(),
            ),
        ]
    }
}
