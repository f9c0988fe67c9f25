//! Rate limits: sign-in attempts per client address, failed sign-ins per username, reports from
//! the public per client address, and requests per account, per client address (callers without
//! a token) and per client app.
//!
//! With `redis_url` set, every instance counts in Redis, so a limit holds for the deployment and
//! not per process: a fixed window per limit (`INCR` and `EXPIRE` in one transaction) and, for
//! failed sign-ins, a count and a wait per username. Without Redis, and whenever Redis does not
//! answer within [`REDIS_TIMEOUT`], each instance counts on its own (a leaky bucket per key with
//! the same rate): an outage degrades to the in-process limit, never to no limit and never to an
//! error for the caller.
//!
//! Failed sign-ins do not lock an account: after [`LoginConfig::free_failures`] attempts without
//! a successful one, each further attempt makes the username wait twice as long as the last
//! before the next (1 s, 2 s, 4 s… up to `max_delay_secs`); a successful sign-in clears the
//! count.

use std::{
    num::{NonZeroU32, NonZeroUsize},
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use lru::LruCache;
use redis::aio::ConnectionManager;

use crate::config::{LoginConfig, RequestLimits};

/// How long a Redis command may take before the instance counts on its own.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// How long the limits are counted locally, without asking Redis, after it failed: during an
/// outage one request in this long waits for Redis (up to [`REDIS_TIMEOUT`]), not every one.
pub const REDIS_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Usernames whose failures an instance remembers on its own.
const REMEMBERED_USERNAMES: NonZeroUsize = match NonZeroUsize::new(100_000) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Sign-in attempts from one client address.
    SignInAddress,
    /// Reports from the public from one client address.
    PublicReport,
    /// Requests of one account.
    Account,
    /// Requests without a token from one client address.
    Address,
    /// Requests of one client app, all callers together.
    App,
    /// Downloads of the ledger by one account.
    Export,
}

impl Bucket {
    const ALL: [Bucket; 6] = [
        Bucket::SignInAddress,
        Bucket::PublicReport,
        Bucket::Account,
        Bucket::Address,
        Bucket::App,
        Bucket::Export,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::SignInAddress => "sign-in-address",
            Self::PublicReport => "public-report",
            Self::Account => "account",
            Self::Address => "address",
            Self::App => "app",
            Self::Export => "export",
        }
    }
}

/// A refused attempt: the caller may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How long to wait.
    pub retry_after: Duration,
}

impl Refused {
    /// The wait in whole seconds, rounded up (`Retry-After`, `extensions.retryAfter`).
    pub fn seconds(&self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }
}

/// One limit: `count` per `window`, and the instance's own count of it.
struct Limit {
    count: u32,
    window: Duration,
    local: DefaultKeyedRateLimiter<String>,
    /// Takes counted locally, to prune `local` now and then.
    taken: AtomicU64,
}

impl Limit {
    fn new(count: u32, window: Duration) -> Option<Self> {
        let per = NonZeroU32::new(count)?;
        let quota = Quota::with_period(window / per.get())?.allow_burst(per);
        Some(Self {
            count,
            window,
            local: RateLimiter::keyed(quota),
            taken: AtomicU64::new(0),
        })
    }

    /// Takes one from the instance's own count; a refusal waits for the next one to come back.
    /// Every so often the keys whose allowance is whole again are forgotten.
    fn take_locally(&self, key: &str) -> Result<(), Refused> {
        if self.taken.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.local.retain_recent();
        }
        self.local.check_key(&key.to_owned()).map_err(|_| Refused {
            retry_after: self.window / self.count,
        })
    }
}

/// A username's failed sign-ins, as one instance counts them.
#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    not_before: Instant,
}

/// The rate limits of the deployment.
pub struct Throttle {
    redis: Option<ConnectionManager>,
    /// The prefix of every key in Redis.
    prefix: String,
    /// Whether the last Redis command failed (logged once per outage).
    degraded: AtomicBool,
    /// While degraded, when to ask Redis again: milliseconds after `since`.
    retry_at_ms: AtomicU64,
    since: Instant,
    limits: Vec<(Bucket, Limit)>,
    free_failures: u32,
    max_delay: Duration,
    failures: Mutex<LruCache<String, Failures>>,
}

impl Throttle {
    /// The limits of the settings, counted in Redis when `redis_url` is given (connected
    /// lazily: Redis need not be up when the service starts).
    pub fn new(
        login: &LoginConfig,
        requests: &RequestLimits,
        redis_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        let redis = redis_url
            .map(|url| {
                let client =
                    redis::Client::open(url).map_err(|e| anyhow::anyhow!("redis_url: {e}"))?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(REDIS_TIMEOUT))
                    .set_response_timeout(Some(REDIS_TIMEOUT))
                    .set_number_of_retries(1);
                ConnectionManager::new_lazy_with_config(client, config)
                    .map_err(|e| anyhow::anyhow!("redis_url: {e}"))
            })
            .transpose()?;
        let minute = Duration::from_secs(60);
        let limits = Bucket::ALL
            .into_iter()
            .filter_map(|bucket| {
                let (count, window) = match bucket {
                    Bucket::SignInAddress => (login.attempts_per_address_per_minute, minute),
                    Bucket::PublicReport => (
                        login.public_reports_per_address_per_hour,
                        Duration::from_secs(3600),
                    ),
                    Bucket::Account => (requests.per_account_per_minute, minute),
                    Bucket::Address => (requests.per_address_per_minute, minute),
                    Bucket::App => (requests.per_app_per_minute, minute),
                    Bucket::Export => (
                        requests.exports_per_account_per_hour,
                        Duration::from_secs(3600),
                    ),
                };
                Limit::new(count, window).map(|limit| (bucket, limit))
            })
            .collect();
        Ok(Self {
            redis,
            prefix: requests.redis_prefix.clone(),
            degraded: AtomicBool::new(false),
            retry_at_ms: AtomicU64::new(0),
            since: Instant::now(),
            limits,
            free_failures: login.free_failures,
            max_delay: Duration::from_secs(login.max_delay_secs),
            failures: Mutex::new(LruCache::new(REMEMBERED_USERNAMES)),
        })
    }

    /// Takes one from `key`'s allowance in `bucket` (a limit of 0 is no limit). A client
    /// address counts by its network where one client holds many: an IPv6 address by its /64.
    pub async fn take(&self, bucket: Bucket, key: &str) -> Result<(), Refused> {
        let Some((_, limit)) = self.limits.iter().find(|(b, _)| *b == bucket) else {
            return Ok(());
        };
        let network;
        let key = match bucket {
            Bucket::SignInAddress | Bucket::PublicReport | Bucket::Address => {
                network = client_network(key);
                network.as_str()
            }
            Bucket::Account | Bucket::App | Bucket::Export => key,
        };
        let window = limit.window.as_secs().max(1);
        if let Some(taken) = self
            .shared(|mut redis| async move {
                let now = unix_seconds();
                let slot = now / window;
                let name = format!("{}:rate:{}:{key}:{slot}", self.prefix, bucket.name());
                let (count,): (u32,) = redis::pipe()
                    .atomic()
                    .incr(&name, 1)
                    .expire(&name, i64::try_from(window).unwrap_or(i64::MAX))
                    .ignore()
                    .query_async(&mut redis)
                    .await?;
                Ok((count, Duration::from_secs((slot + 1) * window - now)))
            })
            .await
        {
            let (count, rest_of_window) = taken;
            return if count > limit.count {
                Err(Refused {
                    retry_after: rest_of_window,
                })
            } else {
                Ok(())
            };
        }
        limit.take_locally(key)
    }

    /// Takes a sign-in attempt for `username`, counted before the password is checked (so
    /// guesses sent at once are counted at once). Past the free attempts, one attempt per wait
    /// goes through and sets the next wait; the others are refused until it ends (and do not
    /// lengthen it). A successful sign-in clears the count ([`Throttle::signed_in`]).
    pub async fn attempt_sign_in(&self, username: &str) -> Result<(), Refused> {
        let key = self.failures_key(username);
        let free = self.free_failures;
        let max_delay = self.max_delay;
        let shared = self
            .shared(|mut redis| async move {
                let (count,): (u32,) = redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .expire(&key, 24 * 3600)
                    .ignore()
                    .query_async(&mut redis)
                    .await?;
                let wait = delay_after(count, free, max_delay);
                if wait.is_zero() {
                    return Ok(Ok(()));
                }
                let taken: Option<String> = redis::cmd("SET")
                    .arg(format!("{key}:wait"))
                    .arg(1)
                    .arg("PX")
                    .arg(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
                    .arg("NX")
                    .query_async(&mut redis)
                    .await?;
                if taken.is_some() {
                    return Ok(Ok(()));
                }
                // A refused attempt does not lengthen the wait.
                let (left,): (i64,) = redis::pipe()
                    .decr(&key, 1)
                    .ignore()
                    .cmd("PTTL")
                    .arg(format!("{key}:wait"))
                    .query_async(&mut redis)
                    .await?;
                Ok(Err(Refused {
                    retry_after: Duration::from_millis(u64::try_from(left).unwrap_or(1).max(1)),
                }))
            })
            .await;
        if let Some(decided) = shared {
            return decided;
        }
        let mut failures = self.local_failures();
        let now = Instant::now();
        let mut entry = failures.get(username).copied().unwrap_or(Failures {
            count: 0,
            not_before: now,
        });
        entry.count += 1;
        let wait = delay_after(entry.count, free, max_delay);
        if wait.is_zero() {
            failures.put(username.to_owned(), entry);
            return Ok(());
        }
        if entry.not_before > now {
            return Err(Refused {
                retry_after: entry.not_before - now,
            });
        }
        entry.not_before = now + wait;
        failures.put(username.to_owned(), entry);
        Ok(())
    }

    /// Clears `username`'s failures after a successful sign-in.
    pub async fn signed_in(&self, username: &str) {
        let key = self.failures_key(username);
        self.shared(|mut redis| async move {
            redis::cmd("DEL")
                .arg(&key)
                .arg(format!("{key}:wait"))
                .query_async::<()>(&mut redis)
                .await
        })
        .await;
        self.local_failures().pop(username);
    }

    /// The key of a username's attempts: by the hash of the name, so that no name can spell
    /// another's key (`alice:wait`).
    fn failures_key(&self, username: &str) -> String {
        format!(
            "{}:sign-in-attempts:{}",
            self.prefix,
            crate::trusted::hash(username)
        )
    }

    fn local_failures(&self) -> std::sync::MutexGuard<'_, LruCache<String, Failures>> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the limits are counted locally because Redis failed.
    pub fn degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs `command` on Redis: `None` without Redis, or when it fails or is slow, and for
    /// [`REDIS_RETRY_AFTER`] after a failure (the caller then counts locally).
    async fn shared<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let redis = self.redis.clone()?;
        let now = self.elapsed_ms();
        let retry_at = self.retry_at_ms.load(Ordering::Relaxed);
        // One caller per pause asks Redis again; the others count locally meanwhile.
        if self.degraded()
            && (now < retry_at
                || self
                    .retry_at_ms
                    .compare_exchange(
                        retry_at,
                        now + pause_ms(),
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err())
        {
            return None;
        }
        match tokio::time::timeout(REDIS_TIMEOUT, command(redis)).await {
            Ok(Ok(value)) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis answers again: rate limits are shared again");
                }
                Some(value)
            }
            failed => {
                self.retry_at_ms
                    .store(self.elapsed_ms() + pause_ms(), Ordering::Relaxed);
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    let error = match failed {
                        Ok(Err(error)) => error.to_string(),
                        _ => "no answer in time".to_owned(),
                    };
                    tracing::warn!(%error, "Redis fails: each instance limits on its own");
                }
                None
            }
        }
    }
}

fn pause_ms() -> u64 {
    u64::try_from(REDIS_RETRY_AFTER.as_millis()).unwrap_or(u64::MAX)
}

/// The wait after the `count`th failure in a row: none for the first `free`, then 1 s, 2 s, 4 s…
/// up to `max`.
fn delay_after(count: u32, free: u32, max: Duration) -> Duration {
    match count.checked_sub(free) {
        None | Some(0) => Duration::ZERO,
        Some(over) => Duration::from_secs(1u64 << (over - 1).min(30)).min(max),
    }
}

/// The key a client address counts under: an IPv4 address itself, an IPv6 address its /64 (the
/// least a site is given: one client may hold all of it).
fn client_network(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        _ => address.to_owned(),
    }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        assert_eq!(client_network("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            client_network("2001:db8:1:2:ffff::9"),
            client_network("2001:db8:1:2::5")
        );
        assert_eq!(client_network("203.0.113.5"), "203.0.113.5");
    }

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_most() {
        let max = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=13).map(|n| delay_after(n, 5, max).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]);
    }
}
