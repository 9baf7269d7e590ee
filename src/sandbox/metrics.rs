//! What the sandbox tells a Prometheus that scrapes its `/metrics`: requests by version, route
//! and status, and a latency histogram by version — so that a bad canary shows in the numbers
//! a metric gate reads, as it would in production.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

pub(crate) struct SandboxMetrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
}

/// 1 ms to about 16 s, doubling: covers an answer from memory and an injected 3 s delay.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for SandboxMetrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        let latency =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "nexus_http_requests",
            "Requests answered by the application, by version, route and status",
            requests.clone(),
        );
        registry.register(
            "nexus_http_request_duration_seconds",
            "Time to answer a request, injected latency included, by version",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl SandboxMetrics {
    /// Counts one answered request. `route` must come from a fixed set (the caller maps
    /// unknown paths to one word): a label per URL ever asked would grow without end.
    pub(crate) fn observe(&self, version: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&vec![
                ("version", version.to_string()),
                ("route", route.to_string()),
                ("status", status.to_string()),
            ])
            .inc();
        self.latency
            .get_or_create(&vec![("version", version.to_string())])
            .observe(seconds);
    }

    /// The exposition, in the OpenMetrics text format Prometheus scrapes.
    pub(crate) fn exposition(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String never fails");
        text
    }
}

/// The route a path belongs to, as the metrics label it: one of the application's routes, or
/// `other`.
pub(crate) fn route_of(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "health"] => "/api/health",
        ["auth", "signin"] => "/auth/signin",
        ["dashboard"] => "/dashboard",
        ["api", "admin", "dashboard"] => "/api/admin/dashboard",
        ["api", "assessments", "submit"] => "/api/assessments/submit",
        ["api", "assessments", _, "status"] => "/api/assessments/:id/status",
        ["api", "assessments", _, "result"] => "/api/assessments/:id/result",
        ["api", "payments", "konnect"] => "/api/payments/konnect",
        _ => "other",
    }
}

/// The content type of [`SandboxMetrics::exposition`].
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_version_route_and_status() {
        let metrics = SandboxMetrics::default();
        metrics.observe("v1.0.0", "/api/health", 200, 0.002);
        metrics.observe("v2.0.0", "/api/health", 500, 0.004);
        metrics.observe("v2.0.0", "/api/health", 500, 0.004);
        let text = metrics.exposition();
        assert!(
            text.contains(
                r#"nexus_http_requests_total{version="v2.0.0",route="/api/health",status="500"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"nexus_http_request_duration_seconds_count{version="v1.0.0"} 1"#),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn routes_are_a_fixed_set() {
        assert_eq!(
            route_of("/api/assessments/42/status"),
            "/api/assessments/:id/status"
        );
        assert_eq!(route_of("/api/health"), "/api/health");
        assert_eq!(route_of("/wp-admin/../../etc/passwd"), "other");
    }
}
