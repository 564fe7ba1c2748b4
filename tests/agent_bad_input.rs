//! The agent-protocol rows of docs/bad-input.md that tests/agent_conformance.rs
//! did not hold: each bad request gets `400 invalid` naming its field (or
//! `404`), and the device is left as it was. Every case runs against a real
//! agent and a fleet device on 127.0.0.1 over plain HTTP (the conformance
//! suite covers TLS for the shared code paths).

mod agent_support;

use agent_support::{request, start, Agent, Mode, PRODUCT, TOKEN};
use reqwest::Method;

macro_rules! both_modes {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use super::*;
            #[tokio::test]
            async fn real() {
                cases::$case(start(Mode::Real).await).await
            }
            #[tokio::test]
            async fn fleet() {
                cases::$case(start(Mode::Fleet).await).await
            }
        }
    )*};
}

both_modes!(
    a_missing_field_gets_400_naming_it_and_changes_nothing,
    a_body_that_is_not_json_gets_400_naming_the_body,
    a_manifest_of_another_product_or_version_gets_400,
    a_malformed_deployment_id_gets_400_naming_id_and_installs_nothing,
    revoking_a_product_the_device_never_heard_of_is_404,
);

/// Asserts a raw answer is `400 invalid` naming `field`.
fn assert_invalid(what: &str, (status, err): (u16, serde_json::Value), field: &str) {
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (400, Some("invalid"), Some(field)),
        "{what}: {err}"
    );
}

mod cases {
    use super::*;

    fn config_path() -> String {
        format!("/v1/products/{PRODUCT}/config")
    }

    pub async fn a_missing_field_gets_400_naming_it_and_changes_nothing(a: Agent) {
        let mut cfg = serde_json::to_value(a.config("1.0.0")).unwrap();
        cfg["manifest"]["modules"][0]
            .as_object_mut()
            .unwrap()
            .remove("sha256");
        let answer = a
            .raw(
                Method::PUT,
                &config_path(),
                Some(TOKEN),
                Some(serde_json::to_vec(&cfg).unwrap()),
            )
            .await;
        assert_invalid("no sha256", answer, "manifest.modules[0].sha256");
        let answer = a
            .raw(
                Method::PUT,
                &config_path(),
                Some(TOKEN),
                Some(br#"{"version":"1.0.0"}"#.to_vec()),
            )
            .await;
        assert_invalid("no manifest", answer, "manifest");
        assert!(!a.knows_product().await, "no configuration written");

        a.client
            .put_config(PRODUCT, &a.config("1.0.0"))
            .await
            .unwrap();
        let answer = a
            .raw(
                Method::POST,
                "/v1/deployments",
                Some(TOKEN),
                Some(br#"{"id":"u-1","product":"conformance-app"}"#.to_vec()),
            )
            .await;
        assert_invalid("no version", answer, "version");
        assert!(a.client.installs().await.unwrap().installs.is_empty());
    }

    pub async fn a_body_that_is_not_json_gets_400_naming_the_body(a: Agent) {
        for body in [&b"not json"[..], b"", b"[]", b"\"1.0.0\""] {
            let answer = a
                .raw(
                    Method::PUT,
                    &config_path(),
                    Some(TOKEN),
                    Some(body.to_vec()),
                )
                .await;
            assert_invalid(&String::from_utf8_lossy(body), answer, "body");
        }
        assert!(!a.knows_product().await, "no configuration written");
    }

    pub async fn a_manifest_of_another_product_or_version_gets_400(a: Agent) {
        let mut cfg = a.config("1.0.0");
        cfg.manifest.product = "other-app".into();
        let answer = a
            .raw(
                Method::PUT,
                &config_path(),
                Some(TOKEN),
                Some(serde_json::to_vec(&cfg).unwrap()),
            )
            .await;
        assert_invalid("another product", answer, "manifest.product");
        let mut cfg = a.config("1.0.0");
        cfg.version = "1.0.1".into();
        let answer = a
            .raw(
                Method::PUT,
                &config_path(),
                Some(TOKEN),
                Some(serde_json::to_vec(&cfg).unwrap()),
            )
            .await;
        assert_invalid("another version", answer, "manifest.version");
        assert!(!a.knows_product().await, "no configuration written");
        let products = a.client.device().await.unwrap().products;
        assert!(!products.contains_key("other-app"), "{products:?}");
    }

    pub async fn a_malformed_deployment_id_gets_400_naming_id_and_installs_nothing(a: Agent) {
        a.client
            .put_config(PRODUCT, &a.config("1.0.0"))
            .await
            .unwrap();
        let long = "x".repeat(129);
        for id in ["", ".", "..", "a/b", "a b", "ü", long.as_str()] {
            let body = serde_json::to_vec(&request(id, "1.0.0")).unwrap();
            let answer = a
                .raw(Method::POST, "/v1/deployments", Some(TOKEN), Some(body))
                .await;
            assert_invalid(&format!("id {id:?}"), answer, "id");
        }
        // At the limit it is an id like any other.
        let body = serde_json::to_vec(&request(&"x".repeat(128), "1.0.0")).unwrap();
        let (status, _) = a
            .raw(Method::POST, "/v1/deployments", Some(TOKEN), Some(body))
            .await;
        assert_eq!(status, 201);
        let installs = a.client.installs().await.unwrap().installs;
        assert_eq!(installs.len(), 1, "only the valid id: {installs:?}");
    }

    pub async fn revoking_a_product_the_device_never_heard_of_is_404(a: Agent) {
        let before = a.client.device().await.unwrap();
        let (status, err) = a
            .raw(Method::DELETE, &config_path(), Some(TOKEN), None)
            .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (404, Some("not_found")),
            "{err}"
        );
        assert_eq!(a.client.device().await.unwrap().products, before.products);
    }
}
