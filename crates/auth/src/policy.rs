//! The access policy: who a request comes from ([`Principal`]) and what that allows on a session
//! ([`SessionAccess`]) or a team.
//!
//! | principal | reads | changes | streams |
//! |---|---|---|---|
//! | local owner (loopback server without teams) | everything | everything | yes |
//! | owner, engineer | every session of their teams | every session of their teams | yes |
//! | driver | their own, and the team's non-private sessions | their own | yes, as themself |
//! | viewer | the team's non-private sessions | nothing | no |
//! | agent token | nothing | nothing | for its team and driver only |
//! | share link | its session (or only its lap) while it is active and the session is shared by link | nothing | no |
//! | anonymous | nothing | nothing | no |

use racecraft_core::{Role, Visibility};

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A server without teams, listening on loopback only: whoever reaches it owns it.
    LocalOwner,
    /// A signed-in user and their role in each of their teams.
    User {
        /// The user's id.
        user_id: i64,
        /// `(team id, role)` for each team they belong to.
        teams: Vec<(i64, Role)>,
    },
    /// An agent token: streams for one team and driver, reads nothing.
    Agent {
        /// The token's id (to find and cut its connections when revoked).
        token_id: i64,
        /// The team its sessions belong to.
        team_id: i64,
        /// The driver its sessions belong to.
        driver_user_id: i64,
    },
    /// A share link.
    Share {
        /// The session it opens.
        session_id: i64,
        /// The one lap it opens, or the whole session.
        lap_id: Option<i64>,
    },
    /// Nobody in particular.
    Anonymous,
}

/// What the policy needs to know about a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionAccess {
    /// The session's id.
    pub id: i64,
    /// Its team; `None` for a session made while the server had no teams.
    pub team_id: Option<i64>,
    /// Its driver.
    pub driver_user_id: Option<i64>,
    /// Who else may read it.
    pub visibility: Visibility,
}

/// Where a principal's new sessions go: a team and a driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamAs {
    /// The team.
    pub team_id: i64,
    /// The driver.
    pub driver_user_id: i64,
}

impl Principal {
    /// The principal's role in `team_id`, if it is a member.
    pub fn role_in(&self, team_id: i64) -> Option<Role> {
        match self {
            Principal::User { teams, .. } => teams.iter().find(|(t, _)| *t == team_id).map(|(_, r)| *r),
            _ => None,
        }
    }

    /// Whether this is a person (or the local owner) rather than a token, link or nobody.
    pub fn is_user(&self) -> bool {
        matches!(self, Principal::LocalOwner | Principal::User { .. })
    }

    /// Reads `session` (its laps, analysis, live stream, export).
    pub fn reads_session(&self, session: &SessionAccess) -> bool {
        match self {
            Principal::LocalOwner => true,
            Principal::User { user_id, .. } => {
                let Some(team) = session.team_id else { return false };
                match self.role_in(team) {
                    Some(role) if role.edits_any_session() => true,
                    Some(_) => session.visibility != Visibility::Private || session.driver_user_id == Some(*user_id),
                    None => false,
                }
            }
            Principal::Share { session_id, lap_id: None } => {
                *session_id == session.id && session.visibility == Visibility::Link
            }
            // A lap's link opens that lap only: see `reads_lap`.
            Principal::Share { lap_id: Some(_), .. } | Principal::Agent { .. } | Principal::Anonymous => false,
        }
    }

    /// Reads lap `lap_id` of `session`.
    pub fn reads_lap(&self, session: &SessionAccess, lap_id: i64) -> bool {
        match self {
            Principal::Share { session_id, lap_id: Some(shared) } => {
                *session_id == session.id && *shared == lap_id && session.visibility == Visibility::Link
            }
            _ => self.reads_session(session),
        }
    }

    /// Renames, archives, deletes `session`, changes its visibility and share links.
    pub fn edits_session(&self, session: &SessionAccess) -> bool {
        match self {
            Principal::LocalOwner => true,
            Principal::User { user_id, .. } => {
                let Some(team) = session.team_id else { return false };
                match self.role_in(team) {
                    Some(role) if role.edits_any_session() => true,
                    Some(role) => role.streams() && session.driver_user_id == Some(*user_id),
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Manages team `team_id`: members, roles, agent tokens.
    pub fn manages_team(&self, team_id: i64) -> bool {
        self.role_in(team_id).is_some_and(Role::manages_team)
    }

    /// Whether this principal may create sessions and stream, and as whom: `Ok(None)` for the local owner
    /// (sessions without a team), `Ok(Some(_))` for an agent token or a user who streams (their first team,
    /// by id, where their role allows it), `Err(())` for everyone else.
    #[allow(clippy::result_unit_err)]
    pub fn streams_as(&self) -> Result<Option<StreamAs>, ()> {
        match self {
            Principal::LocalOwner => Ok(None),
            Principal::Agent { team_id, driver_user_id, .. } => {
                Ok(Some(StreamAs { team_id: *team_id, driver_user_id: *driver_user_id }))
            }
            Principal::User { user_id, teams } => teams
                .iter()
                .filter(|(_, role)| role.streams())
                .map(|(team_id, _)| *team_id)
                .min()
                .map(|team_id| Some(StreamAs { team_id, driver_user_id: *user_id }))
                .ok_or(()),
            Principal::Share { .. } | Principal::Anonymous => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM: i64 = 1;
    const OTHER: i64 = 2;

    fn user(id: i64, role: Role) -> Principal {
        Principal::User { user_id: id, teams: vec![(TEAM, role)] }
    }

    fn session(visibility: Visibility) -> SessionAccess {
        SessionAccess { id: 10, team_id: Some(TEAM), driver_user_id: Some(7), visibility }
    }

    #[test]
    fn private_sessions_are_read_by_their_driver_and_the_team_s_staff_only() {
        let s = session(Visibility::Private);
        assert!(user(7, Role::Driver).reads_session(&s), "its driver");
        assert!(user(8, Role::Engineer).reads_session(&s));
        assert!(user(8, Role::Owner).reads_session(&s));
        assert!(!user(8, Role::Driver).reads_session(&s), "another driver");
        assert!(!user(8, Role::Viewer).reads_session(&s));
        assert!(user(8, Role::Viewer).reads_session(&session(Visibility::Team)));
    }

    #[test]
    fn nobody_outside_the_team_reads_or_edits_whatever_the_visibility() {
        let outsider = Principal::User { user_id: 7, teams: vec![(OTHER, Role::Owner)] };
        for v in Visibility::ALL {
            assert!(!outsider.reads_session(&session(v)), "{v}");
            assert!(!outsider.edits_session(&session(v)), "{v}");
            assert!(!Principal::Anonymous.reads_session(&session(v)));
        }
        assert!(!outsider.manages_team(TEAM));
    }

    #[test]
    fn agent_tokens_read_nothing_and_stream_for_their_team_and_driver() {
        let agent = Principal::Agent { token_id: 3, team_id: TEAM, driver_user_id: 7 };
        assert!(!agent.reads_session(&session(Visibility::Team)));
        assert!(!agent.edits_session(&session(Visibility::Team)));
        assert_eq!(agent.streams_as(), Ok(Some(StreamAs { team_id: TEAM, driver_user_id: 7 })));
    }

    #[test]
    fn share_links_open_their_session_or_lap_only_and_only_while_shared_by_link() {
        let link = Principal::Share { session_id: 10, lap_id: None };
        assert!(link.reads_session(&session(Visibility::Link)));
        assert!(!link.reads_session(&session(Visibility::Team)), "visibility taken back");
        assert!(!link.reads_session(&SessionAccess { id: 11, ..session(Visibility::Link) }));
        assert!(!link.edits_session(&session(Visibility::Link)));
        let lap = Principal::Share { session_id: 10, lap_id: Some(100) };
        assert!(lap.reads_lap(&session(Visibility::Link), 100));
        assert!(!lap.reads_lap(&session(Visibility::Link), 101));
        assert!(!lap.reads_session(&session(Visibility::Link)));
    }

    #[test]
    fn drivers_edit_their_own_sessions_viewers_nothing_engineers_all() {
        assert!(user(7, Role::Driver).edits_session(&session(Visibility::Team)));
        assert!(!user(8, Role::Driver).edits_session(&session(Visibility::Team)));
        assert!(!user(7, Role::Viewer).edits_session(&session(Visibility::Team)));
        assert!(user(8, Role::Engineer).edits_session(&session(Visibility::Team)));
        assert!(user(1, Role::Owner).manages_team(TEAM));
        assert!(!user(1, Role::Engineer).manages_team(TEAM));
    }

    #[test]
    fn viewers_do_not_stream_and_users_stream_into_their_lowest_team() {
        assert_eq!(user(1, Role::Viewer).streams_as(), Err(()));
        let multi = Principal::User { user_id: 5, teams: vec![(9, Role::Driver), (4, Role::Viewer), (6, Role::Owner)] };
        assert_eq!(multi.streams_as(), Ok(Some(StreamAs { team_id: 6, driver_user_id: 5 })));
        assert_eq!(Principal::LocalOwner.streams_as(), Ok(None));
        assert_eq!(Principal::Anonymous.streams_as(), Err(()));
    }
}
