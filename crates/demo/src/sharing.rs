//! Demo data for mutual aid and outreach: synthetic indicators (documentation address
//! ranges, `.example` domains, random hashes, made-up accounts and wallets) and advisories
//! under every TLP marking, sightings by members, and a year of seminars and workshops whose
//! attendance differs by region as the source document describes. Every object passes the
//! same STIX reader as what members post.

use crate::DemoError;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mamori_domain::institution::InstitutionInput;
use mamori_domain::sharing::{
    Audience, EventAudience, EventKind, NewShared, NewSighting, Organiser, Severity,
};
use mamori_domain::{Bureau, IsacMembership, Sector, Tlp};
use mamori_scan::indicator::Kind;
use mamori_sharing::{
    advisory_object, indicator_object, parse_object, uuid_from, AdvisoryText, ImportDefaults,
    Parsed,
};
use mamori_store::outreach::NewEvent;
use mamori_store::sharing::Publisher;
use mamori_store::{Actor, Store};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingSummary {
    pub indicators: usize,
    pub advisories: usize,
    pub sightings: usize,
    pub events: usize,
}

const WORDS: &[&str] = &[
    "secure", "login", "verify", "account", "update", "bank", "pay", "wallet", "portal", "support",
    "notice", "token", "auth", "mobile", "card", "transfer", "fx", "trade", "coin", "bonus",
];

fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect()
}

fn domain(rng: &mut ChaCha8Rng) -> String {
    let a = WORDS.choose(rng).unwrap_or(&"secure");
    let b = WORDS.choose(rng).unwrap_or(&"login");
    let tld = ["example", "test", "invalid"]
        .choose(rng)
        .unwrap_or(&"example");
    format!("{a}-{b}{}.{tld}", rng.gen_range(1..999))
}

/// A synthetic value of a kind: documentation and private address ranges, reserved
/// top-level domains, random hashes, accounts and wallets that exist nowhere.
fn value(rng: &mut ChaCha8Rng, kind: Kind) -> String {
    match kind {
        Kind::Ipv4 => {
            let nets = ["192.0.2", "198.51.100", "203.0.113"];
            if rng.gen_bool(0.5) {
                format!(
                    "{}.{}",
                    nets.choose(rng).unwrap_or(&"192.0.2"),
                    rng.gen_range(1..255)
                )
            } else {
                format!(
                    "10.{}.{}.{}",
                    rng.gen_range(0..255),
                    rng.gen_range(0..255),
                    rng.gen_range(1..255)
                )
            }
        }
        Kind::Ipv6 => format!(
            "2001:db8:{:x}::{:x}",
            rng.gen_range(0..0xffff),
            rng.gen_range(1..0xffff)
        ),
        Kind::Cidr => {
            if rng.gen_bool(0.7) {
                format!(
                    "10.{}.{}.0/24",
                    rng.gen_range(0..255),
                    rng.gen_range(0..255)
                )
            } else {
                format!("2001:db8:{:x}::/48", rng.gen_range(0..0xffff))
            }
        }
        Kind::Domain => domain(rng),
        Kind::Url => format!(
            "https://{}/{}/{}",
            domain(rng),
            WORDS.choose(rng).unwrap_or(&"login"),
            rng.gen_range(1..9999)
        ),
        Kind::Email => format!(
            "{}{}@{}",
            WORDS.choose(rng).unwrap_or(&"support"),
            rng.gen_range(1..99),
            domain(rng)
        ),
        Kind::Md5 => hex(rng, 32),
        Kind::Sha1 => hex(rng, 40),
        Kind::Sha256 => hex(rng, 64),
        Kind::BankAccount => format!(
            "9{:03}-{:03}-{:07}",
            rng.gen_range(0..1000),
            rng.gen_range(0..1000),
            rng.gen_range(0..10_000_000)
        ),
        Kind::CryptoAddress => {
            if rng.gen_bool(0.5) {
                format!("0x{}", hex(rng, 40))
            } else {
                let alphabet = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
                let tail: String = (0..38)
                    .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
                    .collect();
                format!("bc1q{tail}")
            }
        }
    }
}

fn kind(rng: &mut ChaCha8Rng) -> Kind {
    let table: [(Kind, u32); 11] = [
        (Kind::Domain, 25),
        (Kind::Ipv4, 20),
        (Kind::Url, 15),
        (Kind::Sha256, 10),
        (Kind::Md5, 5),
        (Kind::Sha1, 5),
        (Kind::Email, 5),
        (Kind::Ipv6, 4),
        (Kind::Cidr, 4),
        (Kind::BankAccount, 4),
        (Kind::CryptoAddress, 3),
    ];
    let mut roll = rng.gen_range(0..100);
    for (k, w) in table {
        if roll < w {
            return k;
        }
        roll -= w;
    }
    Kind::Domain
}

/// Advisory themes, in both languages (our own synthetic wording).
const THEMES: &[(&str, &str, &str, &str)] = &[
    (
        "インターネットバンキングを狙うフィッシング",
        "Phishing against internet banking",
        "偽のログイン画面へ誘導するSMSが多数確認されています。",
        "Text messages leading to fake log-in pages are being reported in numbers.",
    ),
    (
        "委託先で発生したランサムウェア被害",
        "Ransomware at an outsourced vendor",
        "共同利用システムの委託先で暗号化被害が発生しました。",
        "An outsourced vendor of a shared system had its servers encrypted.",
    ),
    (
        "FX取引基盤へのDDoS攻撃",
        "DDoS against FX trading platforms",
        "取引時間帯に大規模な通信が観測されています。",
        "Large floods are seen during trading hours.",
    ),
    (
        "暗号資産ウォレットからの不正送金",
        "Unauthorised transfers from crypto-asset wallets",
        "ホットウォレットの鍵管理を狙う攻撃が報告されています。",
        "Attacks on hot-wallet key management are being reported.",
    ),
    (
        "ビジネスメール詐欺の新たな手口",
        "New business e-mail compromise lures",
        "役員を装った送金指示メールが確認されています。",
        "Payment instructions posing as executives are circulating.",
    ),
    (
        "VPN装置の脆弱性を悪用した侵入",
        "Intrusions through a VPN appliance vulnerability",
        "未修正の装置から内部に侵入される事例があります。",
        "Unpatched appliances are being used to get inside networks.",
    ),
    (
        "パスワードリスト攻撃の増加",
        "Credential stuffing on the rise",
        "他サービスから流出した認証情報による不正ログインが増えています。",
        "Log-ins with credentials leaked from other services are increasing.",
    ),
    (
        "偽のモバイルアプリの配布",
        "Fake mobile apps in circulation",
        "正規アプリを装った不正アプリが配布されています。",
        "Malicious apps posing as genuine ones are being distributed.",
    ),
    (
        "SIMスワップによる認証突破",
        "SIM swapping to defeat authentication",
        "SMS認証を突破する手口が確認されています。",
        "SIM swaps are used to get past text-message authentication.",
    ),
    (
        "ソフトウェア更新を悪用したサプライチェーン攻撃",
        "A supply-chain attack through software updates",
        "業務ソフトの更新に不正なコードが混入していました。",
        "An update of business software carried malicious code.",
    ),
    (
        "内部者による顧客情報の持ち出し",
        "Customer data taken out by an insider",
        "退職予定者による大量ダウンロードが検知されました。",
        "Mass downloads by a departing employee were detected.",
    ),
    (
        "QRコード決済を悪用した不正",
        "Fraud through QR-code payments",
        "加盟店コードのすり替えが報告されています。",
        "Swapped merchant codes are being reported.",
    ),
];

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

fn parse(o: &serde_json::Value, tlp: Tlp) -> Result<NewShared, DemoError> {
    match parse_object(
        o,
        ImportDefaults {
            tlp: Some(Tlp::Green),
            anonymous: false,
        },
    ) {
        Ok(Parsed::Object(n)) => Ok(NewShared { tlp, ..*n }),
        other => Err(DemoError::Sharing(format!("{other:?}"))),
    }
}

/// Seeds mutual aid and outreach. `members` are the institutions' ids in `insts` order.
pub async fn seed(
    store: &Store,
    rng: &mut ChaCha8Rng,
    insts: &[InstitutionInput],
    ids: &[i64],
    scale: u32,
) -> Result<SharingSummary, DemoError> {
    let actor = Actor::system("demo");
    let (isac_org, _) = store.organisation_by_code("ISAC").await?;
    let (fsa_org, _) = store.organisation_by_code("FSA").await?;
    let named: Vec<i64> = {
        let mut v = Vec::new();
        for u in ["isac", "bank-staff"] {
            if let Ok(a) = store.account_by_username(u).await {
                v.push(a.id);
            }
        }
        v
    };
    let full: Vec<i64> = insts
        .iter()
        .zip(ids)
        .filter(|(i, _)| i.isac_membership == IsacMembership::Full)
        .map(|(_, id)| *id)
        .collect();
    let members: Vec<i64> = insts
        .iter()
        .zip(ids)
        .filter(|(i, _)| i.isac_membership != IsacMembership::None)
        .map(|(_, id)| *id)
        .collect();
    // As in real sharing communities, a few dozen members post most of what is shared.
    let mut authors: Vec<i64> = full.choose_multiple(rng, 40).copied().collect();
    authors.extend(std::iter::repeat_n(isac_org, 10));

    // Indicators, grouped by author for one publication each.
    let n = 2_000 * scale as usize;
    let mut by_author: std::collections::BTreeMap<i64, Vec<NewShared>> = Default::default();
    let mut indicator_ids = Vec::with_capacity(n);
    for _ in 0..n {
        let author = *authors.choose(rng).unwrap_or(&isac_org);
        let k = kind(rng);
        let v = value(rng, k);
        let created = day(2026, 4, 1) + Duration::hours(rng.gen_range(0..24 * 230));
        let until = rng
            .gen_bool(0.7)
            .then(|| created + Duration::days(rng.gen_range(30..365)));
        let id = format!("indicator--{}", uuid_from(rng));
        let o = indicator_object(
            &id,
            k,
            &v,
            None,
            None,
            Some(rng.gen_range(30..=95)),
            created,
            until,
            created,
        );
        let roll = rng.gen_range(0..100);
        let (tlp, audience, orgs, people) = match roll {
            0..=14 => (Tlp::Clear, Audience::Community, vec![], vec![]),
            15..=64 => (Tlp::Green, Audience::Community, vec![], vec![]),
            65..=84 => (Tlp::Amber, Audience::Community, vec![], vec![]),
            85..=89 => (Tlp::Amber, Audience::Listed, vec![fsa_org], vec![]),
            90..=97 => (Tlp::AmberStrict, Audience::Community, vec![], vec![]),
            _ if !named.is_empty() => (Tlp::Red, Audience::Listed, vec![], named.clone()),
            _ => (Tlp::Green, Audience::Community, vec![], vec![]),
        };
        let mut shared = parse(&o, tlp)?;
        shared.audience = audience;
        shared.recipient_organisations = orgs;
        shared.recipient_accounts = people;
        shared.anonymous = rng.gen_bool(0.15);
        indicator_ids.push((id, tlp));
        by_author.entry(author).or_default().push(shared);
    }
    let mut batches: Vec<(Publisher, Vec<NewShared>)> = by_author
        .into_iter()
        .map(|(author, objects)| {
            (
                Publisher {
                    organisation_id: author,
                    account_id: None,
                    curator: false,
                },
                objects,
            )
        })
        .collect();

    // Advisories referring to some of the indicators they summarise.
    let shareable: Vec<&String> = indicator_ids
        .iter()
        .filter(|(_, t)| *t <= Tlp::Amber)
        .map(|(id, _)| id)
        .collect();
    for (i, (title_ja, title_en, body_ja, body_en)) in THEMES.iter().enumerate() {
        let how_many = rng.gen_range(3..8);
        let refs: Vec<String> = shareable
            .choose_multiple(rng, how_many)
            .map(|s| s.to_string())
            .collect();
        let created = day(2026, 4, 10) + Duration::days(18 * i as i64);
        let tlp = [Tlp::Clear, Tlp::Green, Tlp::Green, Tlp::Amber][i % 4];
        let severity = Severity::ALL[(i * 7) % 4];
        let products = vec![[
            "Internet banking",
            "VPN appliance",
            "Mobile app",
            "Trading platform",
        ][i % 4]
            .to_string()];
        let id = format!("report--{}", uuid_from(rng));
        let o = advisory_object(
            &id,
            &AdvisoryText {
                title_ja,
                title_en,
                body_ja,
                body_en,
                severity,
                affected_products: &products,
                indicators: &refs,
            },
            tlp,
            created,
        );
        let shared = parse(&o, tlp)?;
        let author = if i % 3 == 0 {
            isac_org
        } else {
            *full.choose(rng).unwrap_or(&isac_org)
        };
        batches.push((
            Publisher {
                organisation_id: author,
                account_id: None,
                curator: false,
            },
            vec![shared],
        ));
    }
    store.publish_all(&actor, &batches).await?;

    // Sightings of one indicator in ten that members may read (not RED).
    let mut sightings = Vec::new();
    for (id, tlp) in indicator_ids.iter().filter(|(_, t)| *t != Tlp::Red) {
        if !rng.gen_bool(0.1) {
            continue;
        }
        let readers: Vec<i64> = if *tlp == Tlp::Green || *tlp == Tlp::Clear {
            members.clone()
        } else {
            full.clone()
        };
        let how_many = rng.gen_range(1..6);
        let chosen: Vec<i64> = readers.choose_multiple(rng, how_many).copied().collect();
        for org in &chosen {
            let first = day(2026, 5, 1) + Duration::hours(rng.gen_range(0..24 * 200));
            sightings.push((
                *org,
                NewSighting {
                    stix_id: format!("sighting--{}", uuid_from(rng)),
                    indicator_stix_id: id.clone(),
                    count: rng.gen_range(1..500),
                    first_seen: first,
                    last_seen: first + Duration::hours(rng.gen_range(0..72)),
                    false_positive: rng.gen_bool(0.1),
                    created: first + Duration::hours(72),
                },
            ));
        }
    }
    store.add_sightings(&actor, &sightings).await?;

    let events = seed_outreach(store, rng, insts, ids).await?;
    Ok(SharingSummary {
        indicators: n,
        advisories: THEMES.len(),
        sightings: sightings.len(),
        events,
    })
}

/// How keen each region's institutions are, and how many events it holds a year: the
/// source document notes regions where hardly anyone takes part.
fn engagement(b: Bureau) -> (f64, usize) {
    match b {
        Bureau::Kanto => (0.30, 8),
        Bureau::Kinki => (0.26, 6),
        Bureau::Tokai => (0.22, 4),
        Bureau::Fukuoka => (0.18, 3),
        Bureau::Chugoku => (0.14, 3),
        Bureau::Kyushu => (0.12, 2),
        Bureau::Tohoku => (0.10, 2),
        Bureau::Hokuriku => (0.08, 2),
        Bureau::Hokkaido => (0.06, 1),
        Bureau::Shikoku => (0.05, 1),
        Bureau::Okinawa | Bureau::Fsa => (0.03, 1),
    }
}

async fn seed_outreach(
    store: &Store,
    rng: &mut ChaCha8Rng,
    insts: &[InstitutionInput],
    ids: &[i64],
) -> Result<usize, DemoError> {
    let actor = Actor::system("demo");
    let mut planned = Vec::new();
    for year in [2025, 2026] {
        for region in Bureau::ALL.iter().copied().filter(|b| *b != Bureau::Fsa) {
            let (keen, events) = engagement(region);
            let local: Vec<(&InstitutionInput, i64)> = insts
                .iter()
                .zip(ids.iter().copied())
                .filter(|(i, _)| i.prefecture.bureau() == region)
                .collect();
            for e in 0..events {
                let kind = if e % 2 == 0 {
                    EventKind::Seminar
                } else {
                    EventKind::Workshop
                };
                let audience = if kind == EventKind::Seminar {
                    EventAudience::Executives
                } else {
                    EventAudience::Staff
                };
                let organiser = [
                    Organiser::Bureau,
                    Organiser::Isac,
                    Organiser::Fisc,
                    Organiser::Fsa,
                ][e % 4];
                // April to October, so that the current fiscal year's events have taken place.
                let month = 4 + (e as u32 * 7 / events.max(1) as u32).min(6);
                let held_on =
                    NaiveDate::from_ymd_opt(year, month, 10 + e as u32 % 15).unwrap_or_default();
                let attendees: Vec<i64> = local
                    .iter()
                    .filter(|(i, _)| {
                        // Banks come more often than small non-banks.
                        let boost = match i.sector {
                            Sector::MajorBank | Sector::OtherBank | Sector::RegionalBank => 1.8,
                            Sector::SecondRegionalBank | Sector::Shinkin => 1.2,
                            _ => 0.7,
                        };
                        rng.gen_bool((keen * boost / 2.0).min(0.95))
                    })
                    .map(|(_, id)| *id)
                    .collect();
                let (title_ja, title_en) = match kind {
                    EventKind::Seminar => (
                        "経営層向けサイバーセキュリティセミナー",
                        "Cybersecurity seminar for executives",
                    ),
                    EventKind::Workshop => (
                        "インシデント対応ワークショップ",
                        "Incident response workshop",
                    ),
                };
                planned.push((
                    NewEvent {
                        kind,
                        organiser,
                        audience,
                        bureau: region,
                        held_on,
                        title_ja: format!("{title_ja}（{}）", region.code()),
                        title_en: format!("{title_en} ({})", region.code()),
                    },
                    attendees,
                ));
            }
        }
    }
    store.record_events(&actor, &planned).await?;
    Ok(planned.len())
}
