//! The team server's rows: teams, users and memberships, login sessions, agent tokens, share links, and who
//! owns a session. Secrets arrive here already hashed (`token_hash`, `password_hash`); this module never sees
//! one in the clear.

use racecraft_core::{Role, Visibility};

use super::{Pool, Store};
use crate::{Error, Result};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Login name, unique on the server.
    pub name: String,
}

/// One of a user's teams and their role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The team's id.
    pub team_id: i64,
    /// The team's name.
    pub team: String,
    /// The user's role in it.
    pub role: Role,
}

/// A member of one team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The user's id.
    pub user_id: i64,
    /// The user's name.
    pub name: String,
    /// Their role in the team.
    pub role: Role,
}

/// An agent token (its hash stays in the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentToken {
    /// Database id, for listing and revoking.
    pub id: i64,
    /// The team it streams for.
    pub team_id: i64,
    /// The driver its sessions belong to.
    pub driver_user_id: i64,
    /// A note for the team page.
    pub label: String,
    /// When it was made, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When it was revoked; a revoked token authenticates nothing.
    pub revoked_at_ms: Option<i64>,
}

/// A share link (its hash stays in the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    /// Database id, for listing and revoking.
    pub id: i64,
    /// The session it opens.
    pub session_id: i64,
    /// One lap of it, or the whole session when `None`.
    pub lap_id: Option<i64>,
    /// When it was made, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// After this it opens nothing.
    pub expires_at_ms: Option<i64>,
    /// When it was revoked.
    pub revoked_at_ms: Option<i64>,
}

impl ShareLink {
    /// Whether it opens its session at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.revoked_at_ms.is_none() && self.expires_at_ms.is_none_or(|end| now_ms < end)
    }
}

#[derive(sqlx::FromRow)]
struct MembershipRecord {
    team_id: i64,
    team: String,
    role: String,
}

#[derive(sqlx::FromRow)]
struct MemberRecord {
    user_id: i64,
    name: String,
    role: String,
}

#[derive(sqlx::FromRow)]
struct AgentTokenRecord {
    id: i64,
    team_id: i64,
    driver_user_id: i64,
    label: String,
    created_at_ms: i64,
    revoked_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ShareLinkRecord {
    id: i64,
    session_id: i64,
    lap_id: Option<i64>,
    created_at_ms: i64,
    expires_at_ms: Option<i64>,
    revoked_at_ms: Option<i64>,
}

fn role(text: String) -> Result<Role> {
    text.parse().map_err(|e: racecraft_core::UnknownName| Error::CorruptRow {
        what: "membership role",
        session_id: 0,
        detail: e.to_string(),
    })
}

impl From<AgentTokenRecord> for AgentToken {
    fn from(r: AgentTokenRecord) -> AgentToken {
        AgentToken {
            id: r.id,
            team_id: r.team_id,
            driver_user_id: r.driver_user_id,
            label: r.label,
            created_at_ms: r.created_at_ms,
            revoked_at_ms: r.revoked_at_ms,
        }
    }
}

impl From<ShareLinkRecord> for ShareLink {
    fn from(r: ShareLinkRecord) -> ShareLink {
        ShareLink {
            id: r.id,
            session_id: r.session_id,
            lap_id: r.lap_id,
            created_at_ms: r.created_at_ms,
            expires_at_ms: r.expires_at_ms,
            revoked_at_ms: r.revoked_at_ms,
        }
    }
}

macro_rules! token_columns {
    () => {
        "SELECT id, team_id, driver_user_id, label, created_at_ms, revoked_at_ms FROM agent_tokens "
    };
}
macro_rules! share_columns {
    () => {
        "SELECT id, session_id, lap_id, created_at_ms, expires_at_ms, revoked_at_ms FROM share_links "
    };
}

impl Store {
    /// How many user accounts exist: none means the server has not been set up for teams.
    pub async fn user_count(&self) -> Result<u64> {
        self.ready().await?;
        let n: i64 = with_pool!(&self.pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?);
        Ok(n.max(0) as u64)
    }

    /// The team called `name`, creating it if there is none; `true` when it was created.
    pub async fn ensure_team(&self, name: &str) -> Result<(i64, bool)> {
        self.ready().await?;
        let created: Option<i64> = with_pool!(&self.pool, p => sqlx::query_scalar(
            "INSERT INTO teams (name, created_at_ms) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id")
            .bind(name)
            .bind(crate::now_ms())
            .fetch_optional(p)
            .await?);
        if let Some(id) = created {
            return Ok((id, true));
        }
        let id: i64 = with_pool!(&self.pool, p => sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
            .bind(name)
            .fetch_one(p)
            .await?);
        Ok((id, false))
    }

    /// The team called `name`.
    pub async fn team_by_name(&self, name: &str) -> Result<Option<i64>> {
        self.ready().await?;
        Ok(with_pool!(&self.pool, p => sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
            .bind(name)
            .fetch_optional(p)
            .await?))
    }

    /// The user called `name` and their password hash.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<(User, String)>> {
        self.ready().await?;
        let row: Option<(i64, String, String)> = with_pool!(&self.pool, p => sqlx::query_as(
            "SELECT id, name, password_hash FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(p)
            .await?);
        Ok(row.map(|(id, name, hash)| (User { id, name }, hash)))
    }

    /// The user with id `id`.
    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        self.ready().await?;
        let row: Option<(i64, String)> = with_pool!(&self.pool, p => sqlx::query_as(
            "SELECT id, name FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await?);
        Ok(row.map(|(id, name)| User { id, name }))
    }

    /// Creates a user; `None` when the name is taken.
    pub async fn create_user(&self, name: &str, password_hash: &str) -> Result<Option<User>> {
        self.ready().await?;
        let id: Option<i64> = with_pool!(&self.pool, p => sqlx::query_scalar(
            "INSERT INTO users (name, password_hash, created_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING RETURNING id")
            .bind(name)
            .bind(password_hash)
            .bind(crate::now_ms())
            .fetch_optional(p)
            .await?);
        Ok(id.map(|id| User { id, name: name.to_owned() }))
    }

    /// Replaces a user's password hash and signs them out everywhere.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<bool> {
        self.ready().await?;
        with_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let changed = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM logins WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(changed == 1)
        })
    }

    /// Puts `user_id` in `team_id` with `role`, or changes their role there.
    pub async fn set_membership(&self, team_id: i64, user_id: i64, role: Role) -> Result<()> {
        self.ready().await?;
        with_pool!(&self.pool, p => sqlx::query(
            "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role")
            .bind(team_id)
            .bind(user_id)
            .bind(role.as_str())
            .execute(p)
            .await
            .map(drop)?);
        Ok(())
    }

    /// Takes `user_id` out of `team_id`; `false` if they were not in it.
    pub async fn remove_membership(&self, team_id: i64, user_id: i64) -> Result<bool> {
        self.ready().await?;
        let n = with_pool!(&self.pool, p => sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// A user's teams and roles, by team name.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>> {
        self.ready().await?;
        let rows: Vec<MembershipRecord> = with_pool!(&self.pool, p => sqlx::query_as(
            "SELECT m.team_id, t.name AS team, m.role FROM memberships m JOIN teams t ON t.id = m.team_id \
             WHERE m.user_id = $1 ORDER BY t.name")
            .bind(user_id)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(|r| Ok(Membership { team_id: r.team_id, team: r.team, role: role(r.role)? })).collect()
    }

    /// A team's members, by name.
    pub async fn members(&self, team_id: i64) -> Result<Vec<Member>> {
        self.ready().await?;
        let rows: Vec<MemberRecord> = with_pool!(&self.pool, p => sqlx::query_as(
            "SELECT m.user_id, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 ORDER BY u.name")
            .bind(team_id)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(|r| Ok(Member { user_id: r.user_id, name: r.name, role: role(r.role)? })).collect()
    }

    /// Records a login session under the hash of its cookie.
    pub async fn create_login(&self, token_hash: &str, user_id: i64, expires_at_ms: i64) -> Result<()> {
        self.ready().await?;
        with_pool!(&self.pool, p => sqlx::query(
            "INSERT INTO logins (token_hash, user_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(crate::now_ms())
            .bind(expires_at_ms)
            .execute(p)
            .await
            .map(drop)?);
        Ok(())
    }

    /// The user signed in under the cookie hashing to `token_hash`, unless that login has expired by `now_ms`.
    pub async fn login_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>> {
        self.ready().await?;
        let row: Option<(i64, String)> = with_pool!(&self.pool, p => sqlx::query_as(
            "SELECT u.id, u.name FROM logins l JOIN users u ON u.id = l.user_id \
             WHERE l.token_hash = $1 AND l.expires_at_ms > $2")
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(p)
            .await?);
        Ok(row.map(|(id, name)| User { id, name }))
    }

    /// Ends a login session (logout); expired ones are cleared on the way.
    pub async fn delete_login(&self, token_hash: &str) -> Result<()> {
        self.ready().await?;
        with_pool!(&self.pool, p => sqlx::query("DELETE FROM logins WHERE token_hash = $1 OR expires_at_ms <= $2")
            .bind(token_hash)
            .bind(crate::now_ms())
            .execute(p)
            .await
            .map(drop)?);
        Ok(())
    }

    /// Stores a new agent token's hash.
    pub async fn create_agent_token(
        &self,
        token_hash: &str,
        team_id: i64,
        driver_user_id: i64,
        label: &str,
    ) -> Result<AgentToken> {
        self.ready().await?;
        let created_at_ms = crate::now_ms();
        let id: i64 = with_pool!(&self.pool, p => sqlx::query_scalar(
            "INSERT INTO agent_tokens (token_hash, team_id, driver_user_id, label, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(token_hash)
            .bind(team_id)
            .bind(driver_user_id)
            .bind(label)
            .bind(created_at_ms)
            .fetch_one(p)
            .await?);
        Ok(AgentToken { id, team_id, driver_user_id, label: label.to_owned(), created_at_ms, revoked_at_ms: None })
    }

    /// The agent token hashing to `token_hash`, revoked or not.
    pub async fn agent_token(&self, token_hash: &str) -> Result<Option<AgentToken>> {
        self.ready().await?;
        let sql = concat!(token_columns!(), "WHERE token_hash = $1");
        let row: Option<AgentTokenRecord> =
            with_pool!(&self.pool, p => sqlx::query_as(sql).bind(token_hash).fetch_optional(p).await?);
        Ok(row.map(AgentToken::from))
    }

    /// Agent token `id`, revoked or not.
    pub async fn agent_token_by_id(&self, id: i64) -> Result<Option<AgentToken>> {
        self.ready().await?;
        let sql = concat!(token_columns!(), "WHERE id = $1");
        let row: Option<AgentTokenRecord> =
            with_pool!(&self.pool, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(AgentToken::from))
    }

    /// A team's agent tokens, newest first.
    pub async fn agent_tokens(&self, team_id: i64) -> Result<Vec<AgentToken>> {
        self.ready().await?;
        let sql = concat!(token_columns!(), "WHERE team_id = $1 ORDER BY id DESC");
        let rows: Vec<AgentTokenRecord> =
            with_pool!(&self.pool, p => sqlx::query_as(sql).bind(team_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(AgentToken::from).collect())
    }

    /// Revokes token `id` of `team_id`; `false` if the team has no such token or it was revoked already.
    pub async fn revoke_agent_token(&self, team_id: i64, id: i64) -> Result<bool> {
        self.ready().await?;
        let n = with_pool!(&self.pool, p => sqlx::query(
            "UPDATE agent_tokens SET revoked_at_ms = $3 WHERE id = $1 AND team_id = $2 AND revoked_at_ms IS NULL")
            .bind(id)
            .bind(team_id)
            .bind(crate::now_ms())
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Stores a new share link's hash.
    pub async fn create_share_link(
        &self,
        token_hash: &str,
        session_id: i64,
        lap_id: Option<i64>,
        created_by: Option<i64>,
        expires_at_ms: Option<i64>,
    ) -> Result<ShareLink> {
        self.ready().await?;
        let created_at_ms = crate::now_ms();
        let id: i64 = with_pool!(&self.pool, p => sqlx::query_scalar(
            "INSERT INTO share_links (token_hash, session_id, lap_id, created_by, created_at_ms, expires_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(token_hash)
            .bind(session_id)
            .bind(lap_id)
            .bind(created_by)
            .bind(created_at_ms)
            .bind(expires_at_ms)
            .fetch_one(p)
            .await?);
        Ok(ShareLink { id, session_id, lap_id, created_at_ms, expires_at_ms, revoked_at_ms: None })
    }

    /// The share link hashing to `token_hash`, active or not.
    pub async fn share_link(&self, token_hash: &str) -> Result<Option<ShareLink>> {
        self.ready().await?;
        let sql = concat!(share_columns!(), "WHERE token_hash = $1");
        let row: Option<ShareLinkRecord> =
            with_pool!(&self.pool, p => sqlx::query_as(sql).bind(token_hash).fetch_optional(p).await?);
        Ok(row.map(ShareLink::from))
    }

    /// A session's share links, newest first.
    pub async fn share_links(&self, session_id: i64) -> Result<Vec<ShareLink>> {
        self.ready().await?;
        let sql = concat!(share_columns!(), "WHERE session_id = $1 ORDER BY id DESC");
        let rows: Vec<ShareLinkRecord> =
            with_pool!(&self.pool, p => sqlx::query_as(sql).bind(session_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(ShareLink::from).collect())
    }

    /// Revokes share link `id` of `session_id`; `false` if the session has no such active link.
    pub async fn revoke_share_link(&self, session_id: i64, id: i64) -> Result<bool> {
        self.ready().await?;
        let n = with_pool!(&self.pool, p => sqlx::query(
            "UPDATE share_links SET revoked_at_ms = $3 WHERE id = $1 AND session_id = $2 AND revoked_at_ms IS NULL")
            .bind(id)
            .bind(session_id)
            .bind(crate::now_ms())
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Sets who may read a session; `false` if there is no such session.
    pub async fn set_visibility(&self, session_id: i64, visibility: Visibility) -> Result<bool> {
        self.ready().await?;
        let n = with_pool!(&self.pool, p => sqlx::query("UPDATE sessions SET visibility = $2 WHERE id = $1")
            .bind(session_id)
            .bind(visibility.as_str())
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Gives every session without a team (made while the server was local) to `team_id` and
    /// `driver_user_id`; returns how many.
    pub async fn claim_unowned_sessions(&self, team_id: i64, driver_user_id: i64) -> Result<u64> {
        self.ready().await?;
        let n = with_pool!(&self.pool, p => sqlx::query(
            "UPDATE sessions SET team_id = $1, driver_user_id = $2 WHERE team_id IS NULL")
            .bind(team_id)
            .bind(driver_user_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n)
    }

    /// The session a lap belongs to.
    pub async fn lap_session(&self, lap_id: i64) -> Result<Option<i64>> {
        self.ready().await?;
        Ok(with_pool!(&self.pool, p => sqlx::query_scalar("SELECT session_id FROM laps WHERE id = $1")
            .bind(lap_id)
            .fetch_optional(p)
            .await?))
    }
}
