//! What happens to a request before the application sees it: which version serves it (a
//! canary takes its share of the traffic), the rate limit on sign-in, and the faults a drill
//! injected. Everything is deterministic, so that a drill fails the same way every time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::state::{Fault, State};

/// How long the rate limit counts requests before it starts again.
pub(crate) const RATE_WINDOW: Duration = Duration::from_secs(10);

/// The counters that live as long as the process (not in the state file: a restore must not
/// bring back an old rate-limit window).
#[derive(Default)]
pub(crate) struct Traffic {
    /// Requests per path since the canary last changed, to route its share.
    canary_counts: HashMap<String, u64>,
    canary_seen: Option<(String, u8)>,
    /// Requests per path under an error-rate fault.
    fault_counts: HashMap<String, u64>,
    /// Rate-limit windows per path: when the window started and how many requests it saw.
    windows: HashMap<String, (Instant, u32)>,
}

/// What the traffic layer decided for a request.
#[derive(Debug, PartialEq)]
pub(crate) enum Routing {
    /// The application answers, as this version.
    Serve { version: String },
    /// Answered here, before the application: a limit or an injected fault.
    Refuse {
        status: u16,
        message: &'static str,
        retry_after: Option<u64>,
        version: String,
    },
}

/// The latency a fault adds before anything is answered.
pub(crate) fn injected_latency(state: &State, path: &str, version: &str) -> Option<Duration> {
    matching_fault(state, path, version)
        .and_then(|fault| fault.latency_ms)
        .map(Duration::from_millis)
}

fn matching_fault<'a>(state: &'a State, path: &str, version: &str) -> Option<&'a Fault> {
    state.faults.iter().find(|fault| {
        fault.path == path && fault.version.as_deref().is_none_or(|only| only == version)
    })
}

impl Traffic {
    /// Which version serves this request. The canary gets its weight of the requests to each
    /// path, the first one included: the first health check after a deploy sees the canary.
    pub(crate) fn route(&mut self, state: &State, path: &str) -> String {
        let Some(canary) = &state.canary else {
            self.canary_seen = None;
            self.canary_counts.clear();
            return state.version.clone();
        };
        let current = (canary.version.clone(), canary.weight);
        if self.canary_seen.as_ref() != Some(&current) {
            self.canary_seen = Some(current);
            self.canary_counts.clear();
        }
        let count = self.canary_counts.entry(path.to_string()).or_default();
        *count += 1;
        let share = |n: u64| (n * u64::from(canary.weight)).div_ceil(100);
        if share(*count) > share(*count - 1) {
            canary.version.clone()
        } else {
            state.version.clone()
        }
    }

    /// Routes the request, then applies the rate limit and the drill's faults.
    pub(crate) fn admit(&mut self, state: &State, path: &str, now: Instant) -> Routing {
        let version = self.route(state, path);
        if let Some(limit) = state.features.rate_limit
            && (path.starts_with("/auth/") || path.starts_with("/api/auth/"))
        {
            let window = self.windows.entry(path.to_string()).or_insert((now, 0));
            if now.duration_since(window.0) >= RATE_WINDOW {
                *window = (now, 0);
            }
            window.1 += 1;
            if window.1 > limit {
                let left = RATE_WINDOW.saturating_sub(now.duration_since(window.0));
                return Routing::Refuse {
                    status: 429,
                    message: "too many requests",
                    retry_after: Some(left.as_secs().max(1)),
                    version,
                };
            }
        }
        let Some(fault) = matching_fault(state, path, &version) else {
            return Routing::Serve { version };
        };
        if let Some(status) = fault.status {
            return Routing::Refuse {
                status,
                message: "fault injected by the drill",
                retry_after: None,
                version,
            };
        }
        if let Some(rate) = fault.error_rate {
            let count = self.fault_counts.entry(path.to_string()).or_default();
            *count += 1;
            // The n-th request fails when n·rate crosses a whole number.
            if ((*count as f64) * rate).floor() > (((*count - 1) as f64) * rate).floor() {
                return Routing::Refuse {
                    status: 500,
                    message: "fault injected by the drill (error rate)",
                    retry_after: None,
                    version,
                };
            }
        }
        Routing::Serve { version }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::state::Canary;

    fn with_canary(weight: u8) -> State {
        State {
            canary: Some(Canary {
                version: "v2.0.0".into(),
                weight,
            }),
            ..State::default()
        }
    }

    #[test]
    fn the_canary_gets_its_weight_of_the_traffic_starting_with_the_first_request() {
        let state = with_canary(10);
        let mut traffic = Traffic::default();
        let served: Vec<String> = (0..20)
            .map(|_| traffic.route(&state, "/api/health"))
            .collect();
        assert_eq!(served[0], "v2.0.0");
        assert_eq!(served.iter().filter(|v| *v == "v2.0.0").count(), 2);
        let state = with_canary(50);
        assert_eq!(
            traffic.route(&state, "/api/health"),
            "v2.0.0",
            "a new weight starts counting again"
        );
        assert_eq!(
            traffic.route(&State::default(), "/api/health"),
            "v1.0.0",
            "without a canary the stable version serves"
        );
    }

    #[test]
    fn a_fault_on_the_canary_version_spares_the_stable_one() {
        let mut state = with_canary(50);
        state.faults.push(Fault {
            path: "/api/health".into(),
            status: Some(500),
            latency_ms: None,
            error_rate: None,
            version: Some("v2.0.0".into()),
        });
        let mut traffic = Traffic::default();
        let now = Instant::now();
        let answers: Vec<Routing> = (0..4)
            .map(|_| traffic.admit(&state, "/api/health", now))
            .collect();
        let refused = answers
            .iter()
            .filter(|a| matches!(a, Routing::Refuse { status: 500, .. }))
            .count();
        assert_eq!(refused, 2, "{answers:?}");
    }

    #[test]
    fn sign_in_is_rate_limited_per_window() {
        let state = State::default();
        let mut traffic = Traffic::default();
        let now = Instant::now();
        for _ in 0..20 {
            assert!(matches!(
                traffic.admit(&state, "/auth/signin", now),
                Routing::Serve { .. }
            ));
        }
        assert!(matches!(
            traffic.admit(&state, "/auth/signin", now),
            Routing::Refuse {
                status: 429,
                retry_after: Some(10),
                ..
            }
        ));
        assert!(
            matches!(
                traffic.admit(&state, "/api/health", now),
                Routing::Serve { .. }
            ),
            "only sign-in is limited"
        );
        assert!(matches!(
            traffic.admit(&state, "/auth/signin", now + RATE_WINDOW),
            Routing::Serve { .. }
        ));
    }
}
