//! The stand-in Nexus application: the endpoints the release's smoke tests call, and the
//! control endpoints a drill uses to deploy, migrate, enter maintenance and inject faults.

use serde_json::{Value, json};

use super::state::{Assessment, Canary, Database, Fault, Features, State};

/// A request as the sandbox needs it.
#[derive(Default)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub cookie: Option<String>,
    pub role_header: Option<String>,
    pub body: Vec<u8>,
}

pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub location: Option<String>,
}

impl Response {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_string(),
            location: None,
        }
    }

    fn html(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into(),
            location: None,
        }
    }

    fn redirect(to: &str) -> Self {
        Self {
            status: 302,
            content_type: "text/plain",
            body: format!("see {to}"),
            location: Some(to.into()),
        }
    }
}

pub(crate) const ADMIN_TOKEN: &str = "sandbox-admin-token";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The sign-in page: a real page's weight (over 1 KB), so that compression applies to it.
const SIGNIN_PAGE: &str = r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Sign in — Nexus</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; }
  main { max-width: 24rem; margin: 6rem auto; background: #fff; padding: 2rem 2.5rem;
         border-radius: 8px; box-shadow: 0 1px 3px rgba(0, 0, 0, .12); }
  h1 { font-size: 1.4rem; margin: 0 0 1.5rem; }
  label { display: block; font-size: .9rem; margin: 1rem 0 .3rem; }
  input { width: 100%; padding: .55rem .7rem; border: 1px solid #c5cad3; border-radius: 4px; }
  button { margin-top: 1.5rem; width: 100%; padding: .7rem; border: 0; border-radius: 4px;
           background: #2451d6; color: #fff; font-weight: 600; cursor: pointer; }
  p.help { font-size: .8rem; color: #5b6372; margin-top: 1.2rem; text-align: center; }
</style>
</head>
<body>
<main>
  <h1>Sign in</h1>
  <form method="post" action="/auth/signin">
    <label for="email">Adresse e-mail</label>
    <input id="email" name="email" type="email" autocomplete="username" required>
    <label for="password">Mot de passe</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
  <p class="help">Mot de passe oublié ? Contactez l'administrateur de votre établissement.</p>
</main>
</body>
</html>
"#;

/// Handles a request against the state, served by `version` (the stable one or the canary);
/// returns the response and whether the state changed.
pub(crate) fn handle(request: &Request, state: &mut State, version: &str) -> (Response, bool) {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let path = request.path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["api", "health"]) if state.maintenance => {
            (Response::json(503, json!({"status": "maintenance"})), false)
        }
        ("GET", ["api", "health"]) => (
            Response::json(
                200,
                json!({"status": "ok", "version": version, "stable": state.version, "canary": state.canary, "migrations": state.migrations.len()}),
            ),
            false,
        ),
        // CORS preflight: the allowed origin is added by the hardening layer.
        ("OPTIONS", _) => (
            Response {
                status: 204,
                content_type: "text/plain",
                body: String::new(),
                location: None,
            },
            false,
        ),
        (_, _) if state.maintenance && !path.starts_with("/_sandbox") => {
            (Response::json(503, json!({"status": "maintenance"})), false)
        }
        ("GET", ["auth", "signin"]) => (Response::html(200, SIGNIN_PAGE), false),
        ("POST", ["auth", "signin"]) => (Response::redirect("/dashboard"), false),
        ("GET", ["dashboard"]) => {
            let role = request.role_header.clone().or_else(|| {
                request.cookie.as_deref().and_then(|c| {
                    c.split(';')
                        .find_map(|kv| kv.trim().strip_prefix("role=").map(str::to_string))
                })
            });
            let target = match role.as_deref() {
                Some("admin") => "/admin",
                Some(_) => "/app",
                None => "/auth/signin",
            };
            (Response::redirect(target), false)
        }
        ("GET", ["api", "admin", "dashboard"]) => {
            let token = request
                .authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "));
            match token {
                None => (
                    Response::json(401, json!({"error": "authentication required"})),
                    false,
                ),
                Some(ADMIN_TOKEN) => (
                    Response::json(
                        200,
                        json!({"users": 42, "assessments": state.assessments.len()}),
                    ),
                    false,
                ),
                Some(_) => (Response::json(403, json!({"error": "admin only"})), false),
            }
        }
        ("POST", ["api", "assessments", "submit"]) => {
            let id = format!("a-{}", state.next_assessment);
            state.next_assessment += 1;
            state.assessments.insert(
                id.clone(),
                Assessment {
                    submitted_ms: now_ms(),
                    polls: 0,
                },
            );
            (
                Response::json(202, json!({"id": id, "status": "pending"})),
                true,
            )
        }
        ("GET", ["api", "assessments", id, "status"]) => match state.assessments.get_mut(*id) {
            None => (
                Response::json(404, json!({"error": "no such assessment"})),
                false,
            ),
            Some(assessment) => {
                assessment.polls += 1;
                let done = assessment.polls > 2
                    || now_ms().saturating_sub(assessment.submitted_ms) > 1_000;
                (
                    Response::json(
                        200,
                        json!({"id": id, "status": if done { "done" } else { "pending" }}),
                    ),
                    true,
                )
            }
        },
        ("GET", ["api", "assessments", id, "result"]) => match state.assessments.get(*id) {
            None => (
                Response::json(404, json!({"error": "no such assessment"})),
                false,
            ),
            Some(a) if a.polls > 2 || now_ms().saturating_sub(a.submitted_ms) > 1_000 => (
                Response::json(200, json!({"id": id, "status": "done", "score": 87})),
                false,
            ),
            Some(_) => (
                Response::json(409, json!({"id": id, "status": "pending"})),
                false,
            ),
        },
        ("POST", ["api", "payments", "konnect"]) => (
            Response::json(
                200,
                json!({"mode": "test", "paymentUrl": "https://sandbox.konnect.example/pay/test-123", "amount": body.get("amount")}),
            ),
            false,
        ),
        // Control endpoints for drills.
        ("GET", ["_sandbox", "state"]) => (
            Response::json(200, serde_json::to_value(&*state).unwrap_or_default()),
            false,
        ),
        ("POST", ["_sandbox", "deploy"]) => {
            let Some(version) = body.get("version").and_then(Value::as_str) else {
                return (
                    Response::json(
                        400,
                        json!({"error": "give {\"version\": \"v…\", \"weight\": 0-100}"}),
                    ),
                    false,
                );
            };
            let weight = body
                .get("weight")
                .and_then(Value::as_u64)
                .unwrap_or(100)
                .min(100) as u8;
            if weight == 100 {
                state.version = version.to_string();
                state.canary = None;
            } else {
                state.canary = Some(Canary {
                    version: version.to_string(),
                    weight,
                });
            }
            (
                Response::json(
                    200,
                    json!({"version": state.version, "canary": state.canary}),
                ),
                true,
            )
        }
        // The database's part of the state, back as a dump had it (the docker stand-in's
        // `pg_restore`): what the migration or the release wrote is gone.
        ("POST", ["_sandbox", "restore"]) => match serde_json::from_value::<Database>(body) {
            Ok(database) => {
                state.migrations = database.migrations;
                state.assessments = database.assessments;
                state.next_assessment = database.next_assessment;
                (Response::json(200, json!({"restored": true})), true)
            }
            Err(err) => (
                Response::json(400, json!({"error": format!("not a dump: {err}")})),
                false,
            ),
        },
        // The application's own health, as its container's health check sees it: behind
        // nginx's maintenance page, and failing where a fault makes /api/health fail.
        ("GET", ["_sandbox", "app-health"]) => {
            let failing = state.faults.iter().any(|fault| {
                fault.path == "/api/health"
                    && fault.version.as_deref().is_none_or(|v| v == state.version)
                    && (fault.status.is_some_and(|s| s >= 500)
                        || fault.error_rate.is_some_and(|rate| rate >= 0.5))
            });
            let health = if failing { "unhealthy" } else { "healthy" };
            (
                Response::json(200, json!({"health": health, "version": state.version})),
                false,
            )
        }
        ("POST", ["_sandbox", "maintenance"]) => {
            state.maintenance = body.get("on").and_then(Value::as_bool).unwrap_or(true);
            (
                Response::json(200, json!({"maintenance": state.maintenance})),
                true,
            )
        }
        ("POST", ["_sandbox", "migrate"]) => {
            let Some(name) = body.get("migration").and_then(Value::as_str) else {
                return (
                    Response::json(400, json!({"error": "give {\"migration\": \"name\"}"})),
                    false,
                );
            };
            if !state.migrations.iter().any(|m| m == name) {
                state.migrations.push(name.to_string());
            }
            (
                Response::json(200, json!({"migrations": state.migrations})),
                true,
            )
        }
        ("POST", ["_sandbox", "fault"]) => match serde_json::from_value::<Fault>(body) {
            Ok(fault) => {
                state.faults.retain(|f| f.path != fault.path);
                state.faults.push(fault);
                (Response::json(200, json!({"faults": state.faults})), true)
            }
            Err(err) => (
                Response::json(400, json!({"error": err.to_string()})),
                false,
            ),
        },
        ("POST", ["_sandbox", "features"]) => set_features(state, body),
        ("DELETE", ["_sandbox", "fault"]) => {
            state.faults.clear();
            (Response::json(200, json!({"faults": []})), true)
        }
        _ => (Response::json(404, json!({"error": "not found"})), false),
    }
}

/// Changes some of the features, e.g. `{"cors_origin": "*"}`; unknown names are refused.
fn set_features(state: &mut State, changes: Value) -> (Response, bool) {
    let Value::Object(changes) = changes else {
        return (
            Response::json(
                400,
                json!({"error": "give an object, e.g. {\"compression\": false}"}),
            ),
            false,
        );
    };
    let mut merged = serde_json::to_value(&state.features).unwrap_or_default();
    if let Value::Object(current) = &mut merged {
        current.extend(changes);
    }
    match serde_json::from_value::<Features>(merged) {
        Ok(features) => {
            state.features = features;
            (
                Response::json(200, json!({"features": state.features})),
                true,
            )
        }
        Err(err) => (
            Response::json(400, json!({"error": err.to_string()})),
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    /// A token that is not the admin's: what a regular user of the application holds.
    const USER_TOKEN: &str = "sandbox-user-token";

    use super::*;

    fn get(path: &str) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            ..Request::default()
        }
    }

    fn post(path: &str, body: Value) -> Request {
        Request {
            method: "POST".into(),
            path: path.into(),
            body: body.to_string().into_bytes(),
            ..Request::default()
        }
    }

    fn handle(request: &Request, state: &mut State) -> (Response, bool) {
        let version = state.version.clone();
        super::handle(request, state, &version)
    }

    #[test]
    fn the_smoke_tests_of_the_release_pass_when_healthy() {
        let mut state = State::default();
        assert_eq!(handle(&get("/api/health"), &mut state).0.status, 200);
        assert!(
            handle(&get("/auth/signin"), &mut state)
                .0
                .body
                .contains("Sign in")
        );
        let mut admin = get("/dashboard");
        admin.role_header = Some("admin".into());
        assert_eq!(
            handle(&admin, &mut state).0.location.as_deref(),
            Some("/admin")
        );
        assert_eq!(
            handle(&get("/api/admin/dashboard"), &mut state).0.status,
            401
        );
        let mut user = get("/api/admin/dashboard");
        user.authorization = Some(format!("Bearer {USER_TOKEN}"));
        assert_eq!(handle(&user, &mut state).0.status, 403);
        let (submitted, _) = handle(&post("/api/assessments/submit", json!({})), &mut state);
        assert_eq!(submitted.status, 202);
        let id = serde_json::from_str::<Value>(&submitted.body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let status = |state: &mut State| {
            handle(&get(&format!("/api/assessments/{id}/status")), state)
                .0
                .body
        };
        assert!(status(&mut state).contains("pending"));
        assert_eq!(
            handle(&get(&format!("/api/assessments/{id}/result")), &mut state)
                .0
                .status,
            409
        );
        status(&mut state);
        assert!(status(&mut state).contains("done"));
        assert_eq!(
            handle(&get(&format!("/api/assessments/{id}/result")), &mut state)
                .0
                .status,
            200
        );
        assert!(
            handle(
                &post("/api/payments/konnect", json!({"amount": 10})),
                &mut state
            )
            .0
            .body
            .contains("\"mode\":\"test\"")
        );
    }

    #[test]
    fn drill_controls_change_what_the_smoke_tests_see() {
        let mut state = State::default();
        handle(
            &post(
                "/_sandbox/deploy",
                json!({"version": "v2.0.0", "weight": 25}),
            ),
            &mut state,
        );
        assert_eq!(
            state.canary,
            Some(Canary {
                version: "v2.0.0".into(),
                weight: 25
            })
        );
        handle(
            &post(
                "/_sandbox/deploy",
                json!({"version": "v2.0.0", "weight": 100}),
            ),
            &mut state,
        );
        assert_eq!(
            (state.version.as_str(), state.canary.is_none()),
            ("v2.0.0", true)
        );
        handle(
            &post(
                "/_sandbox/migrate",
                json!({"migration": "20261121_payments"}),
            ),
            &mut state,
        );
        assert_eq!(state.migrations.len(), 2);
        handle(
            &post("/_sandbox/maintenance", json!({"on": true})),
            &mut state,
        );
        assert_eq!(handle(&get("/api/health"), &mut state).0.status, 503);
    }

    #[test]
    fn features_change_by_name_and_unknown_names_are_refused() {
        let mut state = State::default();
        let (answer, changed) = handle(
            &post("/_sandbox/features", json!({"cors_origin": "*"})),
            &mut state,
        );
        assert_eq!((answer.status, changed), (200, true));
        assert_eq!(state.features.cors_origin, "*");
        assert!(state.features.compression, "the others are kept");
        let (answer, changed) = handle(
            &post("/_sandbox/features", json!({"helmet": false})),
            &mut state,
        );
        assert_eq!((answer.status, changed), (400, false));
        assert!(answer.body.contains("helmet"), "{}", answer.body);
    }

    #[test]
    fn health_says_which_version_served_it() {
        let mut state = State::default();
        let (answer, _) = super::handle(&get("/api/health"), &mut state, "v2.0.0");
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(
            (body["version"].as_str(), body["stable"].as_str()),
            (Some("v2.0.0"), Some("v1.0.0"))
        );
    }
}
