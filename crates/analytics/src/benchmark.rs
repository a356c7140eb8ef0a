//! Peer benchmarks: an institution's scores against its sector, size tier, supervising office
//! and everyone, and comparisons of groups with one another. Every group obeys
//! [`MIN_PEER_GROUP`](crate::stats::MIN_PEER_GROUP).

use crate::stats::{percentile_rank, Distribution};
use crate::Scored;
use mamori_domain::institution::Institution;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeerKind {
    Sector,
    SizeTier,
    Bureau,
    All,
}

impl PeerKind {
    pub const ALL: [PeerKind; 4] = [
        PeerKind::Sector,
        PeerKind::SizeTier,
        PeerKind::Bureau,
        PeerKind::All,
    ];
    pub fn code(self) -> &'static str {
        match self {
            PeerKind::Sector => "sector",
            PeerKind::SizeTier => "size_tier",
            PeerKind::Bureau => "bureau",
            PeerKind::All => "all",
        }
    }
    /// The group an institution belongs to, as a code (`all` for everyone).
    pub fn key(self, i: &Institution) -> &'static str {
        match self {
            PeerKind::Sector => i.sector.code(),
            PeerKind::SizeTier => i.size_tier.code(),
            PeerKind::Bureau => i.bureau.code(),
            PeerKind::All => "all",
        }
    }
}

/// One peer group's figures. With fewer than five members only `n` is given.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PeerGroup {
    pub kind: PeerKind,
    pub key: String,
    pub n: usize,
    pub distribution: Option<Distribution>,
    pub percentile: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MeasureBenchmark {
    /// `overall` or a domain id.
    pub measure: String,
    pub value: Option<f64>,
    pub peers: Vec<PeerGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Benchmark {
    pub institution_id: i64,
    pub measures: Vec<MeasureBenchmark>,
}

/// An institution's benchmark in one campaign; `None` when it has no scored response there.
pub fn benchmark(scored: &[Scored], measures: &[String], institution_id: i64) -> Option<Benchmark> {
    let me = scored.iter().find(|s| s.institution.id == institution_id)?;
    let measures = measures
        .iter()
        .map(|m| {
            let value = me.value(m);
            let peers = PeerKind::ALL
                .iter()
                .map(|&kind| {
                    let key = kind.key(me.institution);
                    let values: Vec<f64> = scored
                        .iter()
                        .filter(|s| kind.key(s.institution) == key)
                        .filter_map(|s| s.value(m))
                        .collect();
                    PeerGroup {
                        kind,
                        key: key.to_string(),
                        n: values.len(),
                        distribution: Distribution::of(&values),
                        percentile: value.and_then(|v| percentile_rank(&values, v)),
                    }
                })
                .collect();
            MeasureBenchmark {
                measure: m.clone(),
                value,
                peers,
            }
        })
        .collect();
    Some(Benchmark {
        institution_id,
        measures,
    })
}

/// One group's distribution of a measure (a box in a box plot, a bar in a bar chart).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupFigure {
    pub key: String,
    pub n: usize,
    pub distribution: Option<Distribution>,
}

/// A measure compared across groups, in the order of `keys`; institutions whose key is not
/// listed are left out.
pub fn compare(
    scored: &[Scored],
    measure: &str,
    keys: &[&str],
    key_of: impl Fn(&Institution) -> Option<&'static str>,
) -> Vec<GroupFigure> {
    keys.iter()
        .map(|k| {
            let values: Vec<f64> = scored
                .iter()
                .filter(|s| key_of(s.institution) == Some(*k))
                .filter_map(|s| s.value(measure))
                .collect();
            GroupFigure {
                key: k.to_string(),
                n: values.len(),
                distribution: Distribution::of(&values),
            }
        })
        .collect()
}

/// Groups × domains: the median of each, withheld for groups below five.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Heatmap {
    pub measures: Vec<String>,
    pub rows: Vec<HeatRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HeatRow {
    pub key: String,
    pub n: usize,
    pub cells: Vec<Option<f64>>,
}

pub fn heatmap(
    scored: &[Scored],
    measures: &[String],
    keys: &[&str],
    key_of: impl Fn(&Institution) -> Option<&'static str> + Copy,
) -> Heatmap {
    let rows = keys
        .iter()
        .map(|k| {
            let figures: Vec<GroupFigure> = measures
                .iter()
                .map(|m| compare(scored, m, &[k], key_of).remove(0))
                .collect();
            HeatRow {
                key: k.to_string(),
                n: figures.first().map_or(0, |f| f.n),
                cells: figures
                    .iter()
                    .map(|f| f.distribution.map(|d| d.median))
                    .collect(),
            }
        })
        .collect();
    Heatmap {
        measures: measures.to_vec(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{fixture, scored};
    use mamori_domain::Sector;

    /// Fixture: five shinkin with overall 100, 75, 50, 25, 0 and four shinkumi; the fourth
    /// shinkin (25) ranks at (1 + ½) / 5 = 30% of its sector.
    #[test]
    fn benchmark_against_sector_by_hand() {
        let (f, insts, responses) = fixture();
        let s = scored(&f, &insts, &responses);
        let m = crate::measures(&f);
        let b = benchmark(&s, &m, 4).unwrap();
        let overall = &b.measures[0];
        assert_eq!(overall.value, Some(25.0));
        let sector = &overall.peers[0];
        assert_eq!(
            (sector.kind, sector.key.as_str(), sector.n),
            (PeerKind::Sector, "shinkin", 5)
        );
        let d = sector.distribution.unwrap();
        assert_eq!((d.q1, d.median, d.q3), (25.0, 50.0, 75.0));
        assert_eq!(sector.percentile, Some(30.0));
        // Everyone: nine institutions.
        assert_eq!(overall.peers[3].n, 9);
    }

    /// The four shinkumi are never summarised: not in a benchmark, not in a comparison, not
    /// in a heatmap.
    #[test]
    fn groups_below_five_are_withheld_everywhere() {
        let (f, insts, responses) = fixture();
        let s = scored(&f, &insts, &responses);
        let m = crate::measures(&f);
        let b = benchmark(&s, &m, 6).unwrap();
        let sector = &b.measures[0].peers[0];
        assert_eq!((sector.key.as_str(), sector.n), ("shinkumi", 4));
        assert!(sector.distribution.is_none() && sector.percentile.is_none());
        let key = |i: &Institution| Some(i.sector.code());
        let c = compare(
            &s,
            crate::OVERALL,
            &[Sector::Shinkin.code(), Sector::Shinkumi.code()],
            key,
        );
        assert!(c[0].distribution.is_some());
        assert_eq!((c[1].n, c[1].distribution), (4, None));
        let h = heatmap(&s, &m, &["shinkin", "shinkumi"], key);
        assert!(h.rows[0].cells.iter().all(Option::is_some));
        assert!(h.rows[1].cells.iter().all(Option::is_none));
        assert_eq!(h.rows[1].n, 4);
    }
}
