//! Every rule rendered as SQL lets in exactly whom the domain's evaluation lets in: each role,
//! inside or outside, public or private, on a real database.

use baton_core::model::{Role, Visibility};
use baton_core::MemberId;
use sqlx::{AnyConnection, Connection};

use super::*;
use crate::domain::policy::{self, Facts};
use crate::sql::db::{self, Conn};
use crate::view::Scope;

const ROLES: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Guest];

async fn memory() -> Conn {
    sqlx::any::install_default_drivers();
    let mut conn = Conn::from(AnyConnection::connect("sqlite::memory:").await.unwrap());
    for table in [
        "CREATE TABLE channels (id INTEGER PRIMARY KEY, visibility TEXT NOT NULL)",
        "CREATE TABLE channel_members (channel_id INTEGER NOT NULL, member_id INTEGER NOT NULL)",
        "CREATE TABLE dm_members (dm_id INTEGER NOT NULL, member_id INTEGER NOT NULL)",
    ] {
        db::query(table).execute(&mut conn).await.unwrap();
    }
    conn
}

/// Four channels, public and private, the viewer (member 7) in the second and the fourth.
#[tokio::test]
async fn the_channel_rule_reads_the_same_in_sql() {
    let mut conn = memory().await;
    let channels = [
        (1, Visibility::Public, false),
        (2, Visibility::Public, true),
        (3, Visibility::Private, false),
        (4, Visibility::Private, true),
    ];
    for (id, visibility, inside) in channels {
        db::query("INSERT INTO channels (id, visibility) VALUES ($1, $2)")
            .bind(id)
            .bind(visibility.as_str())
            .execute(&mut conn)
            .await
            .unwrap();
        if inside {
            db::query("INSERT INTO channel_members VALUES ($1, 7)").bind(id).execute(&mut conn).await.unwrap();
        }
    }
    for role in ROLES {
        let viewer = Viewer { member: MemberId(7), role };
        let found: Vec<(i64,)> = db::query_as(&format!("{} ORDER BY id", visible_channels()))
            .bind(guest(&viewer))
            .bind(viewer.member.0)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let found: Vec<i64> = found.into_iter().map(|(id,)| id).collect();
        let expected: Vec<i64> = channels
            .iter()
            .filter(|(_, visibility, inside)| policy::may_read_channel(&viewer, *visibility, *inside))
            .map(|(id, ..)| *id)
            .collect();
        assert_eq!(found, expected, "{role:?}");
    }
    // The rule itself, spelled out: nobody outside reads a private channel, admins included.
    let admin = Viewer { member: MemberId(7), role: Role::Admin };
    assert!(!policy::may_read_channel(&admin, Visibility::Private, false));
    assert!(!policy::may_read_channel(&Viewer { role: Role::Guest, ..admin }, Visibility::Public, false));
}

/// A rule as SQL, evaluated for one viewer: whether it holds.
async fn holds_in_sql(conn: &mut Conn, condition: &str, viewer: &Viewer) -> bool {
    let (holds,): (i64,) = db::query_as(&format!("SELECT CASE WHEN {condition} THEN 1 ELSE 0 END"))
        .bind(guest(viewer))
        .bind(viewer.member.0)
        .bind(admin(viewer))
        .fetch_one(conn)
        .await
        .unwrap();
    holds == 1
}

#[tokio::test]
async fn the_rules_on_conversations_work_and_admins_read_the_same_in_sql() {
    let mut conn = memory().await;
    db::query("INSERT INTO dm_members VALUES (1, 7)").execute(&mut conn).await.unwrap();
    for role in ROLES {
        for member in [7, 8] {
            let viewer = Viewer { member: MemberId(member), role };
            let inside = member == 7;
            let in_dm = holds_in_sql(&mut conn, &reads_dm("1", "$2"), &viewer).await;
            assert_eq!(in_dm, policy::may_see(Scope::Dm(baton_core::DmId(1)), role, inside), "{viewer:?}");
            assert_eq!(in_dm, inside, "only those in a conversation read it: {viewer:?}");
            let work = holds_in_sql(&mut conn, &reads_work("$1"), &viewer).await;
            assert_eq!(work, policy::READ_WORK.holds(&Facts::of(role)), "{viewer:?}");
            assert_eq!(work, policy::may_see(Scope::Internal, role, false));
            let admins = holds_in_sql(&mut conn, &reads_admins("$3"), &viewer).await;
            assert_eq!(admins, policy::may_see(Scope::Admins, role, false), "{viewer:?}");
            assert_eq!(admins, matches!(role, Role::Owner | Role::Admin));
        }
    }
}

/// A fact a query cannot spell lets nobody in.
#[test]
fn an_unspelled_fact_denies() {
    assert_eq!(condition(READ_CHANNEL, &Spelling::default()), "(FALSE OR (FALSE AND FALSE))");
    let open_only = Spelling { open: Some("visibility = 'public'"), ..Spelling::default() };
    assert_eq!(condition(READ_CHANNEL, &open_only), "(FALSE OR ((visibility = 'public') AND FALSE))");
}
