//! Percentiles by nearest rank — the smallest value with at least p % of the values at or
//! below it — the definition the forecast, the HTTP probe and BENCHMARKS.md all quote.

/// The `p`th percentile (0 < p ≤ 100) of `sorted`, ascending; `None` when it is empty.
pub(crate) fn nearest_rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_value_with_p_percent_at_or_below_it() {
        let values: Vec<u64> = (1..=10).map(|v| v * 100).collect();
        assert_eq!(nearest_rank(&values, 50.0), Some(500));
        assert_eq!(nearest_rank(&values, 90.0), Some(900));
        assert_eq!(nearest_rank(&values, 91.0), Some(1000));
        assert_eq!(nearest_rank(&[7.5], 99.0), Some(7.5));
        assert_eq!(nearest_rank::<u64>(&[], 50.0), None);
    }
}
