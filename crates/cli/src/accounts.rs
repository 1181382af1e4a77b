//! `racecraft user` and `racecraft token`: a team server's accounts and agent tokens, written straight into
//! its database (the same `--data-dir` / `--db` as `racecraft serve`), so the first owner exists before the
//! server will start in team mode.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use racecraft_auth::secret::{self, Kind};
use racecraft_core::Role;
use racecraft_store::Store;

/// Which database: the same flags and defaults as `racecraft serve`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The server's data directory [default: as `racecraft serve`].
    #[arg(long, env = "RACECRAFT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The server's database URL [default: SQLite in the data dir].
    #[arg(long, env = "RACECRAFT_DB")]
    db: Option<String>,
}

impl DbArgs {
    async fn open(&self) -> Result<Store> {
        let url = match &self.db {
            Some(url) => url.clone(),
            None => {
                let dir = match &self.data_dir {
                    Some(d) => d.clone(),
                    None => crate::default_data_dir()?,
                };
                format!("sqlite://{}", dir.join("racecraft.db").display())
            }
        };
        Store::connect(&url).await.with_context(|| format!("opening {url}"))
    }
}

/// `racecraft user …`.
#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user to a team (creating both as needed), printing a new user's one-time password. The first
    /// user of a server becomes its team's owner and receives the sessions recorded before teams existed.
    Add {
        /// User name.
        name: String,
        /// Team name.
        #[arg(long)]
        team: String,
        /// Role in the team [default: owner for a new team, driver otherwise].
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new one-time password for a user (signing them out everywhere) and print it.
    ResetPassword {
        /// User name.
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `racecraft token …`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an agent token that streams for one team and driver; the token alone is the last line printed.
    Create {
        /// Team name.
        #[arg(long)]
        team: String,
        /// The driver (a member of the team) whose sessions it makes.
        #[arg(long)]
        driver: String,
        /// A note for the token list ("sim rig").
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List a team's agent tokens (never the tokens themselves).
    List {
        /// Team name.
        #[arg(long)]
        team: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token by id: it authenticates nothing from now on, and a running server cuts the live agents
    /// using it within 5 s.
    Revoke {
        /// Team name.
        #[arg(long)]
        team: String,
        /// The token's id (`racecraft token list`).
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: racecraft_core::UnknownName| e.to_string())
}

async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || racecraft_auth::password::hash(&password))
        .await?
        .context("hashing the password")
}

/// Runs `racecraft user …`.
pub async fn user(args: UserArgs) -> Result<()> {
    match args.command {
        UserCommand::Add { name, team, role, db } => {
            let name = racecraft_auth::user_name(&name).map_err(anyhow::Error::msg)?;
            let store = db.open().await?;
            let first = store.user_count().await? == 0;
            let (team_id, new_team) = store.ensure_team(&team).await?;
            let role = role.unwrap_or(if new_team { Role::Owner } else { Role::Driver });
            let (user, password) = match store.user_by_name(name).await? {
                Some((user, _)) => (user, None),
                None => {
                    let password = racecraft_auth::password::generate()?;
                    let user = store
                        .create_user(name, &hash(password.clone()).await?)
                        .await?
                        .context("the name was taken meanwhile; run the command again")?;
                    (user, Some(password))
                }
            };
            store.set_membership(team_id, user.id, role).await?;
            println!("{} is {role} of team {team}{}", user.name, if new_team { " (new team)" } else { "" });
            if first {
                let claimed = store.claim_unowned_sessions(team_id, user.id).await?;
                if claimed > 0 {
                    println!("{claimed} existing sessions now belong to team {team}, driven by {}", user.name);
                }
            }
            if let Some(password) = password {
                println!("one-time password (change it after signing in):");
                println!("{password}");
            }
            Ok(())
        }
        UserCommand::ResetPassword { name, db } => {
            let store = db.open().await?;
            let (user, _) = store.user_by_name(&name).await?.with_context(|| format!("no user `{name}`"))?;
            let password = racecraft_auth::password::generate()?;
            store.set_password(user.id, &hash(password.clone()).await?).await?;
            println!("one-time password for {name} (their other sign-ins have ended):");
            println!("{password}");
            Ok(())
        }
    }
}

async fn team_id(store: &Store, team: &str) -> Result<i64> {
    store.team_by_name(team).await?.with_context(|| format!("no team `{team}` (create it with `racecraft user add`)"))
}

/// Runs `racecraft token …`.
pub async fn token(args: TokenArgs) -> Result<()> {
    match args.command {
        TokenCommand::Create { team, driver, label, db } => {
            let store = db.open().await?;
            let team_id = team_id(&store, &team).await?;
            let member = store
                .members(team_id)
                .await?
                .into_iter()
                .find(|m| m.name == driver)
                .with_context(|| format!("`{driver}` is not a member of team {team}"))?;
            if !member.role.streams() {
                bail!("`{driver}` is a viewer of team {team} and does not stream");
            }
            let token = secret::generate(Kind::Agent)?;
            let row = store.create_agent_token(&secret::digest(&token), team_id, member.user_id, &label).await?;
            println!(
                "agent token {} for {driver} in team {team} (shown once; stream with --token or RACECRAFT_TOKEN):",
                row.id
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { team, db } => {
            let store = db.open().await?;
            let team_id = team_id(&store, &team).await?;
            let members = store.members(team_id).await?;
            println!("{:>5}  {:<20} {:<20} {:<10}", "id", "driver", "label", "state");
            for t in store.agent_tokens(team_id).await? {
                let driver = members.iter().find(|m| m.user_id == t.driver_user_id).map_or("?", |m| m.name.as_str());
                let state = if t.revoked_at_ms.is_some() { "revoked" } else { "active" };
                println!("{:>5}  {driver:<20} {:<20} {state:<10}", t.id, t.label);
            }
            Ok(())
        }
        TokenCommand::Revoke { team, id, db } => {
            let store = db.open().await?;
            let team_id = team_id(&store, &team).await?;
            if !store.revoke_agent_token(team_id, id).await? {
                bail!("team {team} has no active token {id}");
            }
            println!("token {id} revoked");
            Ok(())
        }
    }
}
