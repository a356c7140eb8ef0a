//! The shipped library reads cleanly, with the expected shape.

fn library(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../library/frameworks/").to_string() + name;
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn nist_csf_2_from_nists_own_oscal_file_has_6_functions_22_categories_106_subcategories() {
    let f = mamori_survey::load(
        "nist-csf-2.0.oscal.json",
        &library("nist-csf-2.0.oscal.json"),
    )
    .unwrap();
    assert_eq!(f.items_per_level(), vec![6, 22, 106]);
    assert_eq!(f.assessable_items(), 106);
    let ids: Vec<&str> = f.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["GV", "ID", "PR", "DE", "RS", "RC"]);
    let gv_oc_01 = &f.items[0].items[0].items[0];
    assert_eq!(gv_oc_01.id, "GV.OC-01");
    assert!(gv_oc_01.question.as_ref().unwrap().en.contains("mission"));
}

#[test]
fn the_same_catalog_as_yaml_gives_the_same_framework() {
    let json = library("nist-csf-2.0.oscal.json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let yaml = serde_yaml::to_string(&value).unwrap();
    let a = mamori_survey::load("csf.json", &json).unwrap();
    let b = mamori_survey::load("csf.yaml", &yaml).unwrap();
    assert_eq!(a, b);
}

#[test]
fn files_of_neither_kind_are_refused_clearly() {
    let e = mamori_survey::load("x.yaml", "hello: world\n").unwrap_err();
    assert!(e[0].message.contains("neither"), "{e:?}");
    let e = mamori_survey::load("x.json", "{ \"catalog\": ").unwrap_err();
    assert!(e[0].message.contains("JSON"), "{e:?}");
}

#[test]
fn the_fsa_baseline_asks_every_point_of_the_brief_in_both_languages() {
    let f = mamori_survey::load("fsa-baseline.yaml", &library("fsa-baseline.yaml")).unwrap();
    assert_eq!(f.key, "fsa-baseline");
    // One question per point in PRODUCT.md's "FSA baseline survey — what it must ask".
    let points = [
        "GOV-01", "GOV-02", "GOV-03", "GOV-04", "GOV-05", "GOV-06", "IDN-01", "IDN-02", "IDN-03",
        "IDN-04", "IDN-05", "IDN-06", "IDN-07", "IDN-08", "IDN-09", "PRT-01", "PRT-02", "PRT-03",
        "DET-01", "RSP-01", "RSP-02", "RSP-03", "RSP-04", "RSP-05", "TPR-01", "TPR-02", "TPR-03",
        "SHR-01", "SHR-02",
    ];
    let walk = f.walk();
    for p in points {
        let (_, item) = walk
            .iter()
            .find(|(_, i)| i.id == p)
            .unwrap_or_else(|| panic!("{p} missing"));
        let q = item.question.as_ref().unwrap();
        assert!(
            q.ja.as_deref().is_some_and(|ja| !ja.is_empty()) && !q.en.is_empty(),
            "{p} lacks a language"
        );
        assert!(item.tier.is_some(), "{p} has no tier");
        assert!(item.is_scored(), "{p} is not scored");
        let g = item
            .guidance
            .as_ref()
            .unwrap_or_else(|| panic!("{p} has no guidance"));
        assert!(
            g.ja.is_some() && !g.en.is_empty(),
            "{p} guidance lacks a language"
        );
    }
    // Plus the unscored inherent-risk profile that the risk model reads.
    let profile: Vec<_> = walk
        .iter()
        .filter(|(_, i)| i.is_assessable() && !i.is_scored())
        .map(|(_, i)| i.id.as_str())
        .collect();
    assert_eq!(profile.len(), 8, "{profile:?}");
    assert!(profile.iter().all(|id| id.starts_with("PRF-")));
    assert_eq!(f.assessable_items(), points.len() + profile.len());
    // Larger-institution measures are recommended, not basic.
    for id in ["GOV-06", "IDN-08", "IDN-09"] {
        let (_, item) = walk.iter().find(|(_, i)| i.id == id).unwrap();
        assert_eq!(item.tier, Some(mamori_survey::Tier::Recommended), "{id}");
    }
}

#[test]
fn every_mapping_to_csf_names_a_real_subcategory() {
    let csf = mamori_survey::load("csf", &library("nist-csf-2.0.oscal.json")).unwrap();
    let ids: std::collections::HashSet<&str> =
        csf.walk().into_iter().map(|(_, i)| i.id.as_str()).collect();
    for file in [
        "fsa-baseline.yaml",
        "g7-fundamental-elements.yaml",
        "g7-third-party.yaml",
        "g7-tlpt.yaml",
    ] {
        let f = mamori_survey::load(file, &library(file)).unwrap_or_else(|e| panic!("{e:?}"));
        for (_, item) in f.walk() {
            for m in &item.maps_to {
                let (key, id) = m.split_once(':').unwrap();
                assert_eq!(key, "nist-csf", "{file} {}", item.id);
                assert!(
                    ids.contains(id),
                    "{file} {} maps to {id}, which CSF 2.0 does not have",
                    item.id
                );
            }
        }
    }
}
