//! Tokens and passwords. Session tokens are random and stored only as their SHA-256; passwords
//! are argon2 hashes, computed off the async threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use baton_core::model::Member;
use baton_store::{Command, Envelope, Viewer};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::state::AppState;

/// A new random token: 32 bytes, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex(&bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Argon2id hash of a password (PHC string). Slow on purpose: call it off the async threads.
pub fn hash_password_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
}

/// Argon2id hash of a password, on the CPU pool.
pub async fn hash_password(state: &AppState, password: String) -> ApiResult<String> {
    state
        .cpu(move || hash_password_blocking(&password))
        .await?
        .map_err(|e| ApiError::internal(std::io::Error::other(e.to_string())))
}

/// Whether `password` matches `hash`, on the CPU pool. A malformed stored hash never matches.
pub async fn verify_password(state: &AppState, password: String, hash: String) -> ApiResult<bool> {
    state
        .cpu(move || {
            PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
}

/// The member a session token belongs to.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<Auth> {
    let member = state
        .store
        .member_by_token(&token_hash(token))
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("the token is unknown or was revoked; sign in again".into()))?;
    Ok(Auth { viewer: Viewer { member: member.id, role: member.role }, member })
}

/// Issues a session token for `member` and returns it (the only time it is seen in clear).
pub async fn issue_token(state: &AppState, member: &Member) -> ApiResult<String> {
    let token = new_token();
    let command = Command::IssueToken { member: member.id, token_hash: token_hash(&token) };
    state.store.execute(Envelope::system(state.now(), command)).await?;
    Ok(token)
}
