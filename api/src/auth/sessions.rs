//! What this instance knows about sessions and accounts, so that checking a token costs no
//! database read on the common path and a revocation bites at once.
//!
//! - Revoked sessions (refresh-token families): filled from the database at start (those revoked
//!   recently enough for one of their access tokens to be alive), then kept current through the
//!   event bus, so a logout on one instance is honoured by every other within the bus's delay.
//! - Live sessions: a token's session must exist in the database for its account (so a token
//!   made with the secret for a session that never was is refused); known once checked, for
//!   [`ACCOUNT_FRESHNESS`].
//! - Accounts as the database has them (role, organization, jurisdiction, token version,
//!   disabled): cached after the first read, dropped when the bus says the account changed, and
//!   read again after [`ACCOUNT_FRESHNESS`] in any case, so a change made behind the service's
//!   back (by hand in the database) is picked up within that time.
//!
//! Open subscriptions hear every revocation through [`Sessions::subscribe`] and close.

use std::{
    collections::HashMap,
    sync::RwLock,
    time::{Duration, Instant},
};

use chrono::{DateTime, TimeDelta, Utc};
use entity::enums::Role;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::domain::values::RegionPath;

/// How long a cached account is trusted without a word from the bus.
pub const ACCOUNT_FRESHNESS: Duration = Duration::from_secs(30);

/// An account's facts that decide what its requests may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFacts {
    /// Its organization.
    pub organization_id: Uuid,
    /// Its role.
    pub role: Role,
    /// The materialized path of its organization's region: its jurisdiction.
    pub region_path: RegionPath,
    /// Bumped to end every session of the account at once.
    pub token_version: i32,
    /// A disabled account signs in nowhere and its tokens are refused.
    pub disabled: bool,
}

/// A revocation, as open subscriptions hear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// One session (refresh-token family) ended.
    Session(Uuid),
    /// Something about the account changed (every session ended, disabled, role or
    /// organization changed): its sessions must be checked again.
    Account(Uuid),
}

/// Revoked sessions and cached accounts of this instance.
pub struct Sessions {
    revoked: RwLock<HashMap<Uuid, DateTime<Utc>>>,
    live: RwLock<HashMap<Uuid, (Uuid, Instant)>>,
    accounts: RwLock<HashMap<Uuid, (AccountFacts, Instant)>>,
    keep: TimeDelta,
    notices: broadcast::Sender<Revocation>,
}

impl Sessions {
    /// An empty set; revocations are kept for `keep` (the access-token lifetime and its leeway:
    /// no token of a session revoked longer ago can still be valid).
    pub fn new(keep: TimeDelta) -> Self {
        let (notices, _) = broadcast::channel(1024);
        Self {
            revoked: RwLock::default(),
            live: RwLock::default(),
            accounts: RwLock::default(),
            keep,
            notices,
        }
    }

    /// How long a revocation matters.
    pub fn keep(&self) -> TimeDelta {
        self.keep
    }

    /// Whether the session was revoked.
    pub fn is_revoked(&self, session: Uuid) -> bool {
        self.revoked
            .read()
            .map_or(true, |revoked| revoked.contains_key(&session))
    }

    /// Records that a session ended at `at`, and tells open subscriptions.
    pub fn revoke(&self, session: Uuid, at: DateTime<Utc>) {
        if let Ok(mut revoked) = self.revoked.write() {
            let horizon = at - self.keep;
            revoked.retain(|_, when| *when > horizon);
            revoked.insert(session, at);
        }
        if let Ok(mut live) = self.live.write() {
            live.remove(&session);
        }
        let _nobody_listening = self.notices.send(Revocation::Session(session));
    }

    /// Records sessions revoked before this instance started.
    pub fn load_revoked(&self, sessions: impl IntoIterator<Item = (Uuid, DateTime<Utc>)>) {
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.extend(sessions);
        }
    }

    /// Whether the session was seen alive, for this account, recently.
    pub fn is_live(&self, session: Uuid, account: Uuid) -> bool {
        self.live.read().is_ok_and(|live| {
            live.get(&session).is_some_and(|(owner, seen)| {
                *owner == account && seen.elapsed() < ACCOUNT_FRESHNESS
            })
        })
    }

    /// Records that the database holds the session, unrevoked, for this account.
    pub fn session_seen(&self, session: Uuid, account: Uuid) {
        if let Ok(mut live) = self.live.write() {
            live.insert(session, (account, Instant::now()));
        }
    }

    /// The cached facts of an account, while fresh.
    pub fn account(&self, account: Uuid) -> Option<AccountFacts> {
        let accounts = self.accounts.read().ok()?;
        let (facts, read_at) = accounts.get(&account)?;
        (read_at.elapsed() < ACCOUNT_FRESHNESS).then(|| facts.clone())
    }

    /// Caches an account's facts as just read from the database.
    pub fn remember(&self, account: Uuid, facts: AccountFacts) {
        if let Ok(mut accounts) = self.accounts.write() {
            accounts.insert(account, (facts, Instant::now()));
        }
    }

    /// Forgets what is cached of an account (it changed), and tells open subscriptions.
    pub fn account_changed(&self, account: Uuid) {
        if let Ok(mut accounts) = self.accounts.write() {
            accounts.remove(&account);
        }
        let _nobody_listening = self.notices.send(Revocation::Account(account));
    }

    /// Forgets every cached account (after the bus lost its connection, when changes may have
    /// been missed), and has open subscriptions check themselves again.
    pub fn forget_accounts(&self) {
        if let Ok(mut live) = self.live.write() {
            live.clear();
        }
        let accounts: Vec<Uuid> = match self.accounts.write() {
            Ok(mut accounts) => accounts.drain().map(|(id, _)| id).collect(),
            Err(_) => Vec::new(),
        };
        for account in accounts {
            let _nobody_listening = self.notices.send(Revocation::Account(account));
        }
    }

    /// Every revocation from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.notices.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> AccountFacts {
        AccountFacts {
            organization_id: Uuid::nil(),
            role: Role::Teacher,
            region_path: RegionPath::from("6527".to_owned()),
            token_version: 0,
            disabled: false,
        }
    }

    #[test]
    fn a_revoked_session_is_known_and_announced() {
        let sessions = Sessions::new(TimeDelta::minutes(15));
        let mut heard = sessions.subscribe();
        let session = Uuid::now_v7();
        assert!(!sessions.is_revoked(session));
        sessions.revoke(session, Utc::now());
        assert!(sessions.is_revoked(session));
        assert_eq!(heard.try_recv().unwrap(), Revocation::Session(session));
    }

    #[test]
    fn old_revocations_are_dropped_once_no_token_can_outlive_them() {
        let sessions = Sessions::new(TimeDelta::minutes(15));
        let old = Uuid::now_v7();
        let now = Utc::now();
        sessions.load_revoked([(old, now - TimeDelta::minutes(20))]);
        assert!(sessions.is_revoked(old));
        sessions.revoke(Uuid::now_v7(), now);
        assert!(!sessions.is_revoked(old));
    }

    #[test]
    fn a_revoked_session_is_no_longer_live() {
        let sessions = Sessions::new(TimeDelta::minutes(15));
        let (session, account) = (Uuid::now_v7(), Uuid::now_v7());
        sessions.session_seen(session, account);
        assert!(sessions.is_live(session, account));
        assert!(!sessions.is_live(session, Uuid::now_v7()));
        sessions.revoke(session, Utc::now());
        assert!(!sessions.is_live(session, account));
    }

    #[test]
    fn a_changed_account_is_read_again() {
        let sessions = Sessions::new(TimeDelta::minutes(15));
        let account = Uuid::now_v7();
        sessions.remember(account, facts());
        assert_eq!(sessions.account(account), Some(facts()));
        sessions.account_changed(account);
        assert_eq!(sessions.account(account), None);
    }
}
