//! Running accounts and units: an administrator (`[rules] account_admins`) creates the accounts
//! and units of its jurisdiction, changes an account's name, role and unit, disables and
//! enables it, and sets one-time passwords. Each change is one unit of work with its audit
//! event. A change of role or unit, disabling and a new password end every session of the
//! account at once, on every instance, so nothing opened under the old rights lives on. An
//! account outside the administrator's jurisdiction reads as not found.
//!
//! A new account and a reset get a one-time password, shown once to the administrator, which
//! signs in nowhere: the person replaces it with `changePassword` within
//! [`crate::domain::account::ONE_TIME_PASSWORD_TTL`]. An administrator never learns the
//! password a person chose; one who resets an account and replaces the one-time password
//! itself could act as that person, which the person notices (their password stops working)
//! and the audit trail shows (`account.reset_password`, `account.password_change` with the
//! address it came from).
//!
//! Units of the kinds the service routes work to by region (police stations, township
//! governments, education bureaus) are one per region and keep their kind, so that no
//! administrator can divert reports or dropout cases to a unit of its making.

use entity::{account, enums::OrganizationKind, enums::Role, organization, region};
use rand::seq::IndexedRandom;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, LikeExpr},
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::password,
    domain::{
        Actor,
        account::{end_every_session, username, write_disabled},
        escape_like, idempotency,
        kind::Kind,
        page::{self, Page, Slice},
        required_text,
        work::{Once, Store, Work},
    },
    error::{ApiError, ApiResult},
    events::BusEvent,
    policy::scope,
};

/// The operation idempotency keys of `createAccount` are stored under.
pub const CREATE_ACCOUNT: idempotency::Operation = idempotency::Operation {
    name: "createAccount",
    kind: Kind::Account,
};

/// The operation idempotency keys of `createOrganization` are stored under.
pub const CREATE_ORGANIZATION: idempotency::Operation = idempotency::Operation {
    name: "createOrganization",
    kind: Kind::Organization,
};

/// Characters of one-time passwords: lower-case letters and digits that cannot be mistaken
/// for one another when read aloud or copied from a screen (no 0, o, 1, l, i).
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountDraft {
    /// Login name: 3 to 64 of a-z, 0-9, `.`, `_`, `-` (stored in lower case).
    pub username: String,
    /// How the person is shown to colleagues.
    pub display_name: String,
    /// What the account may do.
    pub role: Role,
    /// The unit, within the administrator's jurisdiction.
    pub organization: Uuid,
}

/// Changes to an account; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    /// A new display name.
    pub display_name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// A new unit, within the administrator's jurisdiction.
    pub organization: Option<Uuid>,
}

/// An account with the one-time password it was given, shown this once.
#[derive(Debug, Clone)]
pub struct WithPassword {
    /// The account.
    pub account: account::Model,
    /// Its one-time password.
    pub one_time_password: String,
}

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only accounts of this unit.
    pub organization: Option<Uuid>,
    /// Only accounts of these roles.
    pub roles: Option<Vec<Role>>,
    /// Only disabled (true) or enabled (false) accounts.
    pub disabled: Option<bool>,
    /// Only accounts whose username starts with this.
    pub username_prefix: Option<String>,
}

/// The sort key of the account list: username, then id.
pub type AccountKey = (String, Uuid);

/// A new unit.
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationDraft {
    /// Its stable, unique code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// What kind of unit it is.
    pub kind: OrganizationKind,
    /// The region it serves, within the administrator's jurisdiction.
    pub region: Uuid,
    /// Whether its staff must report children in danger (强制报告).
    pub mandatory_reporter: bool,
}

/// Changes to a unit; `None` leaves a value as it is. A unit keeps its code, kind and region.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChange {
    /// A new name.
    pub name: Option<String>,
    /// Whether its staff must report children in danger.
    pub mandatory_reporter: Option<bool>,
}

/// The kinds of unit the service routes work to by region (a report to the police of its
/// county, a notified report and an assessment to the township government, a dropout case to
/// the county's education bureau): one of each per region.
const ROUTED: [OrganizationKind; 3] = [
    OrganizationKind::PublicSecurity,
    OrganizationKind::TownshipGovernment,
    OrganizationKind::Education,
];

/// The accounts the caller administers, by username.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: AccountFilter,
    page: Page<AccountKey>,
) -> ApiResult<Slice<account::Model>> {
    let mut query =
        account::Entity::find().filter(scope::administered_accounts(actor.policy, actor.principal));
    if let Some(unit) = filter.organization {
        query = query.filter(account::Column::OrganizationId.eq(unit));
    }
    if let Some(roles) = filter.roles {
        query = query.filter(account::Column::Role.is_in(roles));
    }
    if let Some(disabled) = filter.disabled {
        query = query.filter(account::Column::Disabled.eq(disabled));
    }
    if let Some(prefix) = filter
        .username_prefix
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
    {
        let pattern = format!("{}%", escape_like(&prefix));
        query = query
            .filter(Expr::col(account::Column::Username).like(LikeExpr::new(pattern).escape('\\')));
    }
    Ok(page::read(
        db,
        query,
        |query| query.cursor_by((account::Column::Username, account::Column::Id)),
        page,
    )
    .await?)
}

/// Creates an account with a one-time password; a retry with the same key answers the account
/// made first (without its password, which is shown once: `resetPassword` gives a new one).
pub async fn create_account(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: AccountDraft,
) -> ApiResult<Once<account::Model, WithPassword>> {
    idempotency::check(key)?;
    let draft = AccountDraft {
        username: draft.username.trim().to_lowercase(),
        ..draft
    };
    // Hashed before the transaction opens: argon2 takes a while, a write lock should not.
    let one_time_password = one_time_password();
    let hash = hash(&one_time_password).await?;
    let once = store
        .create_keyed::<account::Entity, _, _>(
            (CREATE_ACCOUNT, actor, key),
            draft,
            |created: &WithPassword| created.account.id,
            async |db, draft| insert_account(db, actor, draft, (one_time_password, hash)).await,
        )
        .await?;
    // A retry answers the first account only while the caller still administers it.
    if let Once::Replayed(account) = &once {
        administered_account(store.db, actor, account.id).await?;
    }
    Ok(once)
}

async fn insert_account(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: AccountDraft,
    (one_time_password, hash): (String, String),
) -> ApiResult<WithPassword> {
    let username = username(&draft.username)?;
    let display_name = required_text("input.displayName", &draft.display_name, 100)?;
    let unit =
        administered_unit(db, actor, draft.organization, Some("input.organizationId")).await?;
    let taken = account::Entity::find()
        .filter(account::Column::Username.eq(&username))
        .one(db)
        .await?;
    if let Some(taken) = taken {
        // The account is named only to an administrator who may read it.
        let unit_region = unit_region(db, taken.organization_id).await?;
        return Err(ApiError::Conflict {
            message: "an account with this username already exists".to_owned(),
            existing: actor
                .policy
                .may_read_account(actor.principal, taken.id, &unit_region)
                .then_some((Kind::Account, taken.id)),
        });
    }
    let account = account::Entity::insert(account::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(hash),
        role: Set(draft.role),
        organization_id: Set(unit.id),
        disabled: Set(false),
        token_version: Set(0),
        must_change_password: Set(true),
        password_set_at: Set(Some(actor.now)),
        created_at: Set(actor.now),
        updated_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    crate::audit::record(
        db,
        actor
            .event("account.create")
            .on(Kind::Account, account.id)
            .with(json!({
                "username": account.username,
                "role": account.role,
                "organization": account.organization_id,
            })),
    )
    .await?;
    Ok(WithPassword {
        account,
        one_time_password,
    })
}

/// Changes an account's display name, role or unit. A new role or unit ends its sessions.
pub async fn update_account(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    change: AccountChange,
) -> ApiResult<account::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = administered_account(db, actor, id).await?;
    let mut row = account::ActiveModel {
        id: Set(before.id),
        updated_at: Set(actor.now),
        ..Default::default()
    };
    if let Some(name) = &change.display_name {
        row.display_name = Set(required_text("input.displayName", name, 100)?);
    }
    let rights_change = change.role.is_some_and(|r| r != before.role)
        || change
            .organization
            .is_some_and(|o| o != before.organization_id);
    if rights_change && !actor.policy.may_change_account(actor.principal, id) {
        return Err(ApiError::bad_input(
            "input.id",
            "you cannot change your own role or unit: ask another administrator",
        ));
    }
    if let Some(role) = change.role {
        row.role = Set(role);
    }
    if let Some(unit) = change.organization {
        row.organization_id = Set(
            administered_unit(db, actor, unit, Some("input.organizationId"))
                .await?
                .id,
        );
    }
    let after = account::Entity::update(row).exec(db).await?;
    if rights_change {
        end_every_session(db, id, actor.now).await?;
    }
    crate::audit::record(
        db,
        actor
            .event("account.update")
            .on(Kind::Account, id)
            .with(json!({ "before": summary(&before), "after": summary(&after) })),
    )
    .await?;
    announce_change(&work, id).await?;
    work.commit().await?;
    reread(store, id).await
}

/// Disables an account (every session ends at once) or enables it again.
pub async fn set_disabled(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    disabled: bool,
) -> ApiResult<account::Model> {
    let work = store.begin().await?;
    let db = work.db();
    administered_account(db, actor, id).await?;
    if !actor.policy.may_change_account(actor.principal, id) {
        return Err(ApiError::bad_input(
            "input.id",
            "you cannot disable or enable your own account",
        ));
    }
    write_disabled(db, id, disabled, actor.now).await?;
    crate::audit::record(
        db,
        actor
            .event(if disabled {
                "account.disable"
            } else {
                "account.enable"
            })
            .on(Kind::Account, id),
    )
    .await?;
    announce_change(&work, id).await?;
    work.commit().await?;
    reread(store, id).await
}

/// Gives an account a new one-time password: every session ends, and the person signs in
/// only after replacing it.
pub async fn reset_password(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<WithPassword> {
    let one_time_password = one_time_password();
    let hash = hash(&one_time_password).await?;
    let work = store.begin().await?;
    let db = work.db();
    let account = administered_account(db, actor, id).await?;
    if !actor.policy.may_change_account(actor.principal, id) {
        return Err(ApiError::bad_input(
            "input.id",
            "change your own password with changePassword",
        ));
    }
    account::Entity::update(account::ActiveModel {
        id: Set(account.id),
        password_hash: Set(hash),
        must_change_password: Set(true),
        password_set_at: Set(Some(actor.now)),
        updated_at: Set(actor.now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    end_every_session(db, id, actor.now).await?;
    crate::audit::record(
        db,
        actor.event("account.reset_password").on(Kind::Account, id),
    )
    .await?;
    announce_change(&work, id).await?;
    work.commit().await?;
    Ok(WithPassword {
        account: reread(store, id).await?,
        one_time_password,
    })
}

/// Creates a unit serving a region of the caller's jurisdiction; a retry with the same key
/// answers the unit made first.
pub async fn create_organization(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: OrganizationDraft,
) -> ApiResult<Once<organization::Model, organization::Model>> {
    store
        .create_keyed::<organization::Entity, _, _>(
            (CREATE_ORGANIZATION, actor, key),
            draft,
            |unit: &organization::Model| unit.id,
            async |db, draft| insert_organization(db, actor, draft).await,
        )
        .await
}

async fn insert_organization(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: OrganizationDraft,
) -> ApiResult<organization::Model> {
    let code = draft.code.trim().to_owned();
    if code.is_empty()
        || code.chars().count() > 64
        || code.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::bad_input(
            "input.code",
            "must be 1 to 64 characters without spaces",
        ));
    }
    let name = required_text("input.name", &draft.name, 100)?;
    // Locked, so that two units of a routed kind are not created for it at once.
    let region = region::Entity::find_by_id(draft.region)
        .lock_exclusive()
        .one(db)
        .await?
        .filter(|r| actor.policy.may_administer(actor.principal, &r.path))
        .ok_or_else(|| {
            ApiError::bad_input("input.regionId", "no such region in your jurisdiction")
        })?;
    let taken = organization::Entity::find()
        .filter(organization::Column::Code.eq(&code))
        .one(db)
        .await?;
    if let Some(taken) = taken {
        // Units are public to every signed-in account: the existing one is named.
        return Err(ApiError::Conflict {
            message: "a unit with this code already exists".to_owned(),
            existing: Some((Kind::Organization, taken.id)),
        });
    }
    if ROUTED.contains(&draft.kind) {
        let routed_to = organization::Entity::find()
            .filter(organization::Column::Kind.eq(draft.kind))
            .filter(organization::Column::RegionId.eq(region.id))
            .one(db)
            .await?;
        if let Some(unit) = routed_to {
            return Err(ApiError::Conflict {
                message: "the region has a unit of this kind already, which the service routes \
                          reports and cases to"
                    .to_owned(),
                existing: Some((Kind::Organization, unit.id)),
            });
        }
    }
    let unit = organization::Entity::insert(organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        name: Set(name),
        kind: Set(draft.kind),
        region_id: Set(region.id),
        mandatory_reporter: Set(draft.mandatory_reporter),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    crate::audit::record(
        db,
        actor
            .event("organization.create")
            .on(Kind::Organization, unit.id)
            .with(json!({ "after": unit_summary(&unit) })),
    )
    .await?;
    Ok(unit)
}

/// Changes a unit of the caller's jurisdiction: its name or reporting duty.
pub async fn update_organization(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    change: OrganizationChange,
) -> ApiResult<organization::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = administered_unit(db, actor, id, None).await?;
    let mut row = organization::ActiveModel {
        id: Set(before.id),
        ..Default::default()
    };
    if let Some(name) = &change.name {
        row.name = Set(required_text("input.name", name, 100)?);
    }
    if let Some(duty) = change.mandatory_reporter {
        row.mandatory_reporter = Set(duty);
    }
    let after = organization::Entity::update(row).exec(db).await?;
    crate::audit::record(
        db,
        actor
            .event("organization.update")
            .on(Kind::Organization, id)
            .with(json!({ "before": unit_summary(&before), "after": unit_summary(&after) })),
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// The unit `id` when it serves the caller's jurisdiction, locked for the rest of the
/// transaction; else bad input in `field`, or, without one (the unit a mutation is about), not
/// found.
async fn administered_unit(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
    field: Option<&str>,
) -> ApiResult<organization::Model> {
    let refused = || match field {
        Some(field) => ApiError::bad_input(field, "no such unit in your jurisdiction"),
        None => ApiError::NotFound,
    };
    let Some(unit) = organization::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Err(refused());
    };
    let path = unit_region(db, unit.id).await?;
    if actor.policy.may_administer(actor.principal, &path) {
        Ok(unit)
    } else {
        Err(refused())
    }
}

/// The account `id` when the caller administers it, locked for the rest of the transaction
/// (so that it is not moved out of the jurisdiction meanwhile), else not found.
async fn administered_account(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<account::Model> {
    account::Entity::find_by_id(id)
        .filter(scope::administered_accounts(actor.policy, actor.principal))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The path of the region the unit `id` serves.
async fn unit_region(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<String> {
    let path = region::Entity::find()
        .filter(
            region::Column::Id.in_subquery(
                organization::Entity::find_by_id(id)
                    .select_only()
                    .column(organization::Column::RegionId)
                    .into_query(),
            ),
        )
        .one(db)
        .await?
        .map(|r| r.path)
        .ok_or_else(|| anyhow::anyhow!("unit {id} has no region"))?;
    Ok(path)
}

/// What an audit event keeps of an account: never its password hash.
fn summary(account: &account::Model) -> serde_json::Value {
    json!({
        "username": account.username,
        "displayName": account.display_name,
        "role": account.role,
        "organization": account.organization_id,
        "disabled": account.disabled,
    })
}

/// What an audit event keeps of a unit.
fn unit_summary(unit: &organization::Model) -> serde_json::Value {
    json!({
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "region": unit.region_id,
        "mandatoryReporter": unit.mandatory_reporter,
    })
}

/// Tells every instance that the account changed (its cached facts and live subscriptions).
async fn announce_change(work: &Work<'_>, id: Uuid) -> ApiResult<()> {
    work.announce(BusEvent::AccountChanged { account_id: id })
        .await
}

/// The account as committed.
async fn reread(store: Store<'_>, id: Uuid) -> ApiResult<account::Model> {
    account::Entity::find_by_id(id)
        .one(store.db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A fresh one-time password: four groups of four characters of [`ONE_TIME_ALPHABET`], some
/// 79 bits from the operating system's generator.
fn one_time_password() -> String {
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..4)
                .filter_map(|_| ONE_TIME_ALPHABET.choose(&mut rng).map(|&b| char::from(b)))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The password's argon2id hash, computed off the async threads.
async fn hash(password: &str) -> ApiResult<String> {
    let password = password.to_owned();
    Ok(
        tokio::task::spawn_blocking(move || password::hash(&password))
            .await
            .map_err(anyhow::Error::from)??,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_meet_the_password_policy_and_differ() {
        let first = one_time_password();
        assert_eq!(first.len(), 19);
        assert!(password::refusal(&first, "someone").is_none(), "{first}");
        assert_ne!(first, one_time_password());
    }
}
