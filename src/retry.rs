//! Retry policy (urllib3's Retry, simplified): which outcomes are retried, and when.
//!
//! Pure logic: `Attempts::next` looks at the outcome of a hop and says when to run it again,
//! or None to keep the outcome. The client sets `Flow.not_before` from it.

use crate::error::{Code, Result};
use crate::util::parse_http_date;
use crate::received::Received;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Methods retried by default: the idempotent ones (urllib3's DEFAULT_ALLOWED_METHODS).
pub const DEFAULT_METHODS: [&str; 6] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"];
/// Statuses retried when they carry Retry-After, even if not listed (urllib3's rule).
pub(crate) const RETRY_AFTER_STATUSES: [u32; 3] = [413, 429, 503];
/// Longest backoff between two attempts (urllib3's DEFAULT_BACKOFF_MAX).
pub const BACKOFF_MAX: Duration = Duration::from_secs(120);
/// A Retry-After longer than this is not waited for: the response comes back as is.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(300);

/// A session's retry settings. The default makes no retries (as requests' HTTPAdapter).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub total: u32,
    /// Seconds; the n-th retry waits about factor * 2^(n-1), with jitter, at most BACKOFF_MAX.
    pub backoff_factor: f64,
    /// Statuses retried (besides 413/429/503 with Retry-After).
    pub statuses: Vec<u32>,
    /// Upper-case methods that may be retried.
    pub methods: Vec<String>,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            total: 0,
            backoff_factor: 0.0,
            statuses: Vec::new(),
            methods: DEFAULT_METHODS.iter().map(|m| m.to_string()).collect(),
        }
    }
}

/// The retry state of one request.
#[derive(Debug, Clone)]
pub struct Attempts {
    left: u32,
    done: u32,
}

impl Attempts {
    /// `total` overrides the policy's when Some (a request's own setting).
    pub fn new(policy: &RetryPolicy, total: Option<u32>) -> Attempts {
        Attempts { left: total.unwrap_or(policy.total), done: 0 }
    }

    /// Retries made so far.
    pub fn done(&self) -> u32 {
        self.done
    }

    /// When to run the hop again after `outcome`, or None to keep it. A retry that could not
    /// start before `deadline` is not made.
    pub fn next(&mut self, policy: &RetryPolicy, method: &str, outcome: &Result<Received>, deadline: Option<Instant>) -> Option<Instant> {
        if self.left == 0 || !policy.methods.iter().any(|m| m == method) {
            return None;
        }
        let retry_after = match outcome {
            Err(err) => {
                if !retryable_error(err.code) {
                    return None;
                }
                None
            }
            Ok(exchange) => {
                let retry_after = exchange
                    .header_values("Retry-After")
                    .next()
                    .and_then(|v| parse_retry_after(std::str::from_utf8(v).ok()?, SystemTime::now()));
                let listed = policy.statuses.contains(&exchange.status);
                let by_header = retry_after.is_some() && RETRY_AFTER_STATUSES.contains(&exchange.status);
                if !listed && !by_header {
                    return None;
                }
                retry_after
            }
        };
        let delay = match retry_after {
            Some(after) if after > RETRY_AFTER_MAX => return None,
            Some(after) => after,
            None => backoff(policy.backoff_factor, self.done + 1, random_unit()),
        };
        let at = Instant::now() + delay;
        if deadline.is_some_and(|d| at >= d) {
            return None;
        }
        self.left -= 1;
        self.done += 1;
        Some(at)
    }
}

/// Transport failures worth another attempt (the request may not have been processed, or
/// the method is idempotent anyway).
fn retryable_error(code: Code) -> bool {
    matches!(code, Code::SESSION_E_CONNECT | Code::SESSION_E_RESOLVE | Code::SESSION_E_TIMEOUT | Code::SESSION_E_PROXY)
}

/// The wait before retry number `n` (1-based): factor * 2^(n-1) capped at BACKOFF_MAX, then
/// "equal jitter": between half and all of it, `unit` in [0, 1) choosing where.
pub fn backoff(factor: f64, n: u32, unit: f64) -> Duration {
    if factor.is_nan() || factor <= 0.0 {
        return Duration::ZERO;
    }
    let base = (factor * 2f64.powi(n.saturating_sub(1).min(62) as i32)).min(BACKOFF_MAX.as_secs_f64());
    Duration::from_secs_f64(base * (0.5 + 0.5 * unit.clamp(0.0, 1.0)))
}

/// A number in [0, 1) from the standard library's random hash keys (seeded per process,
/// bumped per call) mixed with the clock.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Retry-After as a delay from `now`: delta-seconds or an HTTP-date (a date in the past
/// means no wait).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = UNIX_EPOCH + Duration::from_secs(parse_http_date(value)?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn status(code: u32, retry_after: Option<&str>) -> Result<Received> {
        let mut exchange = Received { status: code, ..Received::default() };
        if let Some(v) = retry_after {
            exchange.headers.push(b"Retry-After", v.as_bytes());
        }
        Ok(exchange)
    }

    fn policy(total: u32, statuses: &[u32]) -> RetryPolicy {
        RetryPolicy { total, statuses: statuses.to_vec(), ..RetryPolicy::default() }
    }

    #[test]
    fn http_dates_parse_in_all_three_formats() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784111777));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784111777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1835438400));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784111777);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_cap() {
        assert_eq!(backoff(0.0, 3, 0.5), Duration::ZERO);
        assert_eq!(backoff(0.1, 1, 1.0), Duration::from_secs_f64(0.1));
        assert_eq!(backoff(0.1, 1, 0.0), Duration::from_secs_f64(0.05));
        assert_eq!(backoff(0.1, 3, 1.0), Duration::from_secs_f64(0.4));
        assert_eq!(backoff(10.0, 40, 1.0), BACKOFF_MAX);
        let draws: Vec<f64> = (0..16).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(draws.windows(2).any(|w| w[0] != w[1]), "jitter varies: {draws:?}");
    }

    #[test]
    fn only_listed_statuses_and_allowed_methods_retry() {
        let p = policy(2, &[502]);
        let mut a = Attempts::new(&p, None);
        assert!(a.next(&p, "GET", &status(500, None), None).is_none());
        assert!(a.next(&p, "POST", &status(502, None), None).is_none());
        assert!(a.next(&p, "GET", &status(502, None), None).is_some());
        assert!(a.next(&p, "GET", &status(502, None), None).is_some());
        assert!(a.next(&p, "GET", &status(502, None), None).is_none(), "total exhausted");
        assert_eq!(a.done(), 2);
    }

    #[test]
    fn retry_after_statuses_retry_unlisted_and_wait() {
        let p = policy(1, &[]);
        let mut a = Attempts::new(&p, None);
        assert!(a.next(&p, "GET", &status(503, None), None).is_none(), "no header, not listed");
        let at = a.next(&p, "GET", &status(429, Some("2")), None).unwrap();
        assert!(at >= Instant::now() + Duration::from_millis(1900));
        let mut b = Attempts::new(&p, None);
        assert!(b.next(&p, "GET", &status(503, Some("100000")), None).is_none(), "over RETRY_AFTER_MAX");
    }

    #[test]
    fn deadline_and_overrides_and_errors() {
        let p = policy(3, &[503]);
        let soon = Some(Instant::now() + Duration::from_secs(1));
        let mut a = Attempts::new(&p, None);
        assert!(a.next(&p, "GET", &status(503, Some("5")), soon).is_none(), "past the deadline");
        assert!(Attempts::new(&p, Some(0)).next(&p, "GET", &status(503, None), None).is_none());
        let refused: Result<Received> = Err(Error::new(Code::SESSION_E_CONNECT, "refused"));
        assert!(a.next(&p, "GET", &refused, None).is_some());
        let tls: Result<Received> = Err(Error::new(Code::SESSION_E_TLS, "bad cert"));
        assert!(a.next(&p, "GET", &tls, None).is_none());
        assert!(Attempts::new(&RetryPolicy::default(), None).next(&RetryPolicy::default(), "GET", &refused, None).is_none());
    }
}
