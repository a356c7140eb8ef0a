//! Any bytes as a STIX object for mutual aid's reader (forms, imports, TAXII POST): it never
//! panics, and what it accepts it can write back and read again the same way.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori_sharing::{parse_object, ImportDefaults, Parsed};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let defaults = ImportDefaults { tlp: Some(mamori_domain::Tlp::Green), anonymous: false };
    if let Ok(Parsed::Object(n)) = parse_object(&v, defaults) {
        // The stored body, marked again, reads back to the same object.
        let mut again = n.body.clone();
        again["object_marking_refs"] = serde_json::json!([n.tlp.stix_id()]);
        match parse_object(&again, defaults) {
            Ok(Parsed::Object(m)) => assert_eq!((m.stix_id, m.version, m.tlp, m.kind, m.value), (n.stix_id, n.version, n.tlp, n.kind, n.value)),
            other => panic!("accepted once, refused after: {other:?}"),
        }
    }
});
