//! Accounts: signing in, token rotation, signing out, and the principal behind a token.

use chrono::{DateTime, Utc};
use entity::{account, enums::Role, organization, refresh_token, region};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    audit::{self, AuditRecord, MacKey},
    auth::{
        Principal, RequestMeta, password,
        sessions::{AccountFacts, Sessions},
        throttle::{Bucket, Throttle},
        token::{self, AccessSubject, Claims, TokenService},
    },
    clock::Clock,
    domain::kind::Kind,
    domain::values::RegionPath,
    domain::work::Store,
    error::{ApiError, ApiResult},
    events::{BusEvent, EventBus},
    policy::Policy,
};

/// What signing in, refreshing and signing out need of the running service.
pub struct Accounts<'a> {
    /// The database.
    pub db: &'a DatabaseConnection,
    /// The current time.
    pub clock: &'a dyn Clock,
    /// Sign-in throttling.
    pub throttle: &'a Throttle,
    /// The audit trail's MAC key.
    pub mac: &'a MacKey,
    /// Issues access tokens.
    pub tokens: &'a TokenService,
    /// Revoked sessions and cached accounts.
    pub sessions: &'a Sessions,
    /// Where session revocations are announced.
    pub events: &'a EventBus,
}

impl Accounts<'_> {
    /// Where sign-in's units of work open.
    fn store(&self) -> Store<'_> {
        Store {
            db: self.db,
            events: self.events,
        }
    }
}

/// Tokens handed out at sign-in and on refresh.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The account signed in.
    pub account: account::Model,
    /// The short-lived JWT.
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// The opaque refresh token (shown once; only its hash is kept).
    pub refresh_token: String,
    /// When it expires.
    pub refresh_expires_at: DateTime<Utc>,
}

/// Checks a username and password. Unknown usernames, wrong passwords and disabled accounts get
/// the same answer in the same time; the reason goes to the audit trail only.
pub async fn login(
    accounts: &Accounts<'_>,
    username: &str,
    password_attempt: &str,
    meta: &RequestMeta,
) -> ApiResult<IssuedTokens> {
    let now = accounts.clock.now();
    let username = username.trim().to_lowercase();
    let account = check_password(
        accounts,
        &username,
        password_attempt,
        meta,
        Checking::SignIn,
    )
    .await?;
    if account.must_change_password {
        audit::record(
            accounts.db,
            AuditRecord::new(accounts.mac, "login.password_change_required", now, None)
                .from_request(meta)
                .on(Kind::Account, account.id)
                .with(json!({ "address": meta.client_address })),
        )
        .await?;
        return Err(ApiError::PasswordChangeRequired);
    }

    let work = accounts.store().begin().await?;
    let session = Uuid::now_v7();
    let refresh = insert_refresh_token(work.db(), accounts, account.id, session, now).await?;
    audit::record(
        work.db(),
        AuditRecord::new(accounts.mac, "login", now, None)
            .from_request(meta)
            .on(Kind::Account, account.id)
            .with(json!({ "address": meta.client_address })),
    )
    .await?;
    let tokens = issue(accounts, account, session, refresh, now)?;
    work.commit().await?;
    accounts.throttle.signed_in(&username).await;
    Ok(tokens)
}

/// What a password is checked for, which names its audit events.
#[derive(Debug, Clone, Copy)]
enum Checking {
    SignIn,
    PasswordChange,
}

impl Checking {
    /// The event of an attempt the throttle refused.
    fn throttled(self) -> &'static str {
        match self {
            Self::SignIn => "login.throttled",
            Self::PasswordChange => "password_change.throttled",
        }
    }

    /// The event of an attempt refused for its username or password.
    fn failed(self) -> &'static str {
        match self {
            Self::SignIn => "login.failed",
            Self::PasswordChange => "password_change.failed",
        }
    }
}

/// The enabled account `username` (trimmed, in lower case) when `attempt` is its password,
/// within the sign-in throttle: an unknown username, a wrong password, a disabled account and
/// an expired one-time password all answer `UNAUTHENTICATED` in the same time, the reason
/// going to the audit trail only.
async fn check_password(
    accounts: &Accounts<'_>,
    username: &str,
    attempt: &str,
    meta: &RequestMeta,
    checking: Checking,
) -> ApiResult<account::Model> {
    let now = accounts.clock.now();
    let allowed = match accounts
        .throttle
        .take(Bucket::SignInAddress, &meta.client_address)
        .await
    {
        Ok(()) => accounts.throttle.attempt_sign_in(username).await,
        refused => refused,
    };
    if let Err(refused) = allowed {
        audit::record(
            accounts.db,
            AuditRecord::new(accounts.mac, checking.throttled(), now, None)
                .from_request(meta)
                .with(json!({ "username": username, "address": meta.client_address })),
        )
        .await?;
        return Err(ApiError::RateLimited {
            retry_after_secs: Some(refused.seconds()),
        });
    }
    let found = account::Entity::find()
        .filter(account::Column::Username.eq(username))
        .one(accounts.db)
        .await?;
    let stored_hash = found
        .as_ref()
        .map_or(password::DECOY_HASH.as_str(), |a| a.password_hash.as_str())
        .to_owned();
    let attempt = attempt.to_owned();
    let matches = tokio::task::spawn_blocking(move || password::verify(&attempt, &stored_hash))
        .await
        .map_err(anyhow::Error::from)?;
    let refusal = match &found {
        None => Some("unknown username"),
        Some(_) if !matches => Some("wrong password"),
        Some(a) if a.disabled => Some("account disabled"),
        Some(a) if one_time_expired(a, now) => Some("one-time password expired"),
        Some(_) => None,
    };
    match (found, refusal) {
        (Some(account), None) => Ok(account),
        (found, reason) => {
            let mut event = AuditRecord::new(accounts.mac, checking.failed(), now, None)
                .from_request(meta)
                .with(json!({ "username": username, "reason": reason, "address": meta.client_address }));
            if let Some(account) = &found {
                event = event.on(Kind::Account, account.id);
            }
            audit::record(accounts.db, event).await?;
            Err(ApiError::Unauthenticated)
        }
    }
}

/// A username as stored: trimmed, lower case, 3 to 64 of a-z, 0-9, `.`, `_`, `-`.
pub(crate) fn username(text: &str) -> ApiResult<String> {
    let name = text.trim().to_lowercase();
    let length = name.chars().count();
    if !(3..=64).contains(&length)
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::bad_input(
            "input.username",
            "must be 3 to 64 of a-z, 0-9, '.', '_' and '-'",
        ));
    }
    Ok(name)
}

/// Changes a password, given the account's username and current password (its own, or a
/// one-time password an administrator set) as sign-in takes them, and a new one that meets
/// the password policy ([`password::refusal`]). Every session of the account ends; the one
/// this starts is answered, so the device that changed it stays signed in.
pub async fn change_password(
    accounts: &Accounts<'_>,
    username: &str,
    current: &str,
    new: &str,
    meta: &RequestMeta,
) -> ApiResult<IssuedTokens> {
    let now = accounts.clock.now();
    let username = username.trim().to_lowercase();
    let account =
        check_password(accounts, &username, current, meta, Checking::PasswordChange).await?;
    if let Some(why) = password::refusal(new, &username) {
        return Err(ApiError::bad_input("input.newPassword", why));
    }
    if new == current {
        return Err(ApiError::bad_input(
            "input.newPassword",
            "must differ from the current password",
        ));
    }
    let new = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(anyhow::Error::from)??;

    let work = accounts.store().begin().await?;
    let db = work.db();
    // Only the account as it was checked: a reset, a disabling or another change committed
    // meanwhile is not overwritten.
    let changed = account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .col_expr(account::Column::MustChangePassword, Expr::value(false))
        .col_expr(account::Column::PasswordSetAt, Expr::value(Some(now)))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(account.id))
        .filter(account::Column::PasswordHash.eq(&account.password_hash))
        .filter(account::Column::TokenVersion.eq(account.token_version))
        .filter(account::Column::Disabled.eq(false))
        .exec(db)
        .await?;
    if changed.rows_affected != 1 {
        return Err(ApiError::Unauthenticated);
    }
    end_every_session(db, account.id, now).await?;
    let account = account::Entity::find_by_id(account.id)
        .one(db)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let session = Uuid::now_v7();
    let refresh = insert_refresh_token(db, accounts, account.id, session, now).await?;
    audit::record(
        db,
        AuditRecord::new(accounts.mac, "account.password_change", now, None)
            .from_request(meta)
            .on(Kind::Account, account.id)
            .with(json!({ "address": meta.client_address })),
    )
    .await?;
    work.announce(BusEvent::AccountChanged {
        account_id: account.id,
    })
    .await?;
    let tokens = issue(accounts, account, session, refresh, now)?;
    work.commit().await?;
    accounts.sessions.account_changed(tokens.account.id);
    accounts.throttle.signed_in(&username).await;
    Ok(tokens)
}

/// How long a one-time password (set by an administrator) works.
pub const ONE_TIME_PASSWORD_TTL: chrono::TimeDelta = chrono::TimeDelta::hours(72);

/// Whether the account's password is a one-time password set longer than
/// [`ONE_TIME_PASSWORD_TTL`] ago.
fn one_time_expired(account: &account::Model, now: DateTime<Utc>) -> bool {
    account.must_change_password
        && account
            .password_set_at
            .is_none_or(|set| now - set > ONE_TIME_PASSWORD_TTL)
}

/// Exchanges a refresh token for a new pair. A token already exchanged or revoked is a sign of
/// theft: the whole family it belongs to is revoked and the caller must sign in again.
pub async fn refresh(
    accounts: &Accounts<'_>,
    presented: &str,
    meta: &RequestMeta,
) -> ApiResult<IssuedTokens> {
    let now = accounts.clock.now();
    let work = accounts.store().begin().await?;
    let txn = work.db();
    let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token::hash_refresh_token(presented)))
        .one(txn)
        .await?
    else {
        return Err(ApiError::Unauthenticated);
    };
    if stored.used_at.is_some() || stored.revoked_at.is_some() {
        revoke_family(txn, stored.family_id, now).await?;
        audit::record(
            txn,
            AuditRecord::new(accounts.mac, "token.reuse", now, None)
                .from_request(meta)
                .on(Kind::Account, stored.account_id)
                .with(json!({ "family": stored.family_id, "address": meta.client_address })),
        )
        .await?;
        work.announce(BusEvent::SessionRevoked {
            session_id: stored.family_id,
            at: now,
        })
        .await?;
        work.commit().await?;
        accounts.sessions.revoke(stored.family_id, now);
        return Err(ApiError::Unauthenticated);
    }
    if stored.expires_at <= now {
        return Err(ApiError::Unauthenticated);
    }
    let account = account::Entity::find_by_id(stored.account_id)
        .one(txn)
        .await?
        .filter(|a| !a.disabled)
        .ok_or(ApiError::Unauthenticated)?;
    // Conditional on still being unused, so two concurrent refreshes cannot both win.
    let marked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(ApiError::Unauthenticated);
    }
    let refresh = insert_refresh_token(txn, accounts, account.id, stored.family_id, now).await?;
    let tokens = issue(accounts, account, stored.family_id, refresh, now)?;
    work.commit().await?;
    Ok(tokens)
}

/// Signs out: revokes the session of the given refresh token (which must be the caller's), or
/// without one the session of the access token in use, and with `everywhere` every refresh
/// token and every access token of the account.
pub async fn logout(
    accounts: &Accounts<'_>,
    principal: &Principal,
    presented: Option<&str>,
    everywhere: bool,
    meta: &RequestMeta,
) -> ApiResult<()> {
    let now = accounts.clock.now();
    let work = accounts.store().begin().await?;
    let txn = work.db();
    let family = match presented {
        Some(presented) => {
            let stored = refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(token::hash_refresh_token(presented)))
                .filter(refresh_token::Column::AccountId.eq(principal.account_id))
                .one(txn)
                .await?
                .ok_or(ApiError::NotFound)?;
            revoke_family(txn, stored.family_id, now).await?;
            Some(stored.family_id)
        }
        None => {
            revoke_family(txn, principal.session_id, now).await?;
            Some(principal.session_id)
        }
    };
    if everywhere {
        end_every_session(txn, principal.account_id, now).await?;
    }
    audit::record(
        txn,
        AuditRecord::new(accounts.mac, "logout", now, None)
            .from_request(meta)
            .by(principal)
            .on(Kind::Account, principal.account_id)
            .with(json!({ "everywhere": everywhere })),
    )
    .await?;
    if let Some(family) = family {
        work.announce(BusEvent::SessionRevoked {
            session_id: family,
            at: now,
        })
        .await?;
    }
    if everywhere {
        work.announce(BusEvent::AccountChanged {
            account_id: principal.account_id,
        })
        .await?;
    }
    work.commit().await?;
    if let Some(family) = family {
        accounts.sessions.revoke(family, now);
    }
    if everywhere {
        accounts.sessions.account_changed(principal.account_id);
    }
    Ok(())
}

/// Disables or enables an account (the `shouhu account disable` command), in one unit of
/// work that announces the change, so every instance refuses the account's tokens at once.
/// Disabling ends every session of the account.
pub async fn set_disabled(
    store: Store<'_>,
    mac: &MacKey,
    username: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> ApiResult<account::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let found = account::Entity::find()
        .filter(account::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("username", "no account with this username"))?;
    write_disabled(db, found.id, disabled, now).await?;
    audit::record(
        db,
        AuditRecord::new(
            mac,
            if disabled {
                "account.disable"
            } else {
                "account.enable"
            },
            now,
            None,
        )
        .on(Kind::Account, found.id),
    )
    .await?;
    work.announce(BusEvent::AccountChanged {
        account_id: found.id,
    })
    .await?;
    work.commit().await?;
    Ok(found)
}

/// Disables or enables the account `id`; disabling ends every session of it. The caller audits
/// and announces the change (`shouhu account disable`, `disableAccount`).
pub(crate) async fn write_disabled(
    db: &impl ConnectionTrait,
    id: Uuid,
    disabled: bool,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    account::Entity::update_many()
        .col_expr(account::Column::Disabled, Expr::value(disabled))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(id))
        .exec(db)
        .await?;
    if disabled {
        end_every_session(db, id, now).await?;
    }
    Ok(())
}

/// Revokes every refresh token of the account and bumps its token version, which refuses every
/// access token issued before.
pub(crate) async fn end_every_session(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::AccountId.eq(account_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    account::Entity::update_many()
        .col_expr(
            account::Column::TokenVersion,
            Expr::col(account::Column::TokenVersion).add(1),
        )
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Keeps this instance's [`Sessions`] current from the bus: revocations and account changes
/// published by any instance, and after the bus's listener (re)connected, the revocations it
/// may have missed. Runs until the bus closes.
pub async fn follow_revocations(
    db: DatabaseConnection,
    sessions: std::sync::Arc<Sessions>,
    events: EventBus,
    clock: std::sync::Arc<dyn Clock>,
) {
    let mut heard = events.subscribe();
    loop {
        match heard.recv().await {
            Ok(BusEvent::SessionRevoked { session_id, at }) => sessions.revoke(session_id, at),
            Ok(BusEvent::AccountChanged { account_id }) => sessions.account_changed(account_id),
            Ok(BusEvent::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                sessions.forget_accounts();
                if let Err(err) = load_revoked(&db, &sessions, clock.now()).await {
                    tracing::error!(error = ?err, "reloading revoked sessions");
                }
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Fills [`Sessions`] with the sessions revoked recently enough for one of their access tokens
/// to be alive.
pub async fn load_revoked(
    db: &impl ConnectionTrait,
    sessions: &Sessions,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let rows = refresh_token::Entity::find()
        .filter(refresh_token::Column::RevokedAt.gt(now - sessions.keep()))
        .all(db)
        .await?;
    sessions.load_revoked(
        rows.into_iter()
            .filter_map(|row| row.revoked_at.map(|at| (row.family_id, at))),
    );
    Ok(())
}

/// The principal behind verified claims: the session one the database holds for the account and
/// not revoked, the account enabled and its token version unchanged. Role, organization and jurisdiction are the account's as the
/// database has them (cached in `sessions`), never the token's.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    sessions: &Sessions,
    claims: &Claims,
) -> ApiResult<Option<Principal>> {
    if sessions.is_revoked(claims.sid) {
        return Ok(None);
    }
    if !sessions.is_live(claims.sid, claims.sub) {
        let exists = refresh_token::Entity::find()
            .filter(refresh_token::Column::FamilyId.eq(claims.sid))
            .filter(refresh_token::Column::AccountId.eq(claims.sub))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .one(db)
            .await?
            .is_some();
        if !exists {
            return Ok(None);
        }
        sessions.session_seen(claims.sid, claims.sub);
    }
    let facts = match sessions.account(claims.sub) {
        Some(facts) => facts,
        None => {
            let Some(facts) = read_facts(db, claims.sub).await? else {
                return Ok(None);
            };
            sessions.remember(claims.sub, facts.clone());
            facts
        }
    };
    if facts.disabled || facts.token_version != claims.tv {
        return Ok(None);
    }
    Ok(Some(Principal {
        account_id: claims.sub,
        organization_id: facts.organization_id,
        role: facts.role,
        region_path: facts.region_path,
        session_id: claims.sid,
    }))
}

/// The principal of the enabled account `username`, acting outside any request and session
/// (the command line's offline work, which acts as an account so that its policy applies).
pub async fn principal_of(
    db: &impl ConnectionTrait,
    username: &str,
) -> ApiResult<Option<Principal>> {
    let Some(account) = account::Entity::find()
        .filter(account::Column::Username.eq(username))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(facts) = read_facts(db, account.id).await? else {
        return Ok(None);
    };
    Ok((!facts.disabled).then(|| Principal {
        account_id: account.id,
        organization_id: facts.organization_id,
        role: facts.role,
        region_path: facts.region_path,
        session_id: Uuid::now_v7(),
    }))
}

async fn read_facts(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> ApiResult<Option<AccountFacts>> {
    let Some(account) = account::Entity::find_by_id(account_id).one(db).await? else {
        return Ok(None);
    };
    let region_path = jurisdiction_path(db, account.organization_id).await?;
    Ok(Some(AccountFacts {
        organization_id: account.organization_id,
        role: account.role,
        region_path,
        token_version: account.token_version,
        disabled: account.disabled,
    }))
}

/// An account the caller may see (`may_read_account`).
pub async fn find(
    db: &impl ConnectionTrait,
    policy: &Policy,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Option<account::Model>> {
    let Some(account) = account::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    // One's own account (`me`, on every client's start) needs no look at its unit.
    if principal.account_id == id {
        return Ok(Some(account));
    }
    let unit_region = jurisdiction_path(db, account.organization_id).await?;
    Ok(policy
        .may_read_account(principal, id, unit_region.as_str())
        .then_some(account))
}

/// An account to create.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    /// Login name (stored in lower case).
    pub username: &'a str,
    /// Name shown to colleagues.
    pub display_name: &'a str,
    /// The password, as the password policy allows ([`password::refusal`]).
    pub password: &'a str,
    /// Its role.
    pub role: Role,
    /// The code of its organization.
    pub organization_code: &'a str,
}

/// Creates an account (the `shouhu account create` command, for a deployment's first
/// administrator), with its audit event; pass a transaction.
pub async fn create(
    db: &impl ConnectionTrait,
    mac: &MacKey,
    new: NewAccount<'_>,
    now: DateTime<Utc>,
) -> ApiResult<account::Model> {
    let NewAccount {
        username,
        display_name,
        password: password_plain,
        role,
        organization_code,
    } = new;
    let username = &self::username(username)?;
    if let Some(why) = password::refusal(password_plain, username) {
        return Err(ApiError::bad_input("password", why));
    }
    let organization = organization::Entity::find()
        .filter(organization::Column::Code.eq(organization_code))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("organization", "no organization with this code"))?;
    let hash = password::hash(password_plain)?;
    let model = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username.clone()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(hash),
        role: Set(role),
        organization_id: Set(organization.id),
        disabled: Set(false),
        token_version: Set(0),
        must_change_password: Set(false),
        password_set_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let created = account::Entity::insert(model)
        .exec_with_returning(db)
        .await?;
    audit::record(
        db,
        AuditRecord::new(mac, "account.create", now, None)
            .on(Kind::Account, created.id)
            .with(json!({ "username": created.username, "role": created.role, "organization": organization.id })),
    )
    .await?;
    Ok(created)
}

fn issue(
    accounts: &Accounts<'_>,
    account: account::Model,
    session_id: Uuid,
    (refresh_token, refresh_expires_at): (String, DateTime<Utc>),
    now: DateTime<Utc>,
) -> ApiResult<IssuedTokens> {
    let (access_token, access_expires_at) = accounts.tokens.issue(
        &AccessSubject {
            account_id: account.id,
            session_id,
            token_version: account.token_version,
        },
        now,
    )?;
    Ok(IssuedTokens {
        account,
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
    })
}

async fn jurisdiction_path(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> ApiResult<RegionPath> {
    let organization = organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account's organization {organization_id} is missing"))?;
    let region = region::Entity::find_by_id(organization.region_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "organization's region {} is missing",
                organization.region_id
            )
        })?;
    Ok(RegionPath::from(region.path))
}

async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    accounts: &Accounts<'_>,
    account_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<(String, DateTime<Utc>)> {
    let token = token::new_refresh_token();
    let expires_at = now + accounts.tokens.refresh_ttl();
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        family_id: Set(family_id),
        token_hash: Set(token::hash_refresh_token(&token)),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok((token, expires_at))
}

async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::username;

    #[test]
    fn usernames_are_lower_case_and_plain() {
        assert_eq!(username("  Zhang.Wei_2 ").unwrap(), "zhang.wei_2");
        for bad in ["ab", "张伟", "zhang wei", "a@b.cn", &"x".repeat(65)] {
            assert!(username(bad).is_err(), "{bad}");
        }
    }
}
