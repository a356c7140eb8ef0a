//! A deterministic synthetic financial sector for the demo, the tests and the benchmarks.
//!
//! The population follows the real sector's shape (PRODUCT.md: counts per sector, the 11
//! regional offices, large institutions under the FSA itself) and is multiplied by `scale`.
//! Every name is made from nonsense syllables, so no name can be a real institution's, and
//! contacts are functions (a CISO office), never people. The same seed gives the same sector.

use mamori_domain::institution::{ContactInput, InstitutionInput};
use mamori_domain::{Bureau, IsacMembership, OrganisationKind, Prefecture, Role, Sector, SizeTier};
use mamori_store::accounts::hash_password;
use mamori_store::{Actor, Store, StoreError};
pub mod sharing;
pub mod surveys;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// The code of the organisation that marks a database as a demo database.
pub const DEMO_MARKER: &str = "DEMO-OPERATOR";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a shipped framework does not load: {0:?}")]
    Framework(Vec<mamori_survey::FrameworkError>),
    #[error("demo sharing data is not valid STIX: {0}")]
    Sharing(String),
}

/// The framework library shipped in `library/frameworks/`.
pub const LIBRARY: [(&str, &str); 5] = [
    (
        "nist-csf-2.0.oscal.json",
        include_str!("../../../library/frameworks/nist-csf-2.0.oscal.json"),
    ),
    (
        "fsa-baseline.yaml",
        include_str!("../../../library/frameworks/fsa-baseline.yaml"),
    ),
    (
        "g7-fundamental-elements.yaml",
        include_str!("../../../library/frameworks/g7-fundamental-elements.yaml"),
    ),
    (
        "g7-third-party.yaml",
        include_str!("../../../library/frameworks/g7-third-party.yaml"),
    ),
    (
        "g7-tlpt.yaml",
        include_str!("../../../library/frameworks/g7-tlpt.yaml"),
    ),
];

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub scale: u32,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            scale: 1,
            seed: 2019,
        }
    }
}

/// A sign-in the demo prints.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub organisation_code: String,
    pub organisation_name_en: String,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub institutions: usize,
    pub organisations: usize,
    pub accounts: Vec<DemoAccount>,
    pub closed_campaign_assignments: usize,
    pub open_campaign_assignments: usize,
    pub sharing: sharing::SharingSummary,
}

/// Institutions per sector at the real population's scale (approximate public counts).
pub const POPULATION: &[(Sector, usize)] = &[
    (Sector::MajorBank, 5),
    (Sector::OtherBank, 20),
    (Sector::RegionalBank, 62),
    (Sector::SecondRegionalBank, 37),
    (Sector::Shinkin, 254),
    (Sector::Shinkumi, 145),
    (Sector::LabourBank, 13),
    (Sector::Securities, 270),
    (Sector::LifeInsurer, 41),
    (Sector::NonLifeInsurer, 50),
    (Sector::FxBroker, 50),
    (Sector::CryptoExchange, 30),
    (Sector::PaymentProvider, 80),
];

const SYLLABLES: &[(&str, &str)] = &[
    ("カ", "ka"),
    ("キ", "ki"),
    ("ク", "ku"),
    ("ケ", "ke"),
    ("コ", "ko"),
    ("サ", "sa"),
    ("シ", "shi"),
    ("ス", "su"),
    ("セ", "se"),
    ("ソ", "so"),
    ("タ", "ta"),
    ("チ", "chi"),
    ("ツ", "tsu"),
    ("テ", "te"),
    ("ト", "to"),
    ("ナ", "na"),
    ("ニ", "ni"),
    ("ヌ", "nu"),
    ("ネ", "ne"),
    ("ノ", "no"),
    ("ハ", "ha"),
    ("ヒ", "hi"),
    ("フ", "fu"),
    ("ヘ", "he"),
    ("ホ", "ho"),
    ("マ", "ma"),
    ("ミ", "mi"),
    ("ム", "mu"),
    ("メ", "me"),
    ("モ", "mo"),
    ("ヤ", "ya"),
    ("ユ", "yu"),
    ("ヨ", "yo"),
    ("ラ", "ra"),
    ("リ", "ri"),
    ("ル", "ru"),
    ("レ", "re"),
    ("ロ", "ro"),
    ("ワ", "wa"),
];

/// Japanese and English suffixes, and the code prefix, per sector.
fn naming(sector: Sector) -> (&'static str, &'static str, &'static str) {
    match sector {
        Sector::MajorBank => ("銀行", "Bank", "MB"),
        Sector::OtherBank => ("銀行", "Bank", "OB"),
        Sector::RegionalBank => ("銀行", "Bank", "RB"),
        Sector::SecondRegionalBank => ("銀行", "Bank", "SR"),
        Sector::Shinkin => ("信用金庫", "Shinkin Bank", "SK"),
        Sector::Shinkumi => ("信用組合", "Credit Cooperative", "CU"),
        Sector::LabourBank => ("労働金庫", "Labour Bank", "LB"),
        Sector::Securities => ("証券", "Securities", "SE"),
        Sector::LifeInsurer => ("生命保険", "Life Insurance", "LI"),
        Sector::NonLifeInsurer => ("損害保険", "Non-Life Insurance", "NL"),
        Sector::FxBroker => ("FX", "FX", "FX"),
        Sector::CryptoExchange => ("コイン取引所", "Coin Exchange", "CX"),
        Sector::PaymentProvider => ("ペイ", "Pay", "PP"),
    }
}

/// Prefectures weighted roughly by economic weight, so that Kanto and Kinki hold more
/// institutions than Shikoku, as in the real sector.
fn weighted_prefecture(rng: &mut ChaCha8Rng) -> Prefecture {
    let heavy = [
        Prefecture::Tokyo,
        Prefecture::Osaka,
        Prefecture::Aichi,
        Prefecture::Kanagawa,
        Prefecture::Fukuoka,
    ];
    if rng.gen_bool(0.3) {
        *heavy.choose(rng).unwrap_or(&Prefecture::Tokyo)
    } else {
        *Prefecture::ALL.choose(rng).unwrap_or(&Prefecture::Tokyo)
    }
}

struct Namer {
    used: HashSet<String>,
}

impl Namer {
    fn name(&mut self, rng: &mut ChaCha8Rng) -> (String, String) {
        loop {
            let n = rng.gen_range(2..=3);
            let (mut ja, mut en) = (String::new(), String::new());
            for _ in 0..n {
                let (k, r) = SYLLABLES[rng.gen_range(0..SYLLABLES.len())];
                ja.push_str(k);
                en.push_str(r);
            }
            if self.used.insert(ja.clone()) {
                let mut chars = en.chars();
                let en = match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => en,
                };
                return (ja, en);
            }
        }
    }
}

/// Tier, office, prefecture and ISAC membership for the `index`th institution of a sector.
fn attributes(
    sector: Sector,
    index: usize,
    rng: &mut ChaCha8Rng,
) -> (SizeTier, Bureau, Prefecture, IsacMembership) {
    use Sector::*;
    let (tier, prefecture) = match sector {
        MajorBank => (
            SizeTier::Large,
            if index.is_multiple_of(2) {
                Prefecture::Tokyo
            } else {
                Prefecture::Osaka
            },
        ),
        OtherBank => (
            if index == 0 {
                SizeTier::Large
            } else {
                SizeTier::Medium
            },
            Prefecture::Tokyo,
        ),
        RegionalBank => (
            if index.is_multiple_of(6) {
                SizeTier::Large
            } else {
                SizeTier::Medium
            },
            Prefecture::ALL[index % Prefecture::ALL.len()],
        ),
        SecondRegionalBank => (
            if index.is_multiple_of(3) {
                SizeTier::Medium
            } else {
                SizeTier::Small
            },
            Prefecture::ALL[(index * 7) % Prefecture::ALL.len()],
        ),
        Shinkin | Shinkumi => (
            if rng.gen_bool(0.15) {
                SizeTier::Medium
            } else {
                SizeTier::Small
            },
            weighted_prefecture(rng),
        ),
        LabourBank => (
            SizeTier::Medium,
            Prefecture::ALL[(index * 4) % Prefecture::ALL.len()],
        ),
        Securities => (
            if index < 4 {
                SizeTier::Large
            } else if index < 60 {
                SizeTier::Medium
            } else {
                SizeTier::Small
            },
            if rng.gen_bool(0.6) {
                Prefecture::Tokyo
            } else {
                weighted_prefecture(rng)
            },
        ),
        LifeInsurer => (
            if index < 3 {
                SizeTier::Large
            } else {
                SizeTier::Medium
            },
            Prefecture::Tokyo,
        ),
        NonLifeInsurer => (
            if index < 2 {
                SizeTier::Large
            } else if index < 20 {
                SizeTier::Medium
            } else {
                SizeTier::Small
            },
            Prefecture::Tokyo,
        ),
        FxBroker | CryptoExchange | PaymentProvider => (
            if rng.gen_bool(0.2) {
                SizeTier::Medium
            } else {
                SizeTier::Small
            },
            if rng.gen_bool(0.8) {
                Prefecture::Tokyo
            } else {
                Prefecture::Osaka
            },
        ),
    };
    let bureau = if tier == SizeTier::Large {
        Bureau::Fsa
    } else {
        prefecture.bureau()
    };
    // Membership rates differ by sector: banks join, small non-banks mostly do not yet.
    let (full, trial) = match sector {
        MajorBank | OtherBank | RegionalBank | LifeInsurer => (0.95, 0.0),
        SecondRegionalBank => (0.8, 0.1),
        Shinkin => (0.45, 0.25),
        Shinkumi => (0.15, 0.25),
        LabourBank => (0.6, 0.2),
        Securities | NonLifeInsurer => (0.3, 0.1),
        FxBroker | CryptoExchange | PaymentProvider => (0.1, 0.15),
    };
    let roll: f64 = rng.gen();
    let membership = if tier == SizeTier::Large || roll < full {
        IsacMembership::Full
    } else if roll < full + trial {
        IsacMembership::Trial
    } else {
        IsacMembership::None
    };
    (tier, bureau, prefecture, membership)
}

/// The synthetic institutions, in a fixed order.
pub fn institutions(options: DemoOptions) -> Vec<InstitutionInput> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut namer = Namer {
        used: HashSet::new(),
    };
    let mut out = Vec::new();
    for &(sector, count) in POPULATION {
        let (suffix_ja, suffix_en, prefix) = naming(sector);
        for index in 0..count * options.scale.max(1) as usize {
            let (ja, en) = namer.name(&mut rng);
            let (size_tier, bureau, prefecture, isac_membership) =
                attributes(sector, index, &mut rng);
            let group_name = match sector {
                Sector::MajorBank if index < 3 => Some(format!("{en} Financial Group")),
                Sector::RegionalBank | Sector::SecondRegionalBank if rng.gen_bool(0.2) => {
                    Some(format!("{en} Holdings"))
                }
                _ => None,
            };
            out.push(InstitutionInput {
                code: format!("{prefix}-{:05}", index + 1),
                name_ja: format!("{ja}{suffix_ja}"),
                name_en: format!("{en} {suffix_en}"),
                sector,
                size_tier,
                bureau,
                prefecture,
                group_name,
                isac_membership,
                require_totp: false,
            });
        }
    }
    out
}

/// The bodies that are not supervised. Generic names: the demo names no real association.
fn organisations() -> Vec<(OrganisationKind, String, String, String, Option<Bureau>)> {
    let mut out = vec![
        (
            OrganisationKind::Operator,
            DEMO_MARKER.to_string(),
            "mamori 運用チーム（デモ）".into(),
            "mamori operations (demo)".into(),
            None,
        ),
        (
            OrganisationKind::Fsa,
            "FSA".into(),
            "金融庁".into(),
            "Financial Services Agency".into(),
            Some(Bureau::Fsa),
        ),
        (
            OrganisationKind::Isac,
            "ISAC".into(),
            "金融ISAC（デモ）".into(),
            "Financial ISAC (demo)".into(),
            None,
        ),
        (
            OrganisationKind::Fisc,
            "FISC".into(),
            "金融情報システムセンター（デモ）".into(),
            "FISC (demo)".into(),
            None,
        ),
        (
            OrganisationKind::Association,
            "ASSOC-BANKS".into(),
            "銀行業界団体（デモ）".into(),
            "Banking industry association (demo)".into(),
            None,
        ),
        (
            OrganisationKind::Association,
            "ASSOC-SECURITIES".into(),
            "証券業界団体（デモ）".into(),
            "Securities industry association (demo)".into(),
            None,
        ),
        (
            OrganisationKind::Association,
            "ASSOC-INSURERS".into(),
            "保険業界団体（デモ）".into(),
            "Insurance industry association (demo)".into(),
            None,
        ),
        (
            OrganisationKind::Government,
            "GOV-CYBER".into(),
            "政府サイバーセキュリティ機関（デモ）".into(),
            "National cyber office (demo)".into(),
            None,
        ),
    ];
    let names = [
        (
            Bureau::Hokkaido,
            "北海道財務局",
            "Hokkaido Local Finance Bureau",
        ),
        (Bureau::Tohoku, "東北財務局", "Tohoku Local Finance Bureau"),
        (Bureau::Kanto, "関東財務局", "Kanto Local Finance Bureau"),
        (
            Bureau::Hokuriku,
            "北陸財務局",
            "Hokuriku Local Finance Bureau",
        ),
        (Bureau::Tokai, "東海財務局", "Tokai Local Finance Bureau"),
        (Bureau::Kinki, "近畿財務局", "Kinki Local Finance Bureau"),
        (
            Bureau::Chugoku,
            "中国財務局",
            "Chugoku Local Finance Bureau",
        ),
        (
            Bureau::Shikoku,
            "四国財務局",
            "Shikoku Local Finance Bureau",
        ),
        (
            Bureau::Fukuoka,
            "福岡財務支局",
            "Fukuoka Local Finance Branch Bureau",
        ),
        (Bureau::Kyushu, "九州財務局", "Kyushu Local Finance Bureau"),
        (Bureau::Okinawa, "沖縄総合事務局", "Okinawa General Bureau"),
    ];
    for (b, ja, en) in names {
        out.push((
            OrganisationKind::Bureau,
            format!("BUREAU-{}", b.code().to_uppercase()),
            ja.to_string(),
            en.to_string(),
            Some(b),
        ));
    }
    out
}

fn demo_password(rng: &mut ChaCha8Rng) -> String {
    const WORDS: &[&str] = &[
        "sakura", "kaede", "tsubaki", "momiji", "hinoki", "sugi", "matsu", "take", "ume", "kiri",
    ];
    let a = WORDS[rng.gen_range(0..WORDS.len())];
    let b = WORDS[rng.gen_range(0..WORDS.len())];
    format!("demo-{a}-{b}-{:04}", rng.gen_range(0..10_000))
}

/// Fills an empty database with the synthetic sector and one account per role.
pub async fn seed(store: &Store, options: DemoOptions) -> Result<DemoSummary, DemoError> {
    let actor = Actor::system("demo");
    let insts = institutions(options);
    let orgs = organisations();

    let mut tx = store.begin().await?;
    for (kind, code, ja, en, bureau) in &orgs {
        tx.insert_organisation(&actor, *kind, code, ja, en, *bureau)
            .await?;
    }
    let ids = tx.insert_institutions(&actor, &insts).await?;
    let contacts: Vec<(i64, ContactInput)> = insts
        .iter()
        .zip(&ids)
        .map(|(inst, id)| {
            (
                *id,
                ContactInput {
                    name: "情報セキュリティ統括責任者 / CISO office".into(),
                    title: Some("CISO".into()),
                    email: Some(format!("ciso@{}.example", inst.code.to_lowercase())),
                    phone: Some(format!("03-0000-{:04}", id % 10_000)),
                },
            )
        })
        .collect();
    tx.insert_contacts(&actor, &contacts).await?;
    tx.commit().await?;

    // One account for every role. Institution accounts go to a Kanto regional bank and a
    // Kinki shinkin, so that bureau and institution isolation can be tried at once.
    let find = |sector: Sector, bureau: Bureau| {
        insts
            .iter()
            .find(|i| i.sector == sector && i.bureau == bureau)
            .or_else(|| insts.iter().find(|i| i.sector == sector))
    };
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed);
    let bank = find(Sector::RegionalBank, Bureau::Kanto);
    let shinkin = find(Sector::Shinkin, Bureau::Kinki);
    let mut plan: Vec<(&str, &str, Role, String, String)> = vec![
        (
            "admin",
            "System administrator",
            Role::SystemAdmin,
            DEMO_MARKER.into(),
            "mamori operations (demo)".into(),
        ),
        (
            "fsa",
            "FSA supervisor",
            Role::FsaSupervisor,
            "FSA".into(),
            "Financial Services Agency".into(),
        ),
        (
            "kanto",
            "Kanto bureau supervisor",
            Role::BureauSupervisor,
            "BUREAU-KANTO".into(),
            "Kanto Local Finance Bureau".into(),
        ),
        (
            "kinki",
            "Kinki bureau supervisor",
            Role::BureauSupervisor,
            "BUREAU-KINKI".into(),
            "Kinki Local Finance Bureau".into(),
        ),
        (
            "isac",
            "ISAC analyst",
            Role::IsacAnalyst,
            "ISAC".into(),
            "Financial ISAC (demo)".into(),
        ),
        (
            "controller",
            "Exercise controller",
            Role::ExerciseController,
            "FSA".into(),
            "Financial Services Agency".into(),
        ),
        (
            "council",
            "Council member",
            Role::CouncilMember,
            "ASSOC-BANKS".into(),
            "Banking industry association (demo)".into(),
        ),
    ];
    if let Some(b) = bank {
        plan.push((
            "bank-admin",
            "Bank CISO",
            Role::InstitutionAdmin,
            b.code.clone(),
            b.name_en.clone(),
        ));
        plan.push((
            "bank-staff",
            "Bank security staff",
            Role::InstitutionMember,
            b.code.clone(),
            b.name_en.clone(),
        ));
    }
    if let Some(s) = shinkin {
        plan.push((
            "shinkin-admin",
            "Shinkin CISO",
            Role::InstitutionAdmin,
            s.code.clone(),
            s.name_en.clone(),
        ));
    }
    // Hash every password at once (argon2 is slow on purpose; the cores are idle).
    let passwords: Vec<String> = plan.iter().map(|_| demo_password(&mut rng)).collect();
    let hashes =
        futures_util::future::try_join_all(passwords.iter().map(|p| hash_password(p))).await?;
    let mut accounts = Vec::new();
    let mut tx = store.begin().await?;
    for ((username, display, role, org_code, org_name), (password, hash)) in
        plan.into_iter().zip(passwords.into_iter().zip(hashes))
    {
        let (org_id, _) = store.organisation_by_code(&org_code).await?;
        tx.insert_account_with_hash(&actor, username, display, org_id, role, &hash)
            .await?;
        accounts.push(DemoAccount {
            username: username.to_string(),
            password,
            role,
            organisation_code: org_code,
            organisation_name_en: org_name,
        });
    }
    tx.commit().await?;

    // The shipped framework library.
    for (file, text) in LIBRARY {
        let mut framework = mamori_survey::load(file, text).map_err(DemoError::Framework)?;
        if file.ends_with(".oscal.json") {
            framework.key = "nist-csf".into();
        }
        store.import_framework(&actor, &framework).await?;
    }
    let mut survey_rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5a5a);
    let surveys = surveys::seed(store, &mut survey_rng, &insts, &ids).await?;
    let mut sharing_rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x15ac);
    let sharing = sharing::seed(store, &mut sharing_rng, &insts, &ids, options.scale).await?;
    store.analyze().await?;
    Ok(DemoSummary {
        institutions: insts.len(),
        organisations: orgs.len(),
        accounts,
        closed_campaign_assignments: surveys.closed_assignments,
        open_campaign_assignments: surveys.open_assignments,
        sharing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_is_at_real_scale_and_deterministic() {
        let a = institutions(DemoOptions::default());
        let b = institutions(DemoOptions::default());
        assert_eq!(a, b);
        assert!((1000..1200).contains(&a.len()), "{} institutions", a.len());
        let scaled = institutions(DemoOptions {
            scale: 3,
            seed: 2019,
        });
        assert_eq!(scaled.len(), a.len() * 3);
    }

    #[test]
    fn every_regional_office_supervises_someone_and_large_ones_are_under_the_fsa() {
        let a = institutions(DemoOptions::default());
        for b in Bureau::ALL {
            assert!(a.iter().any(|i| i.bureau == *b), "{b} has no institution");
        }
        assert!(a
            .iter()
            .filter(|i| i.size_tier == SizeTier::Large)
            .all(|i| i.bureau == Bureau::Fsa));
    }

    #[test]
    fn generated_records_pass_the_registry_validation() {
        for i in institutions(DemoOptions::default()) {
            let fields = mamori_domain::InstitutionFields::from(&i);
            assert_eq!(fields.validate().as_ref(), Ok(&i));
        }
    }
}
