use super::*;

#[test]
fn handles() {
    assert_eq!(handle("handle", " Ana.B ").unwrap(), "ana.b");
    assert!(handle("handle", "").is_err());
    assert!(handle("handle", "-ana").is_err());
    assert!(handle("handle", "ana b").is_err());
    assert!(handle("handle", &"a".repeat(41)).is_err());
}

#[test]
fn emails() {
    assert_eq!(email("email", "Ana@Example.com").unwrap(), "ana@example.com");
    assert!(email("email", "ana").is_err());
    assert!(email("email", "@x").is_err());
    assert!(email("email", "a@b@c").is_err());
}

#[test]
fn dates_must_exist() {
    assert!(date("due", "2027-02-28").is_ok());
    let err = date("due", "2027-02-30").unwrap_err();
    assert_eq!(err.to_string(), "due: must be a calendar date YYYY-MM-DD that exists");
}

#[test]
fn message_bodies_are_bounded() {
    assert!(message_body("body", "  ").is_err());
    assert!(message_body("body", &"y".repeat(MAX_MESSAGE_CHARS)).is_ok());
    assert!(message_body("body", &"y".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    // PostgreSQL refuses NUL in text: refused here for every backend, as bad input.
    assert!(message_body("body", "a\0b").is_err());
    assert!(text("description", "\0", 100).is_err());
}

#[test]
fn channel_names_and_tags() {
    assert_eq!(channel_name("name", "General Chat").unwrap(), "general-chat");
    assert!(channel_name("name", "bars-\u{fffd}").is_err());
    assert_eq!(tags("tags", &["Decision".into(), "decision".into()]).unwrap(), vec!["decision"]);
}
