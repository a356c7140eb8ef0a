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
