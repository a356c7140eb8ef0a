//! Order statistics for peer comparisons, and the anonymity rule they all obey.

use serde::Serialize;
use utoipa::ToSchema;

/// A peer group smaller than this is never shown: with fewer institutions a reader could work
/// out a peer's answers.
pub const MIN_PEER_GROUP: usize = 5;

/// Five-number summary of a peer group (scores 0–100).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Distribution {
    pub n: usize,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
    pub mean: f64,
}

/// The `p`-quantile (0–1) of sorted values, interpolating linearly between order statistics
/// (Hyndman and Fan's type 7, what spreadsheets and numpy use by default).
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

impl Distribution {
    /// The summary, or `None` when the group is below [`MIN_PEER_GROUP`].
    pub fn of(values: &[f64]) -> Option<Distribution> {
        let v = sorted(values);
        if v.len() < MIN_PEER_GROUP {
            return None;
        }
        Some(Distribution {
            n: v.len(),
            min: v[0],
            q1: quantile(&v, 0.25)?,
            median: quantile(&v, 0.5)?,
            q3: quantile(&v, 0.75)?,
            max: v[v.len() - 1],
            mean: v.iter().sum::<f64>() / v.len() as f64,
        })
    }
}

/// Percentile rank of `x` within `values` (which include `x`'s own institution): the share
/// below plus half the share equal, in percent. `None` below [`MIN_PEER_GROUP`].
pub fn percentile_rank(values: &[f64], x: f64) -> Option<f64> {
    let n = values.len();
    if n < MIN_PEER_GROUP {
        return None;
    }
    let below = values.iter().filter(|v| **v < x).count() as f64;
    let equal = values.iter().filter(|v| **v == x).count() as f64;
    Some(100.0 * (below + 0.5 * equal) / n as f64)
}

/// The median of any number of values (for figures that are not peer comparisons, such as a
/// sector's trend, callers apply [`MIN_PEER_GROUP`] themselves).
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(&sorted(values), 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: 10, 20, 30, 40, 50, 60 → q1 at h = 1.25 → 22.5; median 35; q3 at h = 3.75
    /// → 47.5.
    #[test]
    fn quartiles_by_hand() {
        let d = Distribution::of(&[60.0, 10.0, 30.0, 20.0, 50.0, 40.0]).unwrap();
        assert_eq!((d.n, d.min, d.max), (6, 10.0, 60.0));
        assert_eq!((d.q1, d.median, d.q3), (22.5, 35.0, 47.5));
        assert_eq!(d.mean, 35.0);
    }

    #[test]
    fn groups_below_five_are_withheld() {
        assert!(Distribution::of(&[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(percentile_rank(&[1.0, 2.0, 3.0, 4.0], 2.0).is_none());
        assert!(Distribution::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).is_some());
        // Non-finite values do not count towards the five.
        assert!(Distribution::of(&[1.0, 2.0, 3.0, 4.0, f64::NAN]).is_none());
    }

    /// 40 among 10, 20, 40, 40, 90: two below, two equal → (2 + 1) / 5 = 60%.
    #[test]
    fn percentile_rank_counts_ties_as_half() {
        assert_eq!(
            percentile_rank(&[10.0, 20.0, 40.0, 40.0, 90.0], 40.0),
            Some(60.0)
        );
        assert_eq!(
            percentile_rank(&[10.0, 20.0, 40.0, 40.0, 90.0], 90.0),
            Some(90.0)
        );
    }
}
