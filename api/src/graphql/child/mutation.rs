//! Ledger mutations. Each runs in one transaction with its audit event.

use async_graphql::{Context, Object, Result, SimpleObject};

use crate::{
    domain::{
        self,
        child::{ChildDraft, ChildPatch, StatusChange},
        guardian::AgreementDraft,
    },
    graphql::{
        child::{
            inputs::{
                AddGuardianInput, ChangeChildStatusInput, LinkGuardianInput,
                MarkChildReviewedInput, RecordConsentInput, RecordEntrustmentAgreementInput,
                RegisterChildInput, UnlinkGuardianInput, UpdateChildInput, UpdateGuardianInput,
                WithdrawConsentInput,
            },
            types::{Child, Consent, EntrustmentAgreement, Guardian},
        },
        context::ContextExt,
        ids::{self, Kind},
    },
};

/// The result of registering a child.
#[derive(SimpleObject)]
pub struct RegisterChildPayload {
    /// The new ledger row.
    pub child: Child,
    /// True when what was recorded must be reported to the police (a child under 16 living
    /// alone): submit the report next.
    pub needs_report: bool,
    /// Children you can see with the same name, birth date and village: check that this is not
    /// the same child registered twice.
    pub possible_duplicates: Vec<Child>,
}

/// The result of updating a child.
#[derive(SimpleObject)]
pub struct UpdateChildPayload {
    /// The row as it now is.
    pub child: Child,
    /// True when what is now recorded must be reported to the police.
    pub needs_report: bool,
}

/// The result of a status change.
#[derive(SimpleObject)]
pub struct ChangeChildStatusPayload {
    /// The row as it now is.
    pub child: Child,
}

/// The result of a review.
#[derive(SimpleObject)]
pub struct MarkChildReviewedPayload {
    /// The row as it now is.
    pub child: Child,
}

/// The result of adding a guardian.
#[derive(SimpleObject)]
pub struct AddGuardianPayload {
    /// The new guardian.
    pub guardian: Guardian,
    /// The child.
    pub child: Child,
}

/// The result of updating a guardian.
#[derive(SimpleObject)]
pub struct UpdateGuardianPayload {
    /// The guardian as now recorded.
    pub guardian: Guardian,
}

/// The result of linking a guardian.
#[derive(SimpleObject)]
pub struct LinkGuardianPayload {
    /// The child, with its guardians.
    pub child: Child,
}

/// The result of unlinking a guardian.
#[derive(SimpleObject)]
pub struct UnlinkGuardianPayload {
    /// The child, with its remaining guardians.
    pub child: Child,
}

/// The result of recording an entrustment agreement.
#[derive(SimpleObject)]
pub struct RecordEntrustmentAgreementPayload {
    /// The agreement.
    pub agreement: EntrustmentAgreement,
    /// The child.
    pub child: Child,
}

/// The result of recording a consent.
#[derive(SimpleObject)]
pub struct RecordConsentPayload {
    /// The consent.
    pub consent: Consent,
}

/// The result of withdrawing a consent.
#[derive(SimpleObject)]
pub struct WithdrawConsentPayload {
    /// The consent, now withdrawn.
    pub consent: Consent,
}

/// Ledger mutations.
#[derive(Default)]
pub struct ChildMutation;

#[Object]
impl ChildMutation {
    /// Registers a left-behind child in a village of your jurisdiction. The same ID number twice
    /// is a `CONFLICT` (naming the existing child when you may see it).
    async fn register_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration form.")] input: RegisterChildInput,
    ) -> Result<RegisterChildPayload> {
        let actor = ctx.actor()?;
        let draft = ChildDraft::try_from(input)?;
        let registered = domain::child::register(ctx.state().store(), &actor, draft).await?;
        Ok(RegisterChildPayload {
            needs_report: registered.child.needs_report,
            child: Child(registered.child),
            possible_duplicates: registered
                .possible_duplicates
                .into_iter()
                .map(Child)
                .collect(),
        })
    }

    /// Updates a ledger row. Send the `version` you read; if someone changed the row since, the
    /// answer is `CONFLICT` and nothing is written.
    async fn update_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateChildInput,
    ) -> Result<UpdateChildPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Child, &input.id, "input.id")?;
        let version = input.version;
        let patch = ChildPatch::try_from(input)?;
        let child = domain::child::update(ctx.state().store(), &actor, id, version, patch).await?;
        Ok(UpdateChildPayload {
            needs_report: child.needs_report,
            child: Child(child),
        })
    }

    /// Changes a child's status (no longer left behind, aged out, moved away, deceased, or active
    /// again), with the reason and the date.
    async fn change_child_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: ChangeChildStatusInput,
    ) -> Result<ChangeChildStatusPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Child, &input.id, "input.id")?;
        let change = StatusChange {
            status: input.status.into(),
            reason: input.reason,
            effective_on: input.effective_on,
        };
        let child =
            domain::child::change_status(ctx.state().store(), &actor, id, input.version, change)
                .await?;
        Ok(ChangeChildStatusPayload {
            child: Child(child),
        })
    }

    /// Records the quarterly review of a ledger row (the plan: updated at least once a quarter).
    async fn mark_child_reviewed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] input: MarkChildReviewedInput,
    ) -> Result<MarkChildReviewedPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Child, &input.id, "input.id")?;
        let child = domain::child::mark_reviewed(
            ctx.state().store(),
            &actor,
            id,
            input.version,
            input.reviewed_by,
        )
        .await?;
        Ok(MarkChildReviewedPayload {
            child: Child(child),
        })
    }

    /// Adds a new guardian to a child.
    async fn add_guardian(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The guardian and the link.")] input: AddGuardianInput,
    ) -> Result<AddGuardianPayload> {
        let actor = ctx.actor()?;
        let child_id = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let (guardian, child) = domain::guardian::add(
            ctx.state().store(),
            &actor,
            child_id,
            input.guardian.try_into()?,
            input.link.into(),
        )
        .await?;
        Ok(AddGuardianPayload {
            guardian: Guardian::alone(guardian),
            child: Child(child),
        })
    }

    /// Updates a guardian's particulars. Send the `version` you read.
    async fn update_guardian(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The particulars.")] input: UpdateGuardianInput,
    ) -> Result<UpdateGuardianPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Guardian, &input.id, "input.id")?;
        let guardian = domain::guardian::update(
            ctx.state().store(),
            &actor,
            id,
            input.version,
            input.guardian.try_into()?,
        )
        .await?;
        Ok(UpdateGuardianPayload {
            guardian: Guardian::alone(guardian),
        })
    }

    /// Links an existing guardian to a child.
    async fn link_guardian(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link.")] input: LinkGuardianInput,
    ) -> Result<LinkGuardianPayload> {
        let actor = ctx.actor()?;
        let child_id = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let guardian_id = ids::expect(Kind::Guardian, &input.guardian_id, "input.guardianId")?;
        let child = domain::guardian::link(
            ctx.state().store(),
            &actor,
            child_id,
            guardian_id,
            input.link.into(),
        )
        .await?;
        Ok(LinkGuardianPayload {
            child: Child(child),
        })
    }

    /// Ends a guardian's link to a child.
    async fn unlink_guardian(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link to end.")] input: UnlinkGuardianInput,
    ) -> Result<UnlinkGuardianPayload> {
        let actor = ctx.actor()?;
        let child_id = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let guardian_id = ids::expect(Kind::Guardian, &input.guardian_id, "input.guardianId")?;
        let child =
            domain::guardian::unlink(ctx.state().store(), &actor, child_id, guardian_id).await?;
        Ok(UnlinkGuardianPayload {
            child: Child(child),
        })
    }

    /// Records an entrustment agreement between the parents and an entrusted guardian, guided by
    /// the village committee.
    async fn record_entrustment_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement.")] input: RecordEntrustmentAgreementInput,
    ) -> Result<RecordEntrustmentAgreementPayload> {
        let actor = ctx.actor()?;
        let child_id = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let draft = AgreementDraft::try_from(input)?;
        let (agreement, child) =
            domain::guardian::record_agreement(ctx.state().store(), &actor, child_id, draft)
                .await?;
        Ok(RecordEntrustmentAgreementPayload {
            agreement: EntrustmentAgreement(agreement),
            child: Child(child),
        })
    }

    /// Records a guardian's consent for a purpose.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consent.")] input: RecordConsentInput,
    ) -> Result<RecordConsentPayload> {
        let actor = ctx.actor()?;
        let child_id = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let guardian_id = ids::expect(Kind::Guardian, &input.guardian_id, "input.guardianId")?;
        let consent = domain::guardian::record_consent(
            ctx.state().store(),
            &actor,
            child_id,
            guardian_id,
            input.purpose.into(),
            input.given_on,
        )
        .await?;
        Ok(RecordConsentPayload {
            consent: Consent(consent),
        })
    }

    /// Withdraws a consent.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consent to withdraw.")] input: WithdrawConsentInput,
    ) -> Result<WithdrawConsentPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Consent, &input.consent_id, "input.consentId")?;
        let consent = domain::guardian::withdraw_consent(ctx.state().store(), &actor, id).await?;
        Ok(WithdrawConsentPayload {
            consent: Consent(consent),
        })
    }
}
