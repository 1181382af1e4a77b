//! The team server's rows on both backends: teams and members, logins that expire, agent tokens revoked
//! only within their team, share links, and local sessions handed to the first owner.

use racecraft_core::{Role, Visibility};
use racecraft_store::Owner;

use crate::both_backends;
use crate::common::{TestDb, meta};

both_backends!(
    members_and_roles_per_team,
    logins_expire_and_end,
    tokens_and_share_links_are_scoped_and_revocable,
    owned_sessions_and_the_first_owner_claims_local_ones,
);

async fn members_and_roles_per_team(db: TestDb) {
    let store = &db.store;
    assert_eq!(store.user_count().await.expect("count"), 0);
    let (a, new) = store.ensure_team("Alpha").await.expect("team");
    assert!(new);
    assert_eq!(store.ensure_team("Alpha").await.expect("team"), (a, false), "the same team again");
    let (b, _) = store.ensure_team("Beta").await.expect("team");
    let ana = store.create_user("ana", "h1").await.expect("user").expect("new");
    assert!(store.create_user("ana", "h2").await.expect("user").is_none(), "names are unique");
    store.set_membership(a, ana.id, Role::Owner).await.expect("member");
    store.set_membership(b, ana.id, Role::Viewer).await.expect("member");
    store.set_membership(b, ana.id, Role::Engineer).await.expect("role changed");
    let teams: Vec<_> = store.memberships(ana.id).await.expect("teams").into_iter().map(|m| (m.team, m.role)).collect();
    assert_eq!(teams, vec![("Alpha".to_owned(), Role::Owner), ("Beta".to_owned(), Role::Engineer)]);
    assert!(store.remove_membership(b, ana.id).await.expect("remove"));
    assert!(!store.remove_membership(b, ana.id).await.expect("remove again"));
    assert_eq!(store.members(a).await.expect("members").len(), 1);
    assert_eq!(store.user_by_name("ana").await.expect("user").map(|(u, h)| (u.id, h)), Some((ana.id, "h1".into())));
}

async fn logins_expire_and_end(db: TestDb) {
    let store = &db.store;
    let u = store.create_user("ben", "h").await.expect("user").expect("new");
    store.create_login("cookie-hash", u.id, 2_000).await.expect("login");
    assert_eq!(store.login_user("cookie-hash", 1_999).await.expect("login").map(|u| u.id), Some(u.id));
    assert_eq!(store.login_user("cookie-hash", 2_000).await.expect("login"), None, "expired");
    store.create_login("other", u.id, i64::MAX).await.expect("login");
    assert!(store.set_password(u.id, "h2").await.expect("password"));
    assert_eq!(store.login_user("other", 0).await.expect("login"), None, "a new password ends every login");
}

async fn tokens_and_share_links_are_scoped_and_revocable(db: TestDb) {
    let store = &db.store;
    let (a, _) = store.ensure_team("A").await.expect("team");
    let (b, _) = store.ensure_team("B").await.expect("team");
    let d = store.create_user("dan", "h").await.expect("user").expect("new");
    let t = store.create_agent_token("t-hash", a, d.id, "rig").await.expect("token");
    assert_eq!(store.agent_token("t-hash").await.expect("token"), Some(t.clone()));
    assert!(!store.revoke_agent_token(b, t.id).await.expect("revoke"), "another team cannot revoke it");
    assert!(store.revoke_agent_token(a, t.id).await.expect("revoke"));
    assert!(!store.revoke_agent_token(a, t.id).await.expect("revoke"), "once");
    assert!(store.agent_token("t-hash").await.expect("token").expect("row").revoked_at_ms.is_some());

    let s = store.create_session(&meta("Monza", 0), None).await.expect("session");
    let link = store.create_share_link("s-hash", s.id, None, Some(d.id), Some(5_000)).await.expect("share");
    let read = store.share_link("s-hash").await.expect("share").expect("row");
    assert!(read.is_active(4_999) && !read.is_active(5_000), "expires");
    assert!(!store.revoke_share_link(s.id + 1, link.id).await.expect("revoke"), "only through its session");
    assert!(store.revoke_share_link(s.id, link.id).await.expect("revoke"));
    assert!(!store.share_link("s-hash").await.expect("share").expect("row").is_active(0));
    assert!(store.delete_session(s.id).await.expect("delete"));
    assert_eq!(store.share_link("s-hash").await.expect("share"), None, "links go with their session");
}

async fn owned_sessions_and_the_first_owner_claims_local_ones(db: TestDb) {
    let store = &db.store;
    let local = store.create_session(&meta("Monza", 0), None).await.expect("session");
    assert_eq!((local.team_id, local.visibility), (None, Visibility::Team));
    let (team, _) = store.ensure_team("A").await.expect("team");
    let u = store.create_user("olga", "h").await.expect("user").expect("new");
    let owned = store
        .create_owned_session(&meta("Spa", 1), None, Some(Owner { team_id: team, driver_user_id: Some(u.id) }))
        .await
        .expect("session");
    assert_eq!(store.session(owned.id).await.expect("read").expect("row").owner(), owned.owner());
    assert_eq!(store.claim_unowned_sessions(team, u.id).await.expect("claim"), 1, "the local one only");
    let claimed = store.session(local.id).await.expect("read").expect("row");
    assert_eq!((claimed.team_id, claimed.driver_user_id), (Some(team), Some(u.id)));
    assert!(store.set_visibility(local.id, Visibility::Private).await.expect("visibility"));
    assert_eq!(store.session(local.id).await.expect("read").expect("row").visibility, Visibility::Private);
}
