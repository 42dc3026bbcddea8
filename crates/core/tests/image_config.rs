//! Image configs: parsing Docker's and OCI's, and checking them against the manifest.
//! Runs natively and in Chromium (wasm32).

mod support;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use support::manifests::{PORTAINER, PORTAINER_CONFIG, document, image};
use waybill_core::config::{AlignmentError, ConfigError, ImageConfig};
use waybill_core::digest::Digest;
use waybill_core::manifest_report::InspectReport;

const EMPTY_GZ: &str = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

fn minimal(diff_ids: usize, history: &str) -> String {
    let ids = vec![format!("\"{EMPTY_GZ}\""); diff_ids].join(",");
    format!(
        r#"{{"architecture":"arm64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{ids}]}}{history}}}"#
    )
}

#[test]
fn the_portainer_config_reads_with_dockers_nulls() {
    let config = ImageConfig::parse(PORTAINER_CONFIG).unwrap();
    assert_eq!((config.os.as_str(), config.architecture.as_str()), ("windows", "amd64"));
    assert_eq!(config.os_version.as_deref(), Some("10.0.14393.1066"));
    assert_eq!(config.created.as_deref(), Some("2017-05-12T09:43:04.5225763Z"));
    let run = config.config.as_ref().unwrap();
    assert_eq!(run.entrypoint.as_deref(), Some(["/portainer.exe".to_owned()].as_slice()));
    assert_eq!(run.cmd, None);
    assert!(run.env.is_empty());
    assert!(run.labels.is_empty());
    assert_eq!(run.exposed_ports, ["9000/tcp"]);
    assert_eq!(run.volumes, ["C:/data"]);
    assert_eq!(run.working_dir.as_deref(), Some(""));
    assert_eq!(config.rootfs.fs_type, "layers");
    assert_eq!(config.rootfs.diff_ids.len(), 7);
    assert_eq!(config.history.len(), 9);
    let made_layers: Vec<&str> =
        config.non_empty_history().iter().map(|h| h.created_by.as_deref().unwrap()).collect();
    assert_eq!(made_layers.len(), 7);
    assert_eq!(made_layers[0], "Apply image 10.0.14393.0");
    assert_eq!(made_layers[6], "cmd /S /C #(nop)  WORKDIR /");
    assert_eq!(config.platform().to_string(), "windows(10.0.14393.1066)/amd64");
}

#[test]
fn the_portainer_config_matches_its_manifest() {
    let manifest = image(PORTAINER);
    assert_eq!(manifest.config.digest, Digest::sha256_of(PORTAINER_CONFIG));
    assert_eq!(manifest.config.size, PORTAINER_CONFIG.len() as u64);
    let config = ImageConfig::parse(PORTAINER_CONFIG).unwrap();
    // Foreign layers have diff_ids too: 7 layers, 7 diff_ids.
    assert_eq!(config.check_layer_count(manifest.layers.len()), Ok(()));

    let report = InspectReport::from_document(&document(PORTAINER)).with_config(&config);
    let summary = report.config.unwrap();
    assert_eq!(summary.platform.as_deref(), Some("windows(10.0.14393.1066)/amd64"));
    assert_eq!(summary.diff_id_count, Some(7));
    assert_eq!(summary.alignment_error, None);
}

#[test]
fn misaligned_configs_are_explained() {
    let config = ImageConfig::parse(PORTAINER_CONFIG).unwrap();
    let error = config.check_layer_count(5).unwrap_err();
    assert_eq!(error, AlignmentError::DiffIds { diff_ids: 7, layers: 5 });
    assert!(error.to_string().contains("lists 7 diff_ids but the manifest has 5 layers"), "{error}");

    let history =
        r#","history":[{"created_by":"a"},{"created_by":"b","empty_layer":true},{"created_by":"c"}]"#;
    let config = ImageConfig::parse(minimal(1, history).as_bytes()).unwrap();
    assert_eq!(config.check_layer_count(1), Err(AlignmentError::History { steps: 2, layers: 1 }));

    let report = InspectReport::from_document(&document(PORTAINER)).with_config(&config);
    let message = report.config.unwrap().alignment_error.unwrap();
    assert!(message.contains("lists 1 diff_ids but the manifest has 7 layers"), "{message}");
}

#[test]
fn a_config_without_history_checks_diff_ids_only() {
    let config = ImageConfig::parse(minimal(2, "").as_bytes()).unwrap();
    assert!(config.history.is_empty());
    assert_eq!(config.check_layer_count(2), Ok(()));
    assert_eq!(config.config, None);
}

#[test]
fn a_config_round_trips_through_serde() {
    let config = ImageConfig::parse(PORTAINER_CONFIG).unwrap();
    let again = serde_json::to_vec(&config).unwrap();
    assert_eq!(ImageConfig::parse(&again).unwrap(), config);
    let json: serde_json::Value = serde_json::from_slice(&again).unwrap();
    assert_eq!(json["os.version"], "10.0.14393.1066");
    assert_eq!(json["config"]["ExposedPorts"], serde_json::json!({"9000/tcp": {}}));
    assert_eq!(json["config"]["Entrypoint"], serde_json::json!(["/portainer.exe"]));
}

#[test]
fn bad_configs_are_refused_with_clear_errors() {
    let cases: Vec<(String, &str)> = vec![
        (minimal(1, "").replace("\"layers\"", "\"tarball\""), "rootfs.type is \"tarball\""),
        (minimal(1, r#","os":"windows""#), "duplicate key \"os\""),
        (minimal(1, "").replace(EMPTY_GZ, "sha256:00"), "at `rootfs.diff_ids[0]`"),
        (r#"{"architecture":"amd64","os":"linux"}"#.to_owned(), "missing field `rootfs`"),
        (
            r#"{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_owned(),
            "missing field `architecture`",
        ),
        (minimal(0, r#","config":{"Env":"A=1"}"#), "at `config.Env`: invalid type: string"),
        (minimal(0, r#","history":[{"empty_layer":"yes"}]"#), "at `history[0].empty_layer`"),
        ("[]".to_owned(), "expected a JSON object at the top level"),
        (format!("{} trailing", minimal(0, "")), "trailing characters"),
    ];
    for (text, fragment) in cases {
        let message = ImageConfig::parse(text.as_bytes()).unwrap_err().to_string();
        assert!(message.contains(fragment), "{text}\n  {message}\n  expected: {fragment}");
        assert!(message.contains("image config"), "{message}");
    }
    let error = ImageConfig::parse(&[b'{', 0xc3]).unwrap_err();
    assert!(matches!(error, ConfigError::NotUtf8 { offset: 1 }), "{error:?}");
}
