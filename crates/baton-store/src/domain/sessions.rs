//! Sign-in bookkeeping: sessions begun and ended, passwords set, invitations used once. The
//! server checks passwords and hashes tokens; only hashes reach the store, and none of it is an
//! event: secrets stay out of the log.

use baton_core::MemberId;

use super::Tx;
use crate::error::{Error, Result};

/// Begins a session for `member`, known by its token's hash.
pub(crate) async fn begin(tx: &mut dyn Tx, member: MemberId, token_hash: &str) -> Result<()> {
    tx.add_session(member, token_hash).await
}

/// Ends the session with this token's hash, if there is one.
pub(crate) async fn end(tx: &mut dyn Tx, token_hash: &str) -> Result<()> {
    tx.remove_session(token_hash).await
}

/// Sets `member`'s password hash. With an invitation (its hash), only if it is theirs and still
/// unused, and it is used up; `sign_out` ends every session of theirs (a reset).
pub(crate) async fn set_password(
    tx: &mut dyn Tx,
    member: MemberId,
    password_hash: &str,
    invite: Option<&str>,
    sign_out: bool,
) -> Result<()> {
    if let Some(invite) = invite {
        if !tx.use_invite(member, invite).await? {
            return Err(Error::conflict("the invitation is unknown or was already used"));
        }
    }
    if sign_out {
        tx.end_sessions(member).await?;
    }
    tx.set_password(member, password_hash).await
}
