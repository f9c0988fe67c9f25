//! Running accounts and units: the administrator's list of accounts, creating and changing
//! accounts and units, disabling, one-time passwords; and everyone's `changePassword`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::{
    domain::{
        self,
        administration::{
            AccountChange, AccountDraft, AccountFilter as Filter, AccountKey, OrganizationChange,
            OrganizationDraft, WithPassword,
        },
        work::Once,
    },
    graphql::{
        account::types::{Account, LoginPayload},
        connection::{self, Connection},
        context::ContextExt,
        enums::{OrganizationKind, Role},
        ids::{self, Kind},
        organization::types::Organization,
    },
};

/// Which accounts to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AccountFilter {
    /// Only accounts of this unit.
    pub organization_id: Option<ID>,
    /// Only accounts of these roles.
    pub roles: Option<Vec<Role>>,
    /// Only disabled (`true`) or enabled (`false`) accounts.
    pub disabled: Option<bool>,
    /// Only accounts whose username starts with this (case does not matter).
    pub username_starts_with: Option<String>,
}

/// An account to create.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// A key of the client's choosing: a retry with the same key answers the account made
    /// first instead of making a second (without its one-time password).
    pub idempotency_key: String,
    /// Login name: 3 to 64 of a-z, 0-9, `.`, `_` and `-` (stored in lower case).
    pub username: String,
    /// How the person is shown to colleagues (1 to 100 characters).
    pub display_name: String,
    /// What the account may do.
    pub role: Role,
    /// The unit the person works for, within your jurisdiction.
    pub organization_id: ID,
}

/// Changes to an account; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateAccountInput {
    /// The account.
    pub id: ID,
    /// A new display name.
    pub display_name: Option<String>,
    /// A new role: every session of the account ends, so nothing runs on under the old one.
    /// Not for your own account.
    pub role: Option<Role>,
    /// A new unit within your jurisdiction: every session ends, as for a new role. Not for
    /// your own account.
    pub organization_id: Option<ID>,
}

/// The account to disable, enable or give a one-time password.
#[derive(InputObject)]
pub struct AccountInput {
    /// The account (not your own).
    pub id: ID,
}

/// A new password for an account.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The account's login name.
    pub username: String,
    /// Its password now: the person's own, or the one-time password an administrator gave.
    #[graphql(secret)]
    pub current_password: String,
    /// The new password: 12 to 128 characters, not containing the username, not one
    /// character repeated or a run of the keyboard or digits, not one of the most common
    /// passwords; refused as `BAD_USER_INPUT` at `input.newPassword` with the reason.
    #[graphql(secret)]
    pub new_password: String,
}

/// A unit to create.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// A key of the client's choosing: a retry with the same key answers the unit made first.
    pub idempotency_key: String,
    /// A stable, unique code (1 to 64 characters without spaces), used by imports and
    /// integrations.
    pub code: String,
    /// The unit's name (1 to 100 characters).
    pub name: String,
    /// What kind of unit it is.
    pub kind: OrganizationKind,
    /// The region it serves, within your jurisdiction: its accounts' jurisdiction.
    pub region_id: ID,
    /// Whether its staff must report children in danger to the police (强制报告).
    pub mandatory_reporter: bool,
}

/// Changes to a unit; fields left out stay as they are. A unit keeps its code, kind and
/// region (the service routes reports and cases to units by kind and region).
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// The unit, within your jurisdiction.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// Whether its staff must report children in danger.
    pub mandatory_reporter: Option<bool>,
}

/// The account created.
#[derive(SimpleObject)]
pub struct CreateAccountPayload {
    /// The account.
    pub account: Account,
    /// Its one-time password, shown this once: hand it to the person, who replaces it with
    /// `changePassword` within 72 hours (signing in with it answers
    /// `PASSWORD_CHANGE_REQUIRED`). Null when `replayed`: reset it if it was lost.
    pub one_time_password: Option<String>,
    /// Whether this answers an earlier call with the same key (nothing was created now).
    pub replayed: bool,
}

/// The account changed.
#[derive(SimpleObject)]
pub struct AccountPayload {
    /// The account as it is now.
    pub account: Account,
}

/// The account given a one-time password.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// The account; every session of it has ended.
    pub account: Account,
    /// Its one-time password, shown this once, to be replaced with `changePassword` within
    /// 72 hours.
    pub one_time_password: String,
}

/// The unit created.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The unit.
    pub organization: Organization,
    /// Whether this answers an earlier call with the same key (nothing was created now).
    pub replayed: bool,
}

/// The unit changed.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    /// The unit as it is now.
    pub organization: Organization,
}

impl From<WithPassword> for ResetPasswordPayload {
    fn from(done: WithPassword) -> Self {
        Self {
            account: Account(done.account),
            one_time_password: done.one_time_password,
        }
    }
}

/// The administrator's account list.
#[derive(Default)]
pub struct AdministrationQuery;

#[Object]
impl AdministrationQuery {
    /// The accounts you administer (those of the units of your jurisdiction), by username, a
    /// page at a time (`first` at most 100, default 20).
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the accounts must all meet.")] filter: Option<AccountFilter>,
        #[graphql(desc = "How many accounts to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the accounts after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Account>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<AccountKey>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            organization: ids::optional(
                filter.organization_id,
                Kind::Organization,
                "filter.organizationId",
            )?,
            roles: filter
                .roles
                .map(|roles| roles.into_iter().map(Into::into).collect()),
            disabled: filter.disabled,
            username_prefix: filter.username_starts_with,
        };
        let slice = domain::administration::list(ctx.db(), &actor, filter, page).await?;
        Ok(paging.connection(ctx, slice, |a| (a.username.clone(), a.id), Account))
    }
}

/// Running accounts and units, and changing one's password.
#[derive(Default)]
pub struct AdministrationMutation;

#[Object]
impl AdministrationMutation {
    /// Creates an account of a unit of your jurisdiction, with a one-time password.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: CreateAccountInput,
    ) -> Result<CreateAccountPayload> {
        let actor = ctx.actor()?;
        let draft = AccountDraft {
            username: input.username,
            display_name: input.display_name,
            role: input.role.into(),
            organization: ids::expect(
                Kind::Organization,
                &input.organization_id,
                "input.organizationId",
            )?,
        };
        let once = domain::administration::create_account(
            ctx.state().store(),
            &actor,
            &input.idempotency_key,
            draft,
        )
        .await?;
        Ok(match once {
            Once::Replayed(account) => CreateAccountPayload {
                account: Account(account),
                one_time_password: None,
                replayed: true,
            },
            Once::Created(done) => CreateAccountPayload {
                account: Account(done.account),
                one_time_password: Some(done.one_time_password),
                replayed: false,
            },
        })
    }

    /// Changes an account you administer: its display name, role or unit.
    async fn update_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateAccountInput,
    ) -> Result<AccountPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Account, &input.id, "input.id")?;
        let change = AccountChange {
            display_name: input.display_name,
            role: input.role.map(Into::into),
            organization: ids::optional(
                input.organization_id,
                Kind::Organization,
                "input.organizationId",
            )?,
        };
        let account =
            domain::administration::update_account(ctx.state().store(), &actor, id, change).await?;
        // This instance refuses the old rights from its next request; the others hear of it.
        ctx.state().sessions.account_changed(id);
        Ok(AccountPayload {
            account: Account(account),
        })
    }

    /// Disables an account you administer: it can no longer sign in, and every session and
    /// subscription of it ends at once.
    async fn disable_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: AccountInput,
    ) -> Result<AccountPayload> {
        set_disabled(ctx, input, true).await
    }

    /// Enables a disabled account again; the person signs in anew.
    async fn enable_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: AccountInput,
    ) -> Result<AccountPayload> {
        set_disabled(ctx, input, false).await
    }

    /// Gives an account you administer a one-time password: every session of it ends, and
    /// the person signs in again only after replacing it with `changePassword`.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: AccountInput,
    ) -> Result<ResetPasswordPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Account, &input.id, "input.id")?;
        let done = domain::administration::reset_password(ctx.state().store(), &actor, id).await?;
        ctx.state().sessions.account_changed(id);
        Ok(done.into())
    }

    /// Changes a password, signed in or not: the username and current password prove it,
    /// throttled and refused (`UNAUTHENTICATED`) as `login` is. Every session of the account
    /// ends and this one starts: the answer signs this device in.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and its passwords.")] input: ChangePasswordInput,
    ) -> Result<LoginPayload> {
        let tokens = domain::account::change_password(
            &ctx.state().accounts(),
            &input.username,
            &input.current_password,
            &input.new_password,
            &ctx.meta(),
        )
        .await?;
        Ok(tokens.into())
    }

    /// Creates a unit serving a region of your jurisdiction. A region has one police unit,
    /// township government and education bureau at most (`CONFLICT` naming the one there):
    /// the service routes reports and cases to them.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit.")] input: CreateOrganizationInput,
    ) -> Result<CreateOrganizationPayload> {
        let actor = ctx.actor()?;
        let draft = OrganizationDraft {
            code: input.code,
            name: input.name,
            kind: input.kind.into(),
            region: ids::expect(Kind::Region, &input.region_id, "input.regionId")?,
            mandatory_reporter: input.mandatory_reporter,
        };
        let once = domain::administration::create_organization(
            ctx.state().store(),
            &actor,
            &input.idempotency_key,
            draft,
        )
        .await?;
        let (unit, replayed) = match once {
            Once::Replayed(unit) => (unit, true),
            Once::Created(unit) => (unit, false),
        };
        Ok(CreateOrganizationPayload {
            organization: Organization(unit),
            replayed,
        })
    }

    /// Changes a unit of your jurisdiction: its name or reporting duty.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateOrganizationInput,
    ) -> Result<UpdateOrganizationPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Organization, &input.id, "input.id")?;
        let change = OrganizationChange {
            name: input.name,
            mandatory_reporter: input.mandatory_reporter,
        };
        let unit =
            domain::administration::update_organization(ctx.state().store(), &actor, id, change)
                .await?;
        Ok(UpdateOrganizationPayload {
            organization: Organization(unit),
        })
    }
}

async fn set_disabled(
    ctx: &Context<'_>,
    input: AccountInput,
    disabled: bool,
) -> Result<AccountPayload> {
    let actor = ctx.actor()?;
    let id = ids::expect(Kind::Account, &input.id, "input.id")?;
    let account =
        domain::administration::set_disabled(ctx.state().store(), &actor, id, disabled).await?;
    ctx.state().sessions.account_changed(id);
    Ok(AccountPayload {
        account: Account(account),
    })
}
