use super::*;

#[test]
fn markdown_renders_and_strips_scripts() {
    let html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
}

#[test]
fn markdown_keeps_safe_links_with_rel() {
    let html = render_markdown("[site](https://example.com)");
    assert!(html.contains(r#"href="https://example.com""#), "{html}");
    assert!(html.contains("noopener"), "{html}");
}

#[test]
fn mentions_are_found_in_order_without_duplicates() {
    assert_eq!(mentioned_handles("@ana and @Bo, then @ana again"), vec!["ana", "bo"]);
}

#[test]
fn mentions_skip_emails_groups_and_code() {
    assert_eq!(mentioned_handles("mail ana@example.com @here @channel"), Vec::<String>::new());
    assert_eq!(mentioned_handles("`@ana` and\n\n```\n@bo\n```\n@cy."), vec!["cy"]);
}

#[test]
fn question_ignores_trailing_whitespace() {
    assert!(ends_with_question("ready? \n"));
    assert!(!ends_with_question("ready?!"));
    assert!(!ends_with_question(""));
}

#[test]
fn message_text_carries_what_the_writer_needs() {
    let text = MessageText::new("hi *@ana*".into());
    assert_eq!(text.body, "hi *@ana*");
    assert_eq!(text.html, "<p>hi <em><span class=\"mention\" data-handle=\"ana\">@ana</span></em></p>\n");
    assert_eq!(text.mentioned_handles, vec!["ana"]);
}

#[test]
fn mentions_render_as_spans_outside_code_and_addresses() {
    let html =
        render_markdown("Thanks @Ana. Ask bo@example.com, or `@code` and\n\n```\n@block\n```\n[@cy](https://x.test)");
    assert!(
        html.contains(r#"Thanks <span class="mention" data-handle="ana">@Ana</span>. Ask bo@example.com"#),
        "{html}"
    );
    assert!(html.contains("<code>@code</code>") && html.contains("@block\n</code>"), "code stays as written: {html}");
    assert!(html.contains(r#"<span class="mention" data-handle="cy">@cy</span></a>"#), "{html}");
    // Someone typing the span's markup gets no other class through.
    let forged = render_markdown(r#"<span class="mention evil" style="x" data-handle="z">hi</span>"#);
    assert!(!forged.contains("evil") && !forged.contains("style"), "{forged}");
}
