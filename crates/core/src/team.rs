//! Who may do what on a team server: a member's [`Role`] in a team and a session's [`Visibility`].

use std::fmt;
use std::str::FromStr;

/// A member's role in one team. A user may hold a different role in each team they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Role {
    /// Members, roles, invites, agent tokens and everything an engineer may do.
    Owner,
    /// Reads every session of the team, live and stored, and changes them (name, archive, visibility).
    Engineer,
    /// Streams as themself and reads the team's sessions; changes their own sessions.
    Driver,
    /// Reads the team's sessions, nothing else.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Engineer, Role::Driver, Role::Viewer];

    /// The name used in URLs, the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Engineer => "engineer",
            Role::Driver => "driver",
            Role::Viewer => "viewer",
        }
    }

    /// Adds and removes members, changes roles, creates and revokes agent tokens.
    pub fn manages_team(self) -> bool {
        self == Role::Owner
    }

    /// Reads sessions other members made private, and changes any session of the team.
    pub fn edits_any_session(self) -> bool {
        matches!(self, Role::Owner | Role::Engineer)
    }

    /// Creates sessions and streams telemetry into them.
    pub fn streams(self) -> bool {
        matches!(self, Role::Owner | Role::Engineer | Role::Driver)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a role or visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What was asked for.
    pub name: String,
    /// What it had to be one of.
    pub expected: &'static str,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {:?}, expected one of {}", self.name, self.expected)
    }
}

impl std::error::Error for UnknownName {}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Role, UnknownName> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName { name: s.to_owned(), expected: "owner, engineer, driver, viewer" })
    }
}

/// Who may read a session besides its driver and the team's owners and engineers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Visibility {
    /// Its driver, and the team's owners and engineers.
    Private,
    /// Every member of its team.
    #[default]
    Team,
    /// Every member of its team, and anyone holding one of its share links.
    Link,
}

impl Visibility {
    /// Every visibility.
    pub const ALL: [Visibility; 3] = [Visibility::Private, Visibility::Team, Visibility::Link];

    /// The name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Team => "team",
            Visibility::Link => "link",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Visibility, UnknownName> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownName { name: s.to_owned(), expected: "private, team, link" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_others_are_refused() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        for v in Visibility::ALL {
            assert_eq!(v.as_str().parse::<Visibility>(), Ok(v));
        }
        assert!("Owner".parse::<Role>().is_err());
        assert!("public".parse::<Visibility>().expect_err("refused").to_string().contains("private, team, link"));
    }

    #[test]
    fn only_owners_manage_and_viewers_never_stream() {
        assert_eq!(Role::ALL.map(Role::manages_team), [true, false, false, false]);
        assert_eq!(Role::ALL.map(Role::edits_any_session), [true, true, false, false]);
        assert_eq!(Role::ALL.map(Role::streams), [true, true, true, false]);
    }
}
