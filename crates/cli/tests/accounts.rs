//! `racecraft user` and `racecraft token` on a server's data directory, and `racecraft serve` refusing team mode
//! without them.

use std::process::{Command, Output};

fn racecraft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racecraft")).args(args).env("RUST_BACKTRACE", "0").output().expect("runs")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_first_owner_takes_the_local_sessions_and_tokens_print_alone_on_their_last_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().to_str().expect("utf8");
    let url = format!("sqlite://{}", dir.path().join("racecraft.db").display());
    let store = racecraft_store::Store::connect(&url).await.expect("store");
    let meta = racecraft_core::SessionMeta { track: "Monza".into(), ..Default::default() };
    let local = store.create_session(&meta, None).await.expect("session");

    let out = stdout(&racecraft(&["user", "add", "olga", "--team", "Scuderia", "--data-dir", data]));
    assert!(out.contains("olga is owner of team Scuderia (new team)"), "{out}");
    assert!(out.contains("1 existing sessions now belong to team Scuderia"), "{out}");
    let password = out.lines().last().expect("password line");
    assert_eq!(password.len(), 22, "{out}");
    let (olga, hash) = store.user_by_name("olga").await.expect("query").expect("olga");
    assert!(racecraft_auth::password::verify(password, &hash).expect("hash"), "the printed password signs in");
    let claimed = store.session(local.id).await.expect("query").expect("row");
    assert_eq!(claimed.driver_user_id, Some(olga.id));

    let out = stdout(&racecraft(&["user", "add", "vic", "--team", "Scuderia", "--role", "viewer", "--data-dir", data]));
    assert!(out.contains("vic is viewer of team Scuderia"), "{out}");
    let refused = racecraft(&["token", "create", "--team", "Scuderia", "--driver", "vic", "--data-dir", data]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("viewer"), "{refused:?}");

    let out = stdout(&racecraft(&["token", "create", "--team", "Scuderia", "--driver", "olga", "--data-dir", data]));
    let token = out.lines().last().expect("token line");
    assert!(racecraft_auth::secret::looks_like(racecraft_auth::secret::Kind::Agent, token), "{out}");
    let row = store.agent_token(&racecraft_auth::secret::digest(token)).await.expect("query").expect("stored hashed");
    assert_eq!(row.driver_user_id, olga.id);

    let id = row.id.to_string();
    stdout(&racecraft(&["token", "revoke", "--team", "Scuderia", &id, "--data-dir", data]));
    let list = stdout(&racecraft(&["token", "list", "--team", "Scuderia", "--data-dir", data]));
    assert!(list.contains("revoked") && !list.contains(token), "{list}");
}

#[test]
fn serve_beyond_loopback_without_accounts_says_how_to_make_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = racecraft(&["serve", "--listen", "0.0.0.0:0", "--data-dir", dir.path().to_str().expect("utf8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("racecraft user add NAME --team TEAM"), "{err}");
}
