//! The team server's bodies: signing in, the signed-in user, members, agent tokens, share links.
//!
//! Secrets (a new member's one-time password, an agent token, a share link) appear in exactly one response,
//! the one that creates them; the server keeps only their hashes.

use racecraft_core::Role;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `POST /api/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// User name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// Whether the server has accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum AuthModeName {
    /// Loopback, no accounts.
    Local,
    /// Accounts and teams; sign in.
    Team,
}

/// One of the signed-in user's teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TeamRole {
    /// Team id.
    #[ts(type = "number")]
    pub id: i64,
    /// Team name.
    pub name: String,
    /// The user's role in it.
    #[ts(type = "\"owner\" | \"engineer\" | \"driver\" | \"viewer\"")]
    pub role: Role,
}

/// A user account as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserBody {
    /// User id.
    #[ts(type = "number")]
    pub id: i64,
    /// User name.
    pub name: String,
}

/// `GET /api/me` (and the answer to a login): the server's mode and who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Me {
    /// Local or team.
    pub mode: AuthModeName,
    /// The signed-in user; `null` when nobody is (or on a local server).
    pub user: Option<UserBody>,
    /// Their teams.
    pub teams: Vec<TeamRole>,
}

/// `POST /api/account/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password now (or the one-time password).
    pub current: String,
    /// The new one, at least 10 characters.
    pub new: String,
}

/// A member of a team (`GET /api/teams/{team}/members`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemberBody {
    /// User id.
    #[ts(type = "number")]
    pub user_id: i64,
    /// User name.
    pub name: String,
    /// Role in the team.
    #[ts(type = "\"owner\" | \"engineer\" | \"driver\" | \"viewer\"")]
    pub role: Role,
}

/// `POST /api/teams/{team}/members`: add a user (created when new) or change their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    /// User name.
    pub name: String,
    /// Role in the team.
    #[ts(type = "\"owner\" | \"engineer\" | \"driver\" | \"viewer\"")]
    pub role: Role,
}

/// The answer to [`AddMember`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemberAdded {
    /// The member.
    pub member: MemberBody,
    /// The new user's one-time password, shown this once; `null` for an existing user.
    pub one_time_password: Option<String>,
}

/// An agent token as the team page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgentTokenBody {
    /// Token id.
    #[ts(type = "number")]
    pub id: i64,
    /// The driver its sessions belong to.
    #[ts(type = "number")]
    pub driver_user_id: i64,
    /// A note.
    pub label: String,
    /// Created, ms since the Unix epoch.
    #[ts(type = "number")]
    pub created_at_ms: i64,
    /// Revoked, ms since the Unix epoch.
    #[ts(type = "number | null")]
    pub revoked_at_ms: Option<i64>,
}

/// `POST /api/teams/{team}/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentToken {
    /// The driver (a member of the team) whose sessions it streams.
    pub driver: String,
    /// A note ("sim rig", "laptop").
    #[serde(default)]
    pub label: String,
}

/// The answer to [`CreateAgentToken`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreatedAgentToken {
    /// The token as listed.
    pub listed: AgentTokenBody,
    /// The token itself, shown this once: `racecraft capture --token …` or `RACECRAFT_TOKEN`.
    pub token: String,
}

/// A share link as the session's owner lists it (never the link's secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShareLinkBody {
    /// Link id.
    #[ts(type = "number")]
    pub id: i64,
    /// The one lap it opens, or `null` for the whole session.
    #[ts(type = "number | null")]
    pub lap_id: Option<i64>,
    /// Created, ms since the Unix epoch.
    #[ts(type = "number")]
    pub created_at_ms: i64,
    /// Expires, ms since the Unix epoch.
    #[ts(type = "number | null")]
    pub expires_at_ms: Option<i64>,
    /// Revoked, ms since the Unix epoch.
    #[ts(type = "number | null")]
    pub revoked_at_ms: Option<i64>,
}

/// `POST /api/sessions/{id}/shares`: a read-only link to the session or one of its laps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateShareLink {
    /// One lap of the session; the whole session when absent.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub lap_id: Option<i64>,
    /// Seconds until it stops working; never when absent.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub expires_in_s: Option<u64>,
}

/// The answer to [`CreateShareLink`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreatedShareLink {
    /// The link as listed.
    pub listed: ShareLinkBody,
    /// The secret, shown this once: sent as `Authorization: Bearer …`, or in the page address after `#share=`.
    pub token: String,
}

/// `GET /api/shared` with a share link as the bearer: what it opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Shared {
    /// The session.
    #[ts(type = "number")]
    pub session_id: i64,
    /// The one lap, or `null` for the whole session.
    #[ts(type = "number | null")]
    pub lap_id: Option<i64>,
}
