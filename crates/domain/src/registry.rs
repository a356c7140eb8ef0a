//! The sector registry's vocabulary: sectors, size tiers, supervising offices, prefectures and
//! ISAC membership. Codes are stable (they appear in CSV files, the API and the database);
//! their Japanese and English labels live in the web crate's message catalogues under
//! `sector.<code>`, `tier.<code>` and so on.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a closed vocabulary with stable snake_case codes.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary! {
    /// Business types of supervised institutions (業態).
    Sector {
        MajorBank => "major_bank",
        OtherBank => "other_bank",
        RegionalBank => "regional_bank",
        SecondRegionalBank => "second_regional_bank",
        Shinkin => "shinkin",
        Shinkumi => "shinkumi",
        LabourBank => "labour_bank",
        Securities => "securities",
        LifeInsurer => "life_insurer",
        NonLifeInsurer => "non_life_insurer",
        FxBroker => "fx_broker",
        CryptoExchange => "crypto_exchange",
        PaymentProvider => "payment_provider",
    }
}

vocabulary! {
    /// Size tier, which drives expectations (recommended measures apply to larger impact).
    SizeTier { Large => "large", Medium => "medium", Small => "small" }
}

vocabulary! {
    /// The supervising office: the FSA itself (large institutions) or one of the 11 regional
    /// offices.
    Bureau {
        Fsa => "fsa",
        Hokkaido => "hokkaido",
        Tohoku => "tohoku",
        Kanto => "kanto",
        Hokuriku => "hokuriku",
        Tokai => "tokai",
        Kinki => "kinki",
        Chugoku => "chugoku",
        Shikoku => "shikoku",
        Fukuoka => "fukuoka",
        Kyushu => "kyushu",
        Okinawa => "okinawa",
    }
}

impl Bureau {
    /// The 11 regional offices, without the FSA itself.
    pub fn regional() -> &'static [Bureau] {
        &Bureau::ALL[1..]
    }
}

vocabulary! {
    /// Financial ISAC membership.
    IsacMembership { None => "none", Trial => "trial", Full => "full" }
}

vocabulary! {
    /// Kinds of organisation. Only institutions are supervised; the others are the bodies
    /// that supervise, share or coordinate.
    OrganisationKind {
        Institution => "institution",
        Fsa => "fsa",
        Bureau => "bureau",
        Isac => "isac",
        Fisc => "fisc",
        Association => "association",
        Government => "government",
        Operator => "operator",
    }
}

vocabulary! {
    /// The 47 prefectures, with the regional office that covers each (see [`Prefecture::bureau`]).
    Prefecture {
        Hokkaido => "hokkaido", Aomori => "aomori", Iwate => "iwate", Miyagi => "miyagi",
        Akita => "akita", Yamagata => "yamagata", Fukushima => "fukushima", Ibaraki => "ibaraki",
        Tochigi => "tochigi", Gunma => "gunma", Saitama => "saitama", Chiba => "chiba",
        Tokyo => "tokyo", Kanagawa => "kanagawa", Niigata => "niigata", Toyama => "toyama",
        Ishikawa => "ishikawa", Fukui => "fukui", Yamanashi => "yamanashi", Nagano => "nagano",
        Gifu => "gifu", Shizuoka => "shizuoka", Aichi => "aichi", Mie => "mie", Shiga => "shiga",
        Kyoto => "kyoto", Osaka => "osaka", Hyogo => "hyogo", Nara => "nara",
        Wakayama => "wakayama", Tottori => "tottori", Shimane => "shimane", Okayama => "okayama",
        Hiroshima => "hiroshima", Yamaguchi => "yamaguchi", Tokushima => "tokushima",
        Kagawa => "kagawa", Ehime => "ehime", Kochi => "kochi", Fukuoka => "fukuoka",
        Saga => "saga", Nagasaki => "nagasaki", Kumamoto => "kumamoto", Oita => "oita",
        Miyazaki => "miyazaki", Kagoshima => "kagoshima", Okinawa => "okinawa",
    }
}

impl Prefecture {
    /// The regional office whose jurisdiction covers this prefecture.
    pub fn bureau(self) -> Bureau {
        use Prefecture::*;
        match self {
            Hokkaido => Bureau::Hokkaido,
            Aomori | Iwate | Miyagi | Akita | Yamagata | Fukushima => Bureau::Tohoku,
            Ibaraki | Tochigi | Gunma | Saitama | Chiba | Tokyo | Kanagawa | Niigata
            | Yamanashi | Nagano => Bureau::Kanto,
            Toyama | Ishikawa | Fukui => Bureau::Hokuriku,
            Gifu | Shizuoka | Aichi | Mie => Bureau::Tokai,
            Shiga | Kyoto | Osaka | Hyogo | Nara | Wakayama => Bureau::Kinki,
            Tottori | Shimane | Okayama | Hiroshima | Yamaguchi => Bureau::Chugoku,
            Tokushima | Kagawa | Ehime | Kochi => Bureau::Shikoku,
            Fukuoka | Saga | Nagasaki => Bureau::Fukuoka,
            Kumamoto | Oita | Miyazaki | Kagoshima => Bureau::Kyushu,
            Okinawa => Bureau::Okinawa,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_regional_office_covers_at_least_one_prefecture() {
        for b in Bureau::regional() {
            assert!(
                Prefecture::ALL.iter().any(|p| p.bureau() == *b),
                "{b} covers no prefecture"
            );
        }
        assert_eq!(Prefecture::ALL.len(), 47);
        assert_eq!(Bureau::regional().len(), 11);
    }

    #[test]
    fn codes_round_trip() {
        for s in Sector::ALL {
            assert_eq!(Sector::from_code(s.code()), Some(*s));
        }
        assert_eq!(Sector::from_code("bank"), None);
    }
}
