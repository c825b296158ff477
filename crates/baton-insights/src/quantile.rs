//! Nearest-rank quantiles, as DESIGN.md defines them: the q-quantile of n sorted values is the
//! ⌈q·n⌉-th smallest; an empty population has none.

use jiff::SignedDuration;

/// The q-quantile (0 < q ≤ 1) of `sorted` (ascending), or `None` when it is empty.
pub fn nearest_rank<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // ⌈q·n⌉ computed on integers where q is a whole percentage, to avoid 0.9·10 = 9.000001.
    let rank = match q {
        0.5 => n.div_ceil(2),
        0.9 => (9 * n).div_ceil(10),
        _ => (q * n as f64).ceil() as usize,
    };
    Some(sorted[rank.clamp(1, n) - 1])
}

/// A duration floored to whole seconds, as reports show them.
pub fn whole_seconds(duration: SignedDuration) -> i64 {
    duration.as_secs() - i64::from(duration.subsec_nanos() < 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_the_definition() {
        let values: Vec<i32> = (1..=10).collect();
        assert_eq!(nearest_rank(&values, 0.5), Some(5));
        assert_eq!(nearest_rank(&values, 0.9), Some(9));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3], 0.5), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(nearest_rank::<i32>(&[], 0.5), None);
        let eleven: Vec<i32> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 0.9), Some(10));
    }

    #[test]
    fn seconds_are_floored() {
        assert_eq!(whole_seconds(SignedDuration::new(5, 999_999_999)), 5);
        assert_eq!(whole_seconds(SignedDuration::new(-5, -1)), -6);
        assert_eq!(whole_seconds(SignedDuration::ZERO), 0);
    }
}
