//! Nearest-rank quantiles, as DESIGN.md defines them: the q-quantile of n sorted values is the
//! ⌈q·n⌉-th smallest; an empty population has none.

use jiff::SignedDuration;

/// The q-quantile (0 < q ≤ 1) of `sorted` (ascending), or `None` when it is empty.
pub fn nearest_rank<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    Some(sorted[rank(sorted.len(), q) - 1])
}

/// The q-quantiles of `values` for each q of `qs` (ascending), without sorting them: a full
/// sort of millions of durations costs several times the selections that find only the ranks
/// asked for. `values` is left reordered. Each is `None` when `values` is empty.
pub fn nearest_ranks<T: Copy + Ord, const N: usize>(values: &mut [T], qs: [f64; N]) -> [Option<T>; N] {
    let n = values.len();
    let mut answers = [None; N];
    // After selecting one rank, the larger ranks lie in the part to its right, so each later
    // selection only looks there.
    let mut done = 0;
    for (answer, q) in answers.iter_mut().zip(qs) {
        if n == 0 {
            break;
        }
        let idx = rank(n, q) - 1;
        if idx < done {
            // Not ascending after all: select again over everything.
            done = 0;
        }
        let (_, value, _) = values[done..].select_nth_unstable(idx - done);
        *answer = Some(*value);
        done = idx;
    }
    answers
}

/// The nearest rank ⌈q·n⌉ of the q-quantile of n > 0 values, in 1..=n.
fn rank(n: usize, q: f64) -> usize {
    // ⌈q·n⌉ computed on integers where q is a whole percentage, to avoid 0.9·10 = 9.000001.
    let rank = match q {
        0.5 => n.div_ceil(2),
        0.9 => (9 * n).div_ceil(10),
        _ => (q * n as f64).ceil() as usize,
    };
    rank.clamp(1, n)
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
    fn selected_ranks_match_the_sorted_ones() {
        // Scrambled values with repeats, and each prefix length, so both halves of every
        // selection and the empty and single-value cases are covered.
        let scrambled: Vec<i64> = (0..200i64).map(|i| (i * 7919) % 61).collect();
        for n in 0..scrambled.len() {
            let mut sorted = scrambled[..n].to_vec();
            sorted.sort_unstable();
            let expected = [0.5, 0.9, 0.25, 1.0].map(|q| nearest_rank(&sorted, q));
            let mut values = scrambled[..n].to_vec();
            assert_eq!(nearest_ranks(&mut values, [0.5, 0.9, 0.25, 1.0]), expected, "n = {n}");
        }
    }

    #[test]
    fn seconds_are_floored() {
        assert_eq!(whole_seconds(SignedDuration::new(5, 999_999_999)), 5);
        assert_eq!(whole_seconds(SignedDuration::new(-5, -1)), -6);
        assert_eq!(whole_seconds(SignedDuration::ZERO), 0);
    }
}
