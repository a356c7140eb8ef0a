//! Outreach figures: how many institutions attended a seminar or workshop, and how many
//! are Financial ISAC members, by sector and by regional office. The source document notes
//! regions where hardly anyone takes part; these rates are what shows it.

use mamori_domain::institution::Institution;
use mamori_domain::{Bureau, IsacMembership, Sector};
use serde::Serialize;
use std::collections::HashSet;

/// One group's participation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participation {
    pub institutions: usize,
    /// Attended at least one event in the period.
    pub attended: usize,
    pub full_members: usize,
    pub trial_members: usize,
}

impl Participation {
    fn add(&mut self, i: &Institution, attended: bool) {
        self.institutions += 1;
        self.attended += usize::from(attended);
        match i.isac_membership {
            IsacMembership::Full => self.full_members += 1,
            IsacMembership::Trial => self.trial_members += 1,
            IsacMembership::None => {}
        }
    }

    fn empty() -> Participation {
        Participation {
            institutions: 0,
            attended: 0,
            full_members: 0,
            trial_members: 0,
        }
    }

    /// Percent of institutions that attended; `None` for an empty group.
    pub fn attendance_rate(&self) -> Option<f64> {
        rate(self.attended, self.institutions)
    }

    /// Percent of institutions that are members, full or trial.
    pub fn membership_rate(&self) -> Option<f64> {
        rate(self.full_members + self.trial_members, self.institutions)
    }
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutreachFigures {
    pub all: Participation,
    /// Every sector with at least one institution, in vocabulary order.
    pub by_sector: Vec<(Sector, Participation)>,
    /// The eleven regions, always all of them (an empty region is a finding). An
    /// institution counts in the region of its head office (its prefecture's office), also
    /// when the FSA supervises it directly.
    pub by_region: Vec<(Bureau, Participation)>,
}

/// Participation of `institutions`, given which of them attended an event.
pub fn participation(institutions: &[Institution], attended: &HashSet<i64>) -> OutreachFigures {
    let mut all = Participation::empty();
    let mut by_sector: Vec<(Sector, Participation)> = Sector::ALL
        .iter()
        .map(|s| (*s, Participation::empty()))
        .collect();
    let mut by_region: Vec<(Bureau, Participation)> = Bureau::ALL
        .iter()
        .filter(|b| **b != Bureau::Fsa)
        .map(|b| (*b, Participation::empty()))
        .collect();
    for i in institutions {
        let went = attended.contains(&i.id);
        all.add(i, went);
        if let Some((_, p)) = by_sector.iter_mut().find(|(s, _)| *s == i.sector) {
            p.add(i, went);
        }
        let region = i.prefecture.bureau();
        if let Some((_, p)) = by_region.iter_mut().find(|(b, _)| *b == region) {
            p.add(i, went);
        }
    }
    by_sector.retain(|(_, p)| p.institutions > 0);
    OutreachFigures {
        all,
        by_sector,
        by_region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::institution;
    use mamori_domain::SizeTier;

    #[test]
    fn rates_by_sector_and_region_are_counted_by_hand() {
        // Kanto: three shinkin, one full member, one trial, two attended.
        // Kinki: one shinkumi, no member, did not attend. Every other region: nobody.
        let mut pop = vec![
            institution(1, Sector::Shinkin, SizeTier::Small, Bureau::Kanto),
            institution(2, Sector::Shinkin, SizeTier::Small, Bureau::Kanto),
            institution(3, Sector::Shinkin, SizeTier::Small, Bureau::Kanto),
            institution(4, Sector::Shinkumi, SizeTier::Small, Bureau::Kinki),
        ];
        pop[3].prefecture = mamori_domain::Prefecture::Osaka;
        pop[0].isac_membership = IsacMembership::Full;
        pop[1].isac_membership = IsacMembership::Trial;
        let attended: HashSet<i64> = [1, 3].into_iter().collect();
        let f = participation(&pop, &attended);
        assert_eq!((f.all.institutions, f.all.attended), (4, 2));
        assert_eq!(f.all.attendance_rate(), Some(50.0));
        assert_eq!(f.all.membership_rate(), Some(50.0));
        assert_eq!(f.by_region.len(), 11, "every regional office, empty or not");
        let region = |b: Bureau| {
            f.by_region
                .iter()
                .find(|(r, _)| *r == b)
                .map(|(_, p)| p.clone())
        };
        let kanto = region(Bureau::Kanto).unwrap();
        assert_eq!((kanto.full_members, kanto.trial_members), (1, 1));
        assert!((kanto.attendance_rate().unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(region(Bureau::Kinki).unwrap().attendance_rate(), Some(0.0));
        assert_eq!(region(Bureau::Hokkaido).unwrap().attendance_rate(), None);
        let sectors: Vec<Sector> = f.by_sector.iter().map(|(s, _)| *s).collect();
        assert_eq!(sectors, [Sector::Shinkin, Sector::Shinkumi]);
    }
}
