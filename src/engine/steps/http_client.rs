//! The HTTP clients of a run: rustls with the ring provider (no OpenSSL), one client that
//! follows redirects and one that does not (reqwest sets the policy per client).

use std::error::Error as _;

/// The clients, built on first use: building them loads the system's certificate store
/// (hundreds of files), which a runbook without HTTP steps should not pay for.
#[derive(Default)]
pub struct LazyHttpClients {
    clients: std::sync::OnceLock<Result<HttpClients, String>>,
}

impl LazyHttpClients {
    pub fn get(&self) -> Result<&HttpClients, String> {
        self.clients
            .get_or_init(HttpClients::new)
            .as_ref()
            .map_err(Clone::clone)
    }
}

#[derive(Clone)]
pub struct HttpClients {
    pub following: reqwest::Client,
    pub not_following: reqwest::Client,
}

impl HttpClients {
    pub fn new() -> Result<Self, String> {
        // Installing twice is harmless; the first provider stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |policy| {
            reqwest::Client::builder()
                .redirect(policy)
                .user_agent(concat!("cutover/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|err| format!("cannot set up HTTP: {}", cause_of(&err)))
        };
        Ok(Self {
            following: build(reqwest::redirect::Policy::limited(10))?,
            not_following: build(reqwest::redirect::Policy::none())?,
        })
    }

    pub fn get(&self, follow_redirects: bool) -> &reqwest::Client {
        if follow_redirects {
            &self.following
        } else {
            &self.not_following
        }
    }
}

/// The real reason a request failed: reqwest's own message hides it ("error sending request"),
/// its sources say "connection refused" or "invalid peer certificate: UnknownIssuer".
pub fn cause_of(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".into();
    }
    let mut deepest = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        deepest = inner.to_string();
        source = inner.source();
    }
    let lower = deepest.to_ascii_lowercase();
    if lower.contains("connection refused") {
        "connection refused".into()
    } else if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        "certificate: unknown issuer".into()
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        format!("name resolution failed: {deepest}")
    } else {
        deepest
    }
}
