//! What the production-readiness checklist asks of the application's answers, applied to every
//! response as Express middlewares would: Helmet's security headers, CORS for one origin, gzip
//! compression. Each can be turned off by a drill (`POST /_sandbox/features`) so that the
//! matching readiness check is seen to fail.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::state::Features;

/// Answers smaller than this are not worth compressing (Express's `compression` default).
pub(crate) const COMPRESSION_THRESHOLD: usize = 1024;

/// What the client said that changes how the answer is dressed.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClientHints {
    pub origin: Option<String>,
    pub accept_encoding: Option<String>,
}

/// A response ready for the wire.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// The headers Helmet sets by default.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", "default-src 'self'"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "SAMEORIGIN"),
    (
        "strict-transport-security",
        "max-age=15552000; includeSubDomains",
    ),
    ("referrer-policy", "no-referrer"),
    ("x-dns-prefetch-control", "off"),
];

pub(crate) fn dress(mut outgoing: Outgoing, client: &ClientHints, features: &Features) -> Outgoing {
    if features.security_headers {
        for (name, value) in SECURITY_HEADERS {
            outgoing.headers.push((name, (*value).to_string()));
        }
    }
    if let Some(origin) = &client.origin {
        if features.cors_origin == "*" {
            outgoing
                .headers
                .push(("access-control-allow-origin", "*".into()));
        } else if *origin == features.cors_origin {
            outgoing
                .headers
                .push(("access-control-allow-origin", origin.clone()));
            outgoing.headers.push(("vary", "Origin".into()));
        }
    }
    let accepts_gzip = client
        .accept_encoding
        .as_deref()
        .is_some_and(|accepted| accepted.split(',').any(|e| e.trim().starts_with("gzip")));
    if features.compression && accepts_gzip && outgoing.body.len() >= COMPRESSION_THRESHOLD {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        // Writing to a Vec cannot fail.
        if encoder.write_all(&outgoing.body).is_ok()
            && let Ok(compressed) = encoder.finish()
        {
            outgoing.body = compressed;
            outgoing.headers.push(("content-encoding", "gzip".into()));
            outgoing.headers.push(("vary", "Accept-Encoding".into()));
        }
    }
    outgoing
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn plain(body: &[u8]) -> Outgoing {
        Outgoing {
            status: 200,
            headers: Vec::new(),
            body: body.to_vec(),
        }
    }

    fn header<'a>(outgoing: &'a Outgoing, name: &str) -> Option<&'a str> {
        outgoing
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn security_headers_and_cors_for_the_one_allowed_origin() {
        let features = Features::default();
        let allowed = ClientHints {
            origin: Some("https://nexus.example".into()),
            accept_encoding: None,
        };
        let dressed = dress(plain(b"{}"), &allowed, &features);
        assert_eq!(header(&dressed, "x-content-type-options"), Some("nosniff"));
        assert_eq!(
            header(&dressed, "access-control-allow-origin"),
            Some("https://nexus.example")
        );
        let foreign = ClientHints {
            origin: Some("https://evil.example".into()),
            accept_encoding: None,
        };
        let dressed = dress(plain(b"{}"), &foreign, &features);
        assert_eq!(header(&dressed, "access-control-allow-origin"), None);
    }

    #[test]
    fn a_drill_can_turn_each_protection_off() {
        let features = Features {
            security_headers: false,
            cors_origin: "*".into(),
            compression: false,
            rate_limit: None,
        };
        let client = ClientHints {
            origin: Some("https://nexus.example".into()),
            accept_encoding: Some("gzip".into()),
        };
        let dressed = dress(plain(&[b'x'; 4096]), &client, &features);
        assert_eq!(header(&dressed, "x-content-type-options"), None);
        assert_eq!(header(&dressed, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(&dressed, "content-encoding"), None);
    }

    #[test]
    fn large_answers_are_gzipped_when_the_client_accepts_it() {
        let features = Features::default();
        let client = ClientHints {
            origin: None,
            accept_encoding: Some("br, gzip;q=0.9".into()),
        };
        let body = "sign in ".repeat(300).into_bytes();
        let dressed = dress(plain(&body), &client, &features);
        assert_eq!(header(&dressed, "content-encoding"), Some("gzip"));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(dressed.body.as_slice())
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
        let small = dress(plain(b"{\"status\":\"ok\"}"), &client, &features);
        assert_eq!(
            header(&small, "content-encoding"),
            None,
            "small answers stay plain"
        );
    }
}
