//! The agent protocol's conformance suite: every case runs against a real
//! agent and a fleet device, both in-process on 127.0.0.1:0, through the
//! desktop's client (`rollwright::agent_client`) or, for what the typed client
//! cannot send, raw HTTP.

mod agent_support;

use agent_support::{request, start, Agent, Mode, PRODUCT, TOKEN};
use reqwest::Method;
use rollwright::agent_client::AgentError;
use rollwright_protocol::{DeploymentState, PROTOCOL_VERSION};

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
    health_names_the_protocol_version,
    device_reports_identity_and_configured_version,
    put_config_is_idempotent_and_accepts_a_lower_version,
    revoked_config_leaves_no_configured_version,
    deployment_of_configured_version_succeeds,
    repeated_deployment_id_returns_existing_and_installs_once,
    same_id_for_another_version_is_a_conflict,
    deployment_of_unconfigured_version_is_a_conflict,
    rollback_returns_to_previous_version_and_is_idempotent,
    missing_or_wrong_token_gets_401_and_changes_nothing,
    oversized_body_gets_413_and_changes_nothing,
    unknown_field_gets_400_naming_it,
    bad_version_gets_400_naming_the_field,
    module_name_with_path_separator_gets_400,
    unknown_deployment_is_404,
    unknown_route_is_404_with_error_body,
);

fn rejected(e: AgentError) -> (u16, rollwright_protocol::ErrorBody) {
    match e {
        AgentError::Rejected { status, body } => (status, body),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

mod cases {
    use super::*;

    pub async fn health_names_the_protocol_version(a: Agent) {
        let h = a.client.health().await.unwrap();
        assert_eq!(h.status, "ok");
        assert_eq!(h.protocol, PROTOCOL_VERSION);
    }

    pub async fn device_reports_identity_and_configured_version(a: Agent) {
        let info = a.client.device().await.unwrap();
        assert!(!info.id.is_empty() && !info.name.is_empty());
        assert!(!info.labels.is_empty());
        assert!(!info.products.contains_key(PRODUCT));
        a.client
            .put_config(PRODUCT, &a.config("1.0.0"))
            .await
            .unwrap();
        let p = a.client.device().await.unwrap().products[PRODUCT].clone();
        assert_eq!(p.configured_version.as_deref(), Some("1.0.0"));
        assert_eq!(p.deployed_version, None);
    }

    pub async fn put_config_is_idempotent_and_accepts_a_lower_version(a: Agent) {
        let first = a
            .client
            .put_config(PRODUCT, &a.config("2.0.0"))
            .await
            .unwrap();
        let again = a
            .client
            .put_config(PRODUCT, &a.config("2.0.0"))
            .await
            .unwrap();
        assert_eq!(first, again);
        let lower = a
            .client
            .put_config(PRODUCT, &a.config("1.5.0"))
            .await
            .unwrap();
        assert_eq!(lower.configured_version.as_deref(), Some("1.5.0"));
    }

    pub async fn revoked_config_leaves_no_configured_version(a: Agent) {
        a.client
            .put_config(PRODUCT, &a.config("2.0.0"))
            .await
            .unwrap();
        let p = a.client.revoke_config(PRODUCT).await.unwrap();
        assert_eq!(p.configured_version, None);
        let again = a.client.revoke_config(PRODUCT).await.unwrap();
        assert_eq!(p, again);
        let e = a
            .client
            .start_deployment(&request("u-1", "2.0.0"))
            .await
            .unwrap_err();
        assert_eq!(rejected(e).0, 409);
    }

    pub async fn deployment_of_configured_version_succeeds(a: Agent) {
        let d = a.deploy("u-1", "1.0.0").await;
        assert_eq!(d.state, DeploymentState::Succeeded, "{d:?}");
        assert_eq!(d.progress, 100);
        assert_eq!(d.from_version, None);
        assert!(!d.log.is_empty());
        let info = a.client.device().await.unwrap();
        let p = &info.products[PRODUCT];
        assert_eq!(p.deployed_version.as_deref(), Some("1.0.0"));
        assert_eq!(p.deployed_modules.len(), 2);
    }

    pub async fn repeated_deployment_id_returns_existing_and_installs_once(a: Agent) {
        a.deploy("u-1", "1.0.0").await;
        let again = a
            .client
            .start_deployment(&request("u-1", "1.0.0"))
            .await
            .unwrap();
        assert_eq!(again.state, DeploymentState::Succeeded);
        let (status, _) = a
            .raw(
                Method::POST,
                "/v1/deployments",
                Some(TOKEN),
                Some(br#"{"id":"u-1","product":"conformance-app","version":"1.0.0"}"#.to_vec()),
            )
            .await;
        assert_eq!(status, 200, "a repeated id answers 200, not 201");
        assert_eq!(a.client.installs().await.unwrap().installs["u-1"], 1);
    }

    pub async fn same_id_for_another_version_is_a_conflict(a: Agent) {
        a.deploy("u-1", "1.0.0").await;
        a.client
            .put_config(PRODUCT, &a.config("1.1.0"))
            .await
            .unwrap();
        let (status, body) = rejected(
            a.client
                .start_deployment(&request("u-1", "1.1.0"))
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (status, body.code.as_str(), body.field.as_deref()),
            (409, "conflict", Some("id"))
        );
    }

    pub async fn deployment_of_unconfigured_version_is_a_conflict(a: Agent) {
        a.client
            .put_config(PRODUCT, &a.config("1.0.0"))
            .await
            .unwrap();
        let (status, body) = rejected(
            a.client
                .start_deployment(&request("u-9", "9.0.0"))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, body.field.as_deref()), (409, Some("version")));
        assert_eq!(a.client.installs().await.unwrap().installs.get("u-9"), None);
    }

    pub async fn rollback_returns_to_previous_version_and_is_idempotent(a: Agent) {
        a.deploy("u-1", "1.0.0").await;
        let d = a.deploy("u-2", "2.0.0").await;
        assert_eq!(d.from_version.as_deref(), Some("1.0.0"));
        assert_eq!(a.deployed().await.as_deref(), Some("2.0.0"));
        let (status, _) = rejected(a.client.rollback("u-1").await.unwrap_err());
        assert_eq!(status, 409, "a superseded deployment cannot be rolled back");
        let r = a.client.rollback("u-2").await.unwrap();
        assert_eq!(r.state, DeploymentState::RolledBack);
        assert_eq!(a.deployed().await.as_deref(), Some("1.0.0"));
        let again = a.client.rollback("u-2").await.unwrap();
        assert_eq!(again.state, DeploymentState::RolledBack);
        assert_eq!(a.deployed().await.as_deref(), Some("1.0.0"));
        assert_eq!(a.client.installs().await.unwrap().installs["u-2"], 1);
    }

    pub async fn missing_or_wrong_token_gets_401_and_changes_nothing(a: Agent) {
        let body = serde_json::to_vec(&a.config("1.0.0")).unwrap();
        let path = format!("/v1/products/{PRODUCT}/config");
        for token in [None, Some("wrong"), Some("s3cret-tokeN"), Some("")] {
            let (status, err) = a.raw(Method::PUT, &path, token, Some(body.clone())).await;
            assert_eq!(status, 401, "{token:?}");
            assert_eq!(err["code"], "unauthorized");
            let (status, _) = a.raw(Method::GET, "/v1/device", token, None).await;
            assert_eq!(status, 401);
        }
        let bad = rollwright::agent_client::AgentClient::new(&a.base, "wrong", &Default::default())
            .unwrap();
        assert_eq!(rejected(bad.health().await.unwrap_err()).0, 401);
        assert!(!a
            .client
            .device()
            .await
            .unwrap()
            .products
            .contains_key(PRODUCT));
    }

    pub async fn oversized_body_gets_413_and_changes_nothing(a: Agent) {
        let mut cfg = a.config("1.0.0");
        cfg.manifest.release_notes = Some("x".repeat(rollwright_protocol::MAX_BODY_BYTES + 1));
        let e = a.client.put_config(PRODUCT, &cfg).await.unwrap_err();
        let (status, body) = rejected(e);
        assert_eq!((status, body.code.as_str()), (413, "payload_too_large"));
        assert!(!a
            .client
            .device()
            .await
            .unwrap()
            .products
            .contains_key(PRODUCT));
    }

    pub async fn unknown_field_gets_400_naming_it(a: Agent) {
        let (status, body) = a
            .raw(
                Method::POST,
                "/v1/deployments",
                Some(TOKEN),
                Some(
                    br#"{"id":"u-1","product":"conformance-app","version":"1.0.0","force":true}"#
                        .to_vec(),
                ),
            )
            .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some("force")),
            "{body}"
        );
        let mut cfg = serde_json::to_value(a.config("1.0.0")).unwrap();
        cfg["manifest"]["modules"][1]["signature"] = "abc".into();
        let (status, body) = a
            .raw(
                Method::PUT,
                &format!("/v1/products/{PRODUCT}/config"),
                Some(TOKEN),
                Some(serde_json::to_vec(&cfg).unwrap()),
            )
            .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some("manifest.modules[1].signature")),
            "{body}"
        );
        assert!(!a
            .client
            .device()
            .await
            .unwrap()
            .products
            .contains_key(PRODUCT));
    }

    pub async fn bad_version_gets_400_naming_the_field(a: Agent) {
        let mut cfg = a.config("1.0.0");
        cfg.version = "1.0".into();
        let (status, body) = rejected(a.client.put_config(PRODUCT, &cfg).await.unwrap_err());
        assert_eq!(
            (status, body.code.as_str(), body.field.as_deref()),
            (400, "invalid", Some("version"))
        );
        let mut cfg = a.config("1.0.0");
        cfg.manifest.modules[0].version = "1/2".into();
        let (_, body) = rejected(a.client.put_config(PRODUCT, &cfg).await.unwrap_err());
        assert_eq!(body.field.as_deref(), Some("manifest.modules[0].version"));
        let (status, body) = rejected(
            a.client
                .start_deployment(&request("u-1", "v2"))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, body.field.as_deref()), (400, Some("version")));
        assert!(!a
            .client
            .device()
            .await
            .unwrap()
            .products
            .contains_key(PRODUCT));
    }

    pub async fn module_name_with_path_separator_gets_400(a: Agent) {
        for name in ["../etc", "a/b", "a\\b"] {
            let mut cfg = a.config("1.0.0");
            cfg.manifest.modules[1].name = name.into();
            let (status, body) = rejected(a.client.put_config(PRODUCT, &cfg).await.unwrap_err());
            assert_eq!(
                (status, body.field.as_deref()),
                (400, Some("manifest.modules[1].name")),
                "{name}"
            );
        }
        let (status, body) = rejected(
            a.client
                .put_config("a\\b", &a.config("1.0.0"))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, body.field.as_deref()), (400, Some("product")));
        assert!(a.client.device().await.unwrap().products.is_empty() || a.mode_is_fleet());
        assert!(!a
            .client
            .device()
            .await
            .unwrap()
            .products
            .contains_key(PRODUCT));
    }

    pub async fn unknown_deployment_is_404(a: Agent) {
        let (status, body) = rejected(a.client.deployment("nope").await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "not_found"));
        assert_eq!(
            rejected(a.client.rollback("nope").await.unwrap_err()).0,
            404
        );
    }

    pub async fn unknown_route_is_404_with_error_body(a: Agent) {
        let (status, body) = a
            .raw(Method::GET, "/v1/nothing-here", Some(TOKEN), None)
            .await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
        let (status, body) = a.raw(Method::DELETE, "/v1/device", Some(TOKEN), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (405, Some("method_not_allowed"))
        );
    }
}

trait ModeExt {
    fn mode_is_fleet(&self) -> bool;
}

impl ModeExt for Agent {
    fn mode_is_fleet(&self) -> bool {
        matches!(self.mode, Mode::Fleet)
    }
}
