//! What the shipped runbooks expect to find on a host, built in a temporary folder: the
//! application checkout the readiness checklist inspects, and the production host of the
//! release runbook (its env file, and a `docker` that records what it is asked and changes
//! nothing, so a dry run can prove that nothing mutating reached it).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A checkout of the application as the readiness checklist wants it: `.env.production`
/// ignored by git, never committed, mode 0600, with real-looking values; a multi-stage
/// Dockerfile; a production compose file with a health check; a README.
pub(crate) fn readiness_app(dir: &Path) -> PathBuf {
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=ops", "-c", "user.email=ops@nexus.example"])
            .args(args)
            .current_dir(&app)
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {status:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(app.join(".gitignore"), ".env.production\nnode_modules/\n").unwrap();
    std::fs::write(app.join("README.md"), "# Nexus\n\nThe application.\n").unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        "FROM node:20 AS build\nRUN npm ci && npm run build\nFROM node:20-slim\nCOPY --from=build /app/.next /app/.next\n",
    )
    .unwrap();
    std::fs::write(
        app.join("docker-compose.production.yml"),
        "services:\n  nexus-app:\n    image: nexus-app\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:3000/api/health\"]\n",
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "Nexus"]);
    let env = app.join(".env.production");
    std::fs::write(
        &env,
        format!(
            "JWT_SECRET={}\nJWT_REFRESH_SECRET={}\nDATABASE_URL=postgresql://nexus:pw@db:5432/nexus?sslmode=require\n\
             STRIPE_SECRET_KEY=sk_live_51Hx\nSTRIPE_PUBLISHABLE_KEY=pk_live_51Hx\nSMTP_HOST=smtp.nexus.example\n\
             SENTRY_DSN=https://key@sentry.nexus.example/4\n",
            "a".repeat(64) + "1",
            "b".repeat(64) + "2"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).unwrap();
    app
}

/// The production host of `nexus-prod-deploy.toml`.
pub(crate) struct ProdHost {
    pub compose_dir: PathBuf,
    pub env_file: PathBuf,
    /// Put first on `PATH`: holds the recording `docker`.
    pub bin_dir: PathBuf,
    /// One line per `docker` invocation.
    pub docker_log: PathBuf,
}

impl ProdHost {
    pub(crate) fn new(dir: &Path) -> Self {
        let compose_dir = dir.join("srv-nexus");
        let bin_dir = dir.join("bin");
        std::fs::create_dir_all(&compose_dir).unwrap();
        std::fs::create_dir_all(&bin_dir).unwrap();
        let env_file = compose_dir.join(".env.production");
        std::fs::write(
            &env_file,
            "DATABASE_URL=postgresql://nexus:pw@postgres:5432/nexus\nNEXTAUTH_URL=https://nexus.example\n\
             NEXTAUTH_SECRET=0123456789abcdef0123456789abcdef01\nSMTP_HOST=smtp.nexus.example\nSMTP_PORT=587\n\
             SMTP_USER=nexus\nSMTP_PASSWORD=smtp-password\nSMTP_FROM=no-reply@nexus.example\n\
             KONNECT_API_KEY=konnect-key\nKONNECT_WALLET_ID=wallet-1\nKONNECT_WEBHOOK_SECRET=webhook-secret\n\
             OLLAMA_URL=http://ollama:11434\nRAG_INGESTOR_URL=http://rag:8000\nLLM_MODE=local\n\
             TELEGRAM_BOT_TOKEN=123:telegram\n",
        )
        .unwrap();
        std::fs::write(
            compose_dir.join("docker-compose.prod.yml"),
            "services: {}\n",
        )
        .unwrap();
        let docker_log = dir.join("docker.log");
        let docker = bin_dir.join("docker");
        std::fs::write(
            &docker,
            format!(
                "#!/bin/sh\n# Records the call; answers what the read-only calls expect.\n\
                 echo \"$*\" >> {log}\n\
                 case \"$*\" in\n\
                   *' ps '*) echo healthy ;;\n\
                   *'migrate status'*) echo 'Database schema is up to date!' ;;\n\
                 esac\n\
                 exit 0\n",
                log = docker_log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self {
            compose_dir,
            env_file,
            bin_dir,
            docker_log,
        }
    }

    /// `PATH` with the recording `docker` first.
    pub(crate) fn path_env(&self) -> String {
        format!(
            "{}:{}",
            self.bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    pub(crate) fn docker_calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.docker_log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// The ids of a runbook's manual steps, in order, with the length of their checklists.
pub(crate) fn manual_steps(runbook: &Path) -> Vec<(String, usize)> {
    let checked = cutover::read_and_check(runbook).unwrap();
    let runbook = checked.runbook.expect("the runbook checks");
    runbook
        .steps()
        .filter_map(|(_, step)| match &step.action {
            cutover::StepAction::Manual(manual) => {
                Some((step.id.value.clone(), manual.checklist.len()))
            }
            _ => None,
        })
        .collect()
}
