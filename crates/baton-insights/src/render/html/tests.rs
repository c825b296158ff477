use super::*;

#[test]
fn durations_show_their_two_largest_units() {
    assert_eq!(duration(None), "—");
    assert_eq!(duration(Some(0)), "0s");
    assert_eq!(duration(Some(59)), "59s");
    assert_eq!(duration(Some(60)), "1m");
    assert_eq!(duration(Some(3599)), "59m");
    assert_eq!(duration(Some(3600)), "1h");
    assert_eq!(duration(Some(3 * 3600 + 20 * 60 + 59)), "3h 20m");
    // Never days: 30 h of working time is almost four working days.
    assert_eq!(duration(Some(30 * 3600)), "30h");
}

#[test]
fn rates_show_as_whole_percentages() {
    assert_eq!(percent(None), "—");
    assert_eq!(percent(Some(0.0)), "0%");
    assert_eq!(percent(Some(1.0 / 3.0)), "33%");
    assert_eq!(percent(Some(1.0)), "100%");
}
