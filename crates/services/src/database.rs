//! A throwaway database on a PostgreSQL server.

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, PgConnection};

use crate::{Error, Result};

/// Prefix of every database this crate creates; a stale one is recognized by it.
const DB_PREFIX: &str = "racecraft_test_";

/// A uniquely named database on a PostgreSQL server, dropped (`WITH (FORCE)`) on `Drop`.
///
/// PostgreSQL cannot take a database name as a bind parameter, so `CREATE DATABASE` and `DROP DATABASE` are
/// built as text. They only ever name databases this crate generates (`racecraft_test_<pid>_<n>_<random>`),
/// and every name is checked to be `[a-z0-9_]` (at most 63 bytes) and double-quoted before it goes into SQL;
/// a name that fails the check (a stale database someone else named) is never put into SQL at all.
#[derive(Debug)]
pub struct PgDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl PgDatabase {
    /// Creates a fresh, empty database on the server at `admin_url` (a URL of any database there, as a user
    /// allowed to create databases). Also drops databases left behind by processes that no longer exist.
    pub async fn create(admin_url: &str) -> Result<PgDatabase> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let mut conn = PgConnection::connect(admin_url).await?;
        remove_stale_databases(&mut conn).await;
        // pid + counter are unique among live processes; the random part guards against a stale database of
        // an earlier process that had the same pid.
        let name = format!(
            "{DB_PREFIX}{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            random_u32()
        );
        let sql = format!("CREATE DATABASE {}", quoted(&name)?);
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
        let _ = conn.close().await;
        Ok(PgDatabase { url: with_database(admin_url, &name), name, admin_url: admin_url.to_owned() })
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop may run inside a Tokio runtime, where blocking on async work is not allowed: do it on a
        // thread of our own with a small runtime of its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(&name).map_err(|e| e.to_string())?);
                let mut conn = PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: cannot drop the throwaway database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping the throwaway database {} panicked", self.name),
        }
    }
}

/// `name` double-quoted for SQL, after checking it is one of the names this crate generates: `[a-z0-9_]`,
/// 1 to 63 bytes (PostgreSQL's limit), so it cannot hold a quote or anything else SQL would read.
fn quoted(name: &str) -> Result<String> {
    let ours = (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ours {
        return Err(Error::Identifier(name.to_owned()));
    }
    Ok(format!("\"{name}\""))
}

/// Drops databases left behind by processes that no longer exist (killed before their `Drop`).
/// Once per process, and only where a process's liveness can be checked.
async fn remove_stale_databases(conn: &mut PgConnection) {
    static DONE: OnceLock<()> = OnceLock::new();
    if !cfg!(target_os = "linux") || DONE.set(()).is_err() {
        return;
    }
    let sql = "SELECT datname FROM pg_database WHERE datname LIKE 'racecraft\\_test\\_%'";
    let Ok(names) = sqlx::query_scalar::<_, String>(sql).fetch_all(&mut *conn).await else {
        return;
    };
    for name in names {
        let pid =
            name.strip_prefix(DB_PREFIX).and_then(|rest| rest.split('_').next()).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
            && let Ok(quoted) = quoted(&name)
        {
            let sql = format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await;
        }
    }
}

/// `url` with its database (path) replaced by `name`, keeping credentials, host and query.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A random number without a random-number crate: std seeds every `RandomState` from the OS.
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_path() {
        assert_eq!(with_database("postgres://u:p@h:5432/test", "x"), "postgres://u:p@h:5432/x");
        assert_eq!(with_database("postgres://h/test?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(with_database("postgresql://h:1", "x"), "postgresql://h:1/x");
    }

    #[test]
    fn only_generated_names_are_quoted_into_sql() {
        assert_eq!(quoted("racecraft_test_12_0_00c0ffee").ok().as_deref(), Some("\"racecraft_test_12_0_00c0ffee\""));
        for bad in ["", "a\"; DROP DATABASE x; --", "Racecraft", "racecraft-test", "racecraft test", &"a".repeat(64)] {
            assert!(matches!(quoted(bad), Err(Error::Identifier(_))), "{bad:?}");
        }
    }
}
