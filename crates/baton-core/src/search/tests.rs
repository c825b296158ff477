use super::*;
use proptest::prelude::*;

fn term(words: &[&str], prefix: bool) -> Term {
    Term { words: words.iter().map(|w| w.to_string()).collect(), prefix }
}

#[test]
fn words_phrases_prefixes_and_filters_are_read_apart() {
    let query = Query::parse(
        r#"Deploy "violet  Heron" deplo* e-mail in:#ops-team from:@Ana after:2026-01-31 before:2026-03-01 is:thread"#,
    )
    .unwrap();
    assert_eq!(
        query.terms,
        vec![
            term(&["deploy"], false),
            term(&["violet", "heron"], false),
            term(&["deplo"], true),
            term(&["e", "mail"], false),
        ]
    );
    assert_eq!(query.channels, vec!["ops-team"]);
    assert_eq!(query.authors, vec!["ana"]);
    assert_eq!(query.after, Some(jiff::civil::date(2026, 1, 31)));
    assert_eq!(query.before, Some(jiff::civil::date(2026, 3, 1)));
    assert_eq!(query.kind, Some(Kind::Thread));
}

#[test]
fn a_quoted_filter_value_may_hold_spaces_and_unknown_keys_are_words() {
    let query = Query::parse(r##"in:"#release notes" re:launch"##).unwrap();
    assert_eq!(query.channels, vec!["release notes"]);
    assert_eq!(query.terms, vec![term(&["re", "launch"], false)]);
}

#[test]
fn bad_queries_say_what_is_wrong() {
    for (text, says) in [
        ("", "at least one word"),
        ("  ... ", "at least one word"),
        ("\"open quote", "not closed"),
        ("after:yesterday", "YYYY-MM-DD"),
        ("is:channel", "is:thread"),
        ("in:#", "name a channel"),
        ("from:@", "name a member"),
    ] {
        let error = Query::parse(text).unwrap_err().to_string();
        assert!(error.starts_with("q: ") && error.contains(says), "{text:?} gave {error:?}");
    }
    let long = "word ".repeat(MAX_PARTS + 1);
    assert!(Query::parse(&long).unwrap_err().to_string().contains("at most"));
    assert!(Query::parse(&"x".repeat(MAX_QUERY_CHARS + 1)).is_err());
}

#[test]
fn a_phrase_matches_only_in_its_order_and_a_prefix_only_at_a_word_start() {
    let phrase = Query::parse("\"violet heron lantern\"").unwrap();
    assert!(phrase.matches("the violet heron lantern glows"));
    assert!(phrase.matches("The Violet, heron; LANTERN!"));
    assert!(!phrase.matches("the heron violet lantern glows"));
    assert!(!phrase.matches("violet heron and a lantern"));
    let prefix = Query::parse("deplo*").unwrap();
    for body in ["we deploy", "the deployment", "it deployed"] {
        assert!(prefix.matches(body), "{body}");
    }
    for body in ["we redeployed", "the depot", "de-ployment"] {
        assert!(!prefix.matches(body), "{body}");
    }
    assert!(!Query::parse("deploy").unwrap().matches("deployment"));
    assert!(Query::parse("from:@ana").unwrap().matches("anything at all"));
}

#[test]
fn dates_are_whole_days_in_the_readers_zone() {
    let berlin = TimeZone::get("Europe/Berlin").unwrap();
    let query = Query::parse("x after:2026-03-28 before:2026-03-30").unwrap();
    let period = query.period(&berlin);
    // The day after the 28th starts at its midnight in Berlin (UTC+1); the 29th is 23 hours
    // long (the clocks go forward), so the 30th starts at 22:00 UTC on the 29th.
    assert_eq!(period.from, Some("2026-03-28T23:00:00Z".parse().unwrap()));
    assert_eq!(period.until, Some("2026-03-29T22:00:00Z".parse().unwrap()));
    let on = Query::parse("on:2026-03-29").unwrap().period(&berlin);
    assert_eq!(on, period);
    assert_eq!(Query::parse("x").unwrap().period(&berlin), Period::default());
}

#[test]
fn a_snippet_marks_each_match_and_cuts_long_bodies_around_the_first() {
    let query = Query::parse("heron \"glows at\"").unwrap();
    let stretches = snippet(&query, "The Heron glows at dusk");
    let marked: Vec<&str> = stretches.iter().filter(|s| s.hit).map(|s| s.text.as_str()).collect();
    assert_eq!(marked, ["Heron", "glows at"]);
    let joined: String = stretches.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(joined, "The Heron glows at dusk");

    let body = format!("{} needle {}", "hay ".repeat(100), "straw ".repeat(100));
    let stretches = snippet(&Query::parse("needle").unwrap(), &body);
    let joined: String = stretches.iter().map(|s| s.text.as_str()).collect();
    assert!(joined.starts_with("…hay ") && joined.ends_with('…'), "{joined}");
    assert!(joined.chars().count() < 260, "{}", joined.chars().count());
    assert_eq!(stretches.iter().filter(|s| s.hit).count(), 1);
}

proptest! {
    // Whatever the body, the snippet is a slice of it (plus the ellipses), every marked
    // stretch is a match, and cutting never panics on multi-byte text.
    #[test]
    fn a_snippet_is_made_of_the_body(body in "[a-zé ,.!\\-]{0,400}", word in "[a-zé]{1,3}") {
        let query = Query::parse(&format!("{word}*")).unwrap();
        let stretches = snippet(&query, &body);
        let joined: String = stretches.iter().map(|s| s.text.as_str()).collect();
        let inner = joined.trim_start_matches('…').trim_end_matches('…');
        prop_assert!(body.contains(inner));
        for stretch in stretches.iter().filter(|s| s.hit) {
            prop_assert!(stretch.text.to_lowercase().starts_with(&word));
        }
    }
}
