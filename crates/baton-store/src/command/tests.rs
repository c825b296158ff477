use baton_core::{ChannelId, DmId};

use super::{Command, ThreadHome};

/// An `Idempotency-Key` keeps the fingerprint of its first request: a thread in a channel must
/// fingerprint as it did before threads could live elsewhere, or re-importing an export into a
/// data directory imported then would be refused as a different request.
#[test]
fn a_channel_thread_fingerprints_as_it_always_did() {
    let command = Command::CreateThread {
        home: ThreadHome::Channel(ChannelId(3)),
        title: "Launch \"day\"".into(),
        tags: vec!["decision".into()],
        body: None,
    };
    assert_eq!(
        command.fingerprint(),
        r#"CreateThread { channel: ChannelId(3), title: "Launch \"day\"", tags: ["decision"], body: None }"#
    );
    let in_dm = Command::CreateThread { home: ThreadHome::Dm(DmId(3)), title: "x".into(), tags: vec![], body: None };
    assert_ne!(in_dm.fingerprint(), command.fingerprint());
    assert!(in_dm.fingerprint().contains("Dm(DmId(3))"));
}
