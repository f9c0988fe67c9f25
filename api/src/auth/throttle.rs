//! Sign-in throttling per username and per client address.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LoginConfig;

/// Two keyed limiters for sign-in (per username, per client address; both must allow an
/// attempt) and one for reports from the public (per client address).
pub struct LoginThrottle {
    per_username: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
    public_reports: DefaultKeyedRateLimiter<String>,
}

impl LoginThrottle {
    /// Builds the limiters from the settings; a zero quota is read as one.
    pub fn new(config: &LoginConfig) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            per_username: RateLimiter::keyed(quota(config.attempts_per_username_per_minute)),
            per_address: RateLimiter::keyed(quota(config.attempts_per_address_per_minute)),
            public_reports: RateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(config.public_reports_per_address_per_hour)
                    .unwrap_or(NonZeroU32::MIN),
            )),
        }
    }

    /// Takes one attempt from both budgets; false when either is spent.
    pub fn allow(&self, username: &str, address: &str) -> bool {
        let by_name = self
            .per_username
            .check_key(&username.to_lowercase())
            .is_ok();
        let by_address = self.per_address.check_key(&address.to_owned()).is_ok();
        by_name && by_address
    }
}

impl LoginThrottle {
    /// Takes one public report from the address's budget; false when it is spent.
    pub fn allow_public_report(&self, address: &str) -> bool {
        self.public_reports.check_key(&address.to_owned()).is_ok()
    }
}
