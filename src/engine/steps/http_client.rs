//! The HTTP clients of a run: rustls with the ring provider (no OpenSSL). Redirects are never
//! followed by the client: `http_send.rs` follows them itself, to drop the runbook's headers
//! when a redirect leaves the origin. A check with `ca_file` gets a client of its own that also
//! trusts that CA, built once per file.

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::{Arc, Mutex};

/// Why a client could not be built: the step fails with this as its message. Shared (`Arc`)
/// because the run's clients are built once and every step that needs them reports the same.
#[derive(Clone, Debug, thiserror::Error)]
pub enum HttpClientError {
    #[error("read ca_file {path}")]
    ReadCaFile {
        path: String,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("use ca_file {path}: it holds no PEM certificate")]
    NoCertificate { path: String },
    #[error("set up HTTP{}: {cause}", ca_file.as_ref().map(|f| format!(" with ca_file {f}")).unwrap_or_default())]
    Build {
        ca_file: Option<String>,
        cause: String,
    },
}

/// The clients, built on first use: building them loads the system's certificate store
/// (hundreds of files), which a runbook without HTTP steps should not pay for.
#[derive(Default)]
pub(crate) struct LazyHttpClients {
    clients: std::sync::OnceLock<Result<HttpClients, HttpClientError>>,
    /// `ca_file` → a client that trusts it too.
    with_ca: Mutex<HashMap<String, reqwest::Client>>,
}

impl LazyHttpClients {
    pub(crate) fn get(&self) -> Result<&HttpClients, HttpClientError> {
        self.clients
            .get_or_init(HttpClients::new)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The client for a check: the run's own, or one that also trusts `ca_file`.
    pub(crate) fn client_for(
        &self,
        ca_file: Option<&str>,
    ) -> Result<reqwest::Client, HttpClientError> {
        let Some(path) = ca_file else {
            return self.get().map(|clients| clients.not_following.clone());
        };
        let mut cached = crate::locked::locked(&self.with_ca);
        if let Some(client) = cached.get(path) {
            return Ok(client.clone());
        }
        let pem = std::fs::read(path).map_err(|source| HttpClientError::ReadCaFile {
            path: path.to_string(),
            source: Arc::new(source),
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|certificates| !certificates.is_empty())
            .ok_or_else(|| HttpClientError::NoCertificate {
                path: path.to_string(),
            })?;
        let mut builder = builder();
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
        let client = builder.build().map_err(|err| HttpClientError::Build {
            ca_file: Some(path.to_string()),
            cause: cause_of(&err),
        })?;
        cached.insert(path.to_string(), client.clone());
        Ok(client)
    }
}

#[derive(Clone)]
pub(crate) struct HttpClients {
    pub not_following: reqwest::Client,
}

impl HttpClients {
    pub(crate) fn new() -> Result<Self, HttpClientError> {
        Ok(Self {
            not_following: builder().build().map_err(|err| HttpClientError::Build {
                ca_file: None,
                cause: cause_of(&err),
            })?,
        })
    }
}

fn builder() -> reqwest::ClientBuilder {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cutover/", env!("CARGO_PKG_VERSION")))
}

/// The real reason a request failed: reqwest's own message hides it ("error sending request"),
/// its sources say "connection refused" or "invalid peer certificate: UnknownIssuer".
pub(crate) fn cause_of(err: &reqwest::Error) -> String {
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
    } else if let Some(problem) = certificate_problem(&lower) {
        format!(
            "the server's TLS certificate was refused: {problem}; if a private CA signs it, \
             trust that CA for this step with `ca_file = \"/path/to/ca.pem\"`"
        )
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        format!("name resolution failed: {deepest}")
    } else {
        deepest
    }
}

/// A certificate refusal in words, from rustls's error names (which read like a debug dump).
fn certificate_problem(lower: &str) -> Option<&'static str> {
    if !lower.contains("certificate") {
        return None;
    }
    Some(
        if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
            "it is signed by an authority this machine does not trust"
        } else if lower.contains("causedasendentity") {
            "it is a CA certificate used as the server's own (self-signed with the CA flag set)"
        } else if lower.contains("expired") {
            "it has expired"
        } else if lower.contains("notvalidyet") {
            "it is not valid yet"
        } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
            "it is not valid for this host name"
        } else if lower.contains("revoked") {
            "it was revoked"
        } else {
            "it does not verify"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::certificate_problem;

    #[test]
    fn certificate_refusals_are_said_in_words() {
        assert_eq!(
            certificate_problem(
                "invalid peer certificate: other(othererror(caUsedAsEndEntity))"
                    .to_ascii_lowercase()
                    .as_str()
            ),
            Some(
                "it is a CA certificate used as the server's own (self-signed with the CA flag set)"
            )
        );
        assert_eq!(
            certificate_problem("invalid peer certificate: unknownissuer"),
            Some("it is signed by an authority this machine does not trust")
        );
        assert_eq!(certificate_problem("connection reset"), None);
    }
}
