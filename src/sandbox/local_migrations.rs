//! prisma's `migrate deploy` and `migrate status` over the `local` stack's PostgreSQL: the
//! `migration.sql` of each folder of `prisma/migrations` not yet recorded, applied in order,
//! each with its record in `_prisma_migrations` in the same transaction, as prisma records it
//! (its name, the SHA-256 of the file, when it started and finished). prisma's own migration
//! engine is a download of its npm package, which a rehearsal on a fresh machine cannot count
//! on; what the runbook observes of it is this.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::local_postgres::Cluster;
use super::stack_error::StackError;

/// prisma's table, as `migrate deploy` creates it.
const TABLE: &str = r#"CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)"#;

/// The migrations the database has recorded as applied, in order.
pub(crate) fn applied(cluster: &Cluster) -> Result<Vec<String>, StackError> {
    cluster.psql(TABLE)?;
    let names = cluster.psql(
        r#"SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at, migration_name"#,
    )?;
    Ok(names.lines().map(str::to_string).collect())
}

/// Applies `folder/NAME/migration.sql` and records it, in one transaction.
pub(crate) fn apply(cluster: &Cluster, folder: &Path, name: &str) -> Result<(), StackError> {
    cluster.psql(TABLE)?;
    let file = folder.join(name).join("migration.sql");
    let bytes = std::fs::read(&file).map_err(StackError::file("read", &file))?;
    let checksum: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let record = format!(
        r#"INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (gen_random_uuid()::text, '{checksum}', now(), '{}', now(), 1)"#,
        name.replace('\'', "''")
    );
    let output = cluster
        .client("psql")
        .args(["-v", "ON_ERROR_STOP=1", "-q", "--single-transaction", "-f"])
        .arg(&file)
        .args(["-c", &record])
        .output()
        .map_err(|source| StackError::Spawn {
            program: "psql",
            source,
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(StackError::refused("psql", &output.stderr))
    }
}
