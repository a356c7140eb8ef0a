//! Traffic Light Protocol 2.0: the markings shared information carries, and how they map to
//! STIX 2.1 marking definitions (OASIS TLP 2.0 extension ids; TLP 1.0 ids accepted on
//! import). Who may read what under each marking is decided in `policy`.

use serde::{Deserialize, Serialize};

/// From least to most restricted, so that `max` of several markings is the one that binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tlp {
    /// No limit on disclosure.
    Clear,
    /// The community: here, the members of the sharing community.
    Green,
    /// The recipient organisation and its clients, on a need-to-know basis.
    Amber,
    /// The recipient organisation only.
    AmberStrict,
    /// Named individuals only.
    Red,
}

const PREFIX: &str = "marking-definition--";

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber_strict",
            Tlp::Red => "red",
        }
    }

    pub fn from_code(s: &str) -> Option<Tlp> {
        Tlp::ALL.into_iter().find(|t| t.code() == s)
    }

    /// The label as written in documents: `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The STIX 2.1 marking-definition id (TLP 2.0).
    pub fn stix_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The marking a STIX marking-definition id stands for: TLP 2.0 ids, and on import the
    /// TLP 1.0 ones (WHITE is read as CLEAR).
    pub fn from_stix_id(id: &str) -> Option<Tlp> {
        let uuid = id.strip_prefix(PREFIX)?;
        Some(match uuid {
            "94868c89-83c2-464b-929b-a1a8aa3c8487" | "613f2e26-407d-48c7-9eca-b8e91df99dc9" => {
                Tlp::Clear
            }
            "bab4a63c-aed9-4cf5-a766-dfca5abac2bb" | "34098fce-860f-48ae-8e50-ebd3cc5e41da" => {
                Tlp::Green
            }
            "55d920b0-5e8b-4f79-9ee9-91f868d9b421" | "f88d31f6-486f-44da-b317-01333bde0b82" => {
                Tlp::Amber
            }
            "939a9414-2ddd-4d32-a0cd-375ea402b003" => Tlp::AmberStrict,
            "e828b379-4e03-4974-9ac4-e53a884c97c1" | "5e57c739-391a-4eb3-b6be-7d15ca92d5ed" => {
                Tlp::Red
            }
            _ => return None,
        })
    }

    /// Whether information under this marking may go out in a feed (TAXII, exports to other
    /// tools): not AMBER+STRICT (the recipient organisation only) and not RED (named people).
    pub fn may_be_fed(self) -> bool {
        matches!(self, Tlp::Clear | Tlp::Green | Tlp::Amber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stix_ids_round_trip_and_tlp1_is_accepted() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_stix_id(t.stix_id()), Some(t));
            assert_eq!(Tlp::from_code(t.code()), Some(t));
        }
        let v1 = |u: &str| Tlp::from_stix_id(&format!("marking-definition--{u}"));
        assert_eq!(v1("613f2e26-407d-48c7-9eca-b8e91df99dc9"), Some(Tlp::Clear));
        assert_eq!(v1("34098fce-860f-48ae-8e50-ebd3cc5e41da"), Some(Tlp::Green));
        assert_eq!(v1("f88d31f6-486f-44da-b317-01333bde0b82"), Some(Tlp::Amber));
        assert_eq!(v1("5e57c739-391a-4eb3-b6be-7d15ca92d5ed"), Some(Tlp::Red));
        assert_eq!(
            Tlp::from_stix_id("marking-definition--00000000-0000-0000-0000-000000000000"),
            None
        );
        assert_eq!(
            Tlp::from_stix_id("94868c89-83c2-464b-929b-a1a8aa3c8487"),
            None,
            "no prefix"
        );
    }

    #[test]
    fn the_most_restrictive_marking_binds_and_only_some_may_be_fed() {
        assert_eq!(
            [Tlp::Green, Tlp::AmberStrict, Tlp::Amber].into_iter().max(),
            Some(Tlp::AmberStrict)
        );
        let fed: Vec<Tlp> = Tlp::ALL.into_iter().filter(|t| t.may_be_fed()).collect();
        assert_eq!(fed, [Tlp::Clear, Tlp::Green, Tlp::Amber]);
    }
}
