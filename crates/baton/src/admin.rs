//! `baton admin`: what a self-hoster needs without the API.

use anyhow::{bail, Context};
use baton_core::calendar::parse_time_zone;
use baton_core::model::Role;
use baton_core::validate;
use baton_server::auth::{hash_password_blocking, new_token};
use baton_store::{Command, Envelope, NewMember, SqlStore, Store, Viewer};

#[derive(Debug, clap::Args)]
pub(crate) struct AdminArgs {
    #[command(flatten)]
    place: crate::workspace::Place,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AdminCommand {
    /// Create a member who can sign in with the given password (or one made up and printed).
    #[command(after_help = "Example, a login that sees everything in an imported workspace:\n  \
        baton admin create-user --data-dir ./team --role owner --handle lead --email lead@example.com")]
    CreateUser {
        #[arg(long)]
        handle: String,
        #[arg(long)]
        email: String,
        /// At least 8 characters. Without it a password is made up and printed once.
        #[arg(long, env = "BATON_PASSWORD")]
        password: Option<String>,
        /// owner or admin: sees every page (admin, insights with every member, nothing withheld
        /// under the five-person privacy floor); member: sees what they take part in; guest.
        #[arg(long, default_value = "member")]
        role: String,
        /// IANA time zone; default the workspace's.
        #[arg(long)]
        time_zone: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a new password for a member (by e-mail or handle) and sign them out everywhere.
    ResetPassword {
        /// The member's e-mail address or handle.
        #[arg(long)]
        user: String,
        #[arg(long, env = "BATON_PASSWORD")]
        password: String,
    },
    /// List members with their roles and time zones.
    ListUsers,
    /// Write every projection again from the event log (channels, threads, messages, tasks,
    /// huddles, …), in one transaction: a repair after the tables drifted from the log. Members,
    /// check-ins, jobs, notifications and read marks are kept as they are. Writers wait meanwhile.
    Rebuild,
}

pub(crate) async fn run(args: AdminArgs) -> anyhow::Result<()> {
    // Opening would create an empty database: a mistyped --data-dir must not leave one behind.
    let no_workspace = || {
        format!(
            "{} holds no workspace yet: start `baton serve` and POST /api/v1/setup, or run `baton demo`",
            args.place.describe()
        )
    };
    if !args.place.may_hold_one() {
        bail!(no_workspace());
    }
    let store = args.place.open().await?;
    let Some(workspace) = store.workspace().await? else {
        bail!(no_workspace());
    };
    let owner = first_owner(&store).await?;
    match args.command {
        AdminCommand::CreateUser { handle, email, password, role, time_zone, display_name } => {
            let role = Role::parse(&role)
                .with_context(|| format!("unknown role {role:?}: use owner, admin, member or guest"))?;
            let made_up = password.is_none();
            let password = password.unwrap_or_else(|| new_token()[..24].to_string());
            validate::password("password", &password)?;
            let time_zone = time_zone.unwrap_or(workspace.time_zone);
            parse_time_zone(&time_zone)?;
            let handle = validate::handle("handle", &handle)?;
            let member = NewMember {
                display_name: display_name
                    .map(|n| validate::name("display_name", &n))
                    .transpose()?
                    .unwrap_or_else(|| handle.clone()),
                handle,
                email: validate::email("email", &email)?,
                role,
                time_zone,
                working_hours: Default::default(),
                password_hash: Some(hash(&password)?),
                service: false,
            };
            let created = store
                .execute(Envelope::new(owner, jiff::Timestamp::now(), Command::AddMember { member, invite: None }))
                .await?
                .into_member_added()?;
            let member = &created.member;
            println!("created {} {} (@{})", member.role.as_str(), member.id, member.handle);
            if made_up {
                println!("password: {password}");
                eprintln!("(shown once; `baton admin reset-password` sets another)");
            }
        }
        AdminCommand::ResetPassword { user, password } => {
            validate::password("password", &password)?;
            let (member, _) = store.login_lookup(&user).await?.with_context(|| format!("no active member {user:?}"))?;
            let command = Command::SetPassword {
                member,
                password_hash: hash(&password)?,
                consume_invite: None,
                revoke_sessions: true,
            };
            store.execute(Envelope::system(jiff::Timestamp::now(), command)).await?;
            println!("password reset for {user}");
        }
        AdminCommand::Rebuild => {
            let rebuilt = baton_store::sql::rebuild(&args.place.database()?).await?;
            println!("rebuilt {} tables from {} events in {}", rebuilt.tables, rebuilt.events, args.place.describe());
        }
        AdminCommand::ListUsers => {
            for member in store.members(&owner).await? {
                println!(
                    "{:>5}  @{:<24} {:<7} {:<22} {}{}",
                    member.id,
                    member.handle,
                    member.role.as_str(),
                    member.time_zone,
                    member.email.unwrap_or_default(),
                    if member.active { "" } else { "  (deactivated)" }
                );
            }
        }
    }
    Ok(())
}

fn hash(password: &str) -> anyhow::Result<String> {
    hash_password_blocking(password).map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// The viewer admin commands act as: the workspace's first owner.
pub(crate) async fn first_owner(store: &SqlStore) -> anyhow::Result<Viewer> {
    let probe = Viewer { member: baton_core::MemberId(0), role: Role::Owner };
    let owner = store
        .members(&probe)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Owner && m.active)
        .min_by_key(|m| m.id)
        .context("the workspace has no active owner")?;
    Ok(Viewer { member: owner.id, role: Role::Owner })
}
