//! The agent protocol's conformance suite: every case runs against a real
//! agent and a fleet device, both in-process on 127.0.0.1:0, over plain HTTP
//! and over TLS with the client pinning the agent's certificate, through the
//! desktop's client (`rollwright::agent_client`) or, for what the typed client
//! cannot send, raw HTTP(S). `pinning` tests the transport itself: a changed
//! certificate, probing, and the URLs the client refuses.

mod agent_support;

use agent_support::{
    raw_client, raw_url, request, start_with, Agent, Mode, Transport, PRODUCT, TOKEN,
};
use reqwest::Method;
use rollwright::agent_client::AgentError;
use rollwright_protocol::{DeploymentState, PROTOCOL_VERSION};

macro_rules! both_modes {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use super::*;
            #[tokio::test]
            async fn real() {
                cases::$case(start_with(Mode::Real, Transport::Plain).await).await
            }
            #[tokio::test]
            async fn fleet() {
                cases::$case(start_with(Mode::Fleet, Transport::Plain).await).await
            }
            #[tokio::test]
            async fn real_tls() {
                cases::$case(start_with(Mode::Real, Transport::Tls).await).await
            }
            #[tokio::test]
            async fn fleet_tls() {
                cases::$case(start_with(Mode::Fleet, Transport::Tls).await).await
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
    trailing_data_after_a_json_body_gets_400_and_changes_nothing,
    a_path_segment_that_is_not_utf8_gets_400_json_naming_it,
    the_bearer_scheme_is_case_insensitive,
    every_manifest_rule_of_the_catalog_is_the_agents,
);

fn rejected(e: AgentError) -> (u16, rollwright_protocol::ErrorBody) {
    match e {
        AgentError::Rejected { status, body } => (status, body),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

mod cases {
    pub use super::more_cases::*;
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
        let bad = rollwright::agent_client::AgentClient::new(
            &a.base,
            "wrong",
            a.pin.as_ref(),
            &Default::default(),
        )
        .unwrap();
        assert_eq!(rejected(bad.health().await.unwrap_err()).0, 401);
        assert!(!a.knows_product().await);
    }

    pub async fn oversized_body_gets_413_and_changes_nothing(a: Agent) {
        let mut cfg = a.config("1.0.0");
        cfg.manifest.release_notes = Some("x".repeat(rollwright_protocol::MAX_BODY_BYTES + 1));
        let e = a.client.put_config(PRODUCT, &cfg).await.unwrap_err();
        let (status, body) = rejected(e);
        assert_eq!((status, body.code.as_str()), (413, "payload_too_large"));
        assert!(!a.knows_product().await);
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
        assert!(!a.knows_product().await);
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
        assert!(!a.knows_product().await);
    }

    pub async fn module_name_with_path_separator_gets_400(a: Agent) {
        let before = a.client.device().await.unwrap().products;
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
        assert_eq!(a.client.device().await.unwrap().products, before);
        assert!(!a.knows_product().await);
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

mod more_cases {
    use super::*;

    pub async fn trailing_data_after_a_json_body_gets_400_and_changes_nothing(a: Agent) {
        let config = serde_json::to_vec(&a.config("1.0.0")).unwrap();
        let path = format!("/v1/products/{PRODUCT}/config");
        for tail in [&b"]"[..], b" garbage", b"{}"] {
            let body = [&config[..], tail].concat();
            let (status, err) = a.raw(Method::PUT, &path, Some(TOKEN), Some(body)).await;
            assert_eq!(
                (status, err["code"].as_str()),
                (400, Some("invalid")),
                "{err}"
            );
            assert_eq!(err["field"], "body");
        }
        assert!(!a.knows_product().await, "no configuration written");

        a.client
            .put_config(PRODUCT, &a.config("1.0.0"))
            .await
            .unwrap();
        let start = serde_json::to_vec(&request("u-1", "1.0.0")).unwrap();
        for tail in [
            &b" garbage"[..],
            br#"{"id":"u-2","product":"conformance-app","version":"1.0.0"}"#,
        ] {
            let body = [&start[..], tail].concat();
            let (status, err) = a
                .raw(Method::POST, "/v1/deployments", Some(TOKEN), Some(body))
                .await;
            assert_eq!(
                (status, err["field"].as_str()),
                (400, Some("body")),
                "{err}"
            );
        }
        assert_eq!(
            rejected(a.client.deployment("u-1").await.unwrap_err()).0,
            404,
            "nothing deployed"
        );
        assert!(a.client.installs().await.unwrap().installs.is_empty());
        // Whitespace after the value is not data.
        let body = [&start[..], b" \n\t"].concat();
        let (status, _) = a
            .raw(Method::POST, "/v1/deployments", Some(TOKEN), Some(body))
            .await;
        assert_eq!(status, 201);
    }

    pub async fn a_path_segment_that_is_not_utf8_gets_400_json_naming_it(a: Agent) {
        const BAD: &str = "%FF%FE";
        let routes: [(Method, String, &str); 6] = [
            (
                Method::PUT,
                format!("/v1/products/app{BAD}/config"),
                "product",
            ),
            (
                Method::DELETE,
                format!("/v1/products/{BAD}/config"),
                "product",
            ),
            (Method::GET, format!("/v1/deployments/{BAD}"), "id"),
            (
                Method::POST,
                format!("/v1/deployments/u{BAD}/rollback"),
                "id",
            ),
            (Method::GET, format!("/v1/deployments/{BAD}x"), "id"),
            (
                Method::PUT,
                "/v1/products/app%FF/config".to_string(),
                "product",
            ),
        ];
        let body = serde_json::to_vec(&a.config("1.0.0")).unwrap();
        let mut urls: Vec<(Method, String, &str)> = routes
            .iter()
            .map(|(m, path, field)| (m.clone(), format!("{}{path}", a.base), *field))
            .collect();
        if a.mode_is_fleet() {
            // The device segment of every per-device route, too.
            for (m, path) in [
                (Method::GET, "/v1/health"),
                (Method::GET, "/v1/device"),
                (Method::PUT, "/v1/products/conformance-app/config"),
                (Method::DELETE, "/v1/products/conformance-app/config"),
                (Method::POST, "/v1/deployments"),
                (Method::GET, "/v1/deployments/u-1"),
                (Method::POST, "/v1/deployments/u-1/rollback"),
                (Method::GET, "/v1/debug/installs"),
            ] {
                urls.push((m, format!("{}/devices/dev{BAD}{path}", a.root), "device"));
            }
        }
        for (method, url, field) in urls {
            let (status, content_type, err) =
                raw_url(method.clone(), &url, Some(TOKEN), Some(body.clone())).await;
            assert_eq!(
                (
                    status,
                    content_type.as_deref(),
                    err["code"].as_str(),
                    err["field"].as_str()
                ),
                (400, Some("application/json"), Some("invalid"), Some(field)),
                "{method} {url}: {err}"
            );
        }
        assert!(!a.knows_product().await);
    }

    pub async fn the_bearer_scheme_is_case_insensitive(a: Agent) {
        for scheme in ["bearer", "BEARER", "bEaReR"] {
            let resp = raw_client()
                .get(format!("{}/v1/health", a.base))
                .header("Authorization", format!("{scheme} {TOKEN}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{scheme}");
        }
        let resp = raw_client()
            .get(format!("{}/v1/health", a.base))
            .header("Authorization", format!("Bearer {}", TOKEN.to_uppercase()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            401,
            "the token itself is case-sensitive"
        );
    }

    /// Every manifest the catalog imports an agent accepts, and every one the
    /// catalog refuses an agent refuses too, naming the same field.
    pub async fn every_manifest_rule_of_the_catalog_is_the_agents(a: Agent) {
        for (what, toml) in manifest_cases::all() {
            let catalog = rollwright::domain::Manifest::parse(&toml).map_err(|e| e.field);
            let table: toml::Table = toml.parse().unwrap();
            let version = table["version"].as_str().unwrap_or_default().to_owned();
            let product = table["product"].as_str().unwrap_or_default().to_owned();
            let body = serde_json::json!({"version": version, "manifest": table});
            let (status, err) = a
                .raw(
                    Method::PUT,
                    &format!("/v1/products/{}/config", urlencode(&product)),
                    Some(TOKEN),
                    Some(serde_json::to_vec(&body).unwrap()),
                )
                .await;
            match catalog {
                Ok(_) => assert_eq!(
                    status, 200,
                    "{what}: the catalog imports it, the agent says {err}"
                ),
                Err(field) => {
                    assert_eq!(
                        status, 400,
                        "{what}: the catalog refuses {field}, the agent accepts it"
                    );
                    let agent_field = err["field"].as_str().unwrap_or_default();
                    let agent_field = agent_field.strip_prefix("manifest.").unwrap_or(agent_field);
                    assert_eq!(agent_field, field, "{what}: {err}");
                }
            }
        }
    }

    fn urlencode(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
}

/// Manifests at and around every rule of docs/manifest.md, as TOML.
mod manifest_cases {
    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /// A TOML string literal.
    fn q(s: &str) -> String {
        toml::Value::from(s).to_string()
    }

    fn module(name: &str, version: &str, artifact: &str, sha: &str) -> String {
        format!(
            "[[modules]]\nname = {}\nversion = {}\nartifact = {}\nsha256 = {}\n",
            q(name),
            q(version),
            q(artifact),
            q(sha)
        )
    }

    fn ok_module(name: &str) -> String {
        module(name, "1.0", &format!("https://a.example/{name}.tgz"), SHA)
    }

    fn manifest(product: &str, version: &str, extra: &str, modules: &str) -> String {
        format!(
            "product = {}\nversion = {}\n{extra}\n{modules}",
            q(product),
            q(version)
        )
    }

    /// acme-erp 2.4.0 with these modules.
    fn erp(modules: &str) -> String {
        manifest("acme-erp", "2.4.0", "", modules)
    }

    fn numbered_modules(n: usize) -> String {
        (0..n).map(|i| ok_module(&format!("m{i}"))).collect()
    }

    pub fn all() -> Vec<(String, String)> {
        let mut cases = Vec::new();
        let mut case = |what: &str, toml: String| cases.push((what.to_owned(), toml));
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
        for entry in std::fs::read_dir(fixtures).unwrap() {
            let path = entry.unwrap().path();
            case(
                &path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            );
        }
        let good = ok_module("core");
        case("plain", erp(&good));
        case(
            "64-character names",
            manifest(&"p".repeat(64), "2.4.0", "", &ok_module(&"m".repeat(64))),
        );
        case(
            "65-character product",
            manifest(&"p".repeat(65), "2.4.0", "", &good),
        );
        case("65-character module", erp(&ok_module(&"m".repeat(65))));
        case("128-character module", erp(&ok_module(&"m".repeat(128))));
        case("upper-case module", erp(&ok_module("Core")));
        case("upper-case product", manifest("Acme", "2.4.0", "", &good));
        case("product with ..", manifest("a..b", "2.4.0", "", &good));
        case("module with ..", erp(&ok_module("a..b")));
        case("module with a dash first", erp(&ok_module("-core")));
        case("module with a space", erp(&ok_module("co re")));
        case(
            "no modules",
            manifest("acme-erp", "2.4.0", "modules = []", ""),
        );
        case("256 modules", erp(&numbered_modules(256)));
        case("257 modules", erp(&numbered_modules(257)));
        case(
            "duplicate module",
            erp(&(ok_module("core") + &ok_module("core"))),
        );
        case("version not semver", manifest("acme-erp", "2.4", "", &good));
        case("pre-release", manifest("acme-erp", "3.0.0-rc.1", "", &good));
        let notes = |n: usize| format!("release_notes = {}", q(&"x".repeat(n)));
        case(
            "64 KiB of notes",
            manifest("acme-erp", "2.4.0", &notes(64 * 1024), &good),
        );
        case(
            "notes over 64 KiB",
            manifest("acme-erp", "2.4.0", &notes(64 * 1024 + 1), &good),
        );
        let with =
            |version: &str, artifact: &str, sha: &str| erp(&module("core", version, artifact, sha));
        let url = "https://a.example/core.tgz";
        case("module version 2024.02", with("2024.02", url, SHA));
        case("module version ..", with("..", url, SHA));
        case("module version with a space", with("1 0", url, SHA));
        case("module version with a slash", with("1/0", url, SHA));
        case("module version of 65", with(&"1".repeat(65), url, SHA));
        case("empty module version", with("", url, SHA));
        case("ftp artifact", with("1.0", "ftp://a.example/x", SHA));
        case(
            "artifact with a space",
            with("1.0", "https://a.example/x y", SHA),
        );
        case(
            "artifact with a control character",
            with("1.0", "https://a.example/x\u{1}", SHA),
        );
        case(
            "artifact of 2048",
            with(
                "1.0",
                &format!("https://a.example/{}", "x".repeat(2048 - 18)),
                SHA,
            ),
        );
        case(
            "artifact over 2048",
            with(
                "1.0",
                &format!("https://a.example/{}", "x".repeat(2048 - 17)),
                SHA,
            ),
        );
        case("file artifact", with("1.0", "file:///srv/core.tgz", SHA));
        case("upper-case sha256", with("1.0", url, &SHA.to_uppercase()));
        case("short sha256", with("1.0", url, "abc"));
        let health = |h: &str| erp(&(good.clone() + "[health_check]\n" + h));
        case(
            "health check",
            health("command = [\"/bin/true\"]\ntimeout_ms = 5000\n"),
        );
        case("empty health command", health("command = []\n"));
        case("blank health program", health("command = [\" \"]\n"));
        case(
            "zero health timeout",
            health("command = [\"x\"]\ntimeout_ms = 0\n"),
        );
        cases
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

/// The transport's own rules: the pinned certificate and nothing else.
mod pinning {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::agent_support::{counting_proxy, options, serve_on, start_with, Mode, Transport};
    use rollwright::agent_client::{probe_certificate, AgentClient, AgentError};
    use rollwright_agent::{fleet_app, Fleet, FleetConfig, Token};

    fn config_error(r: Result<AgentClient, AgentError>) -> String {
        match r {
            Err(AgentError::Config(m)) => m,
            other => panic!("expected a Config error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_changed_certificate_is_refused_naming_both_fingerprints_and_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let router = fleet_app(
            Fleet::new(FleetConfig::new(1)).unwrap(),
            Token::new(super::TOKEN).unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let first = serve_on(listener, router.clone(), Some(&dir.path().join("a")));
        let (proxy, connections) = counting_proxy(addr).await;
        let base = format!("https://{proxy}/devices/dev-00000");
        let pinned = first.pin.unwrap();
        let client = AgentClient::new(&base, super::TOKEN, Some(&pinned), &options()).unwrap();
        client.health().await.unwrap();

        // The device is reinstalled: same address, a new certificate.
        first.task.abort();
        let _ = first.task.await;
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let second = serve_on(listener, router, Some(&dir.path().join("b")));
        let presented = second.pin.unwrap();
        assert_ne!(pinned, presented);
        tokio::time::sleep(Duration::from_millis(50)).await;

        let before = connections.load(Ordering::SeqCst);
        for _ in 0..3 {
            let e = client.health().await.unwrap_err();
            let AgentError::CertificateChanged {
                pinned: p,
                presented: q,
            } = e
            else {
                panic!("expected CertificateChanged, got {e:?}");
            };
            assert_eq!((p, q), (pinned, presented));
            assert!(!e.is_transient());
            let m = e.to_string();
            assert!(
                m.contains(&pinned.to_string()) && m.contains(&presented.to_string()),
                "{m}"
            );
            assert!(!m.contains(super::TOKEN), "{m}");
        }
        assert_eq!(
            connections.load(Ordering::SeqCst) - before,
            3,
            "one connection per call: nothing retried"
        );

        // The admin compares the probed fingerprint and trusts it: a client
        // pinned to the new certificate works, from the same pools.
        assert_eq!(
            probe_certificate(&base, &options()).await.unwrap(),
            presented
        );
        let trusted = client
            .for_device(&base, super::TOKEN, Some(&presented))
            .unwrap();
        trusted.health().await.unwrap();
    }

    #[tokio::test]
    async fn probing_returns_the_fingerprint_the_agent_prints() {
        for mode in [Mode::Real, Mode::Fleet] {
            let a = start_with(mode, Transport::Tls).await;
            let probed = probe_certificate(&a.base, &options()).await.unwrap();
            assert_eq!(Some(probed), a.pin, "{mode:?}");
        }
    }

    #[tokio::test]
    async fn devices_with_other_pins_share_one_pool_handle() {
        let a = start_with(Mode::Fleet, Transport::Tls).await;
        let b = start_with(Mode::Real, Transport::Tls).await;
        let pool = AgentClient::new("http://127.0.0.1", "", None, &options()).unwrap();
        for agent in [&a, &b] {
            let c = pool
                .for_device(&agent.base, super::TOKEN, agent.pin.as_ref())
                .unwrap();
            c.health().await.unwrap();
        }
        // a's pin does not open b.
        let wrong = pool
            .for_device(&b.base, super::TOKEN, a.pin.as_ref())
            .unwrap();
        assert!(matches!(
            wrong.health().await.unwrap_err(),
            AgentError::CertificateChanged { .. }
        ));
    }

    #[tokio::test]
    async fn https_without_a_pin_is_a_config_error() {
        let a = start_with(Mode::Fleet, Transport::Tls).await;
        let e = config_error(AgentClient::new(&a.base, super::TOKEN, None, &options()));
        assert!(e.contains("pinned"), "{e}");
    }

    #[tokio::test]
    async fn plain_http_to_a_non_loopback_host_is_refused_before_connecting() {
        // 192.0.2.0/24 is TEST-NET-1: never connected, the URL is refused first.
        let e = config_error(AgentClient::new(
            "http://192.0.2.1:1",
            super::TOKEN,
            None,
            &options(),
        ));
        assert!(e.contains("loopback-only"), "{e}");
    }

    #[tokio::test]
    async fn a_plain_agent_cannot_be_reached_with_https() {
        let a = start_with(Mode::Fleet, Transport::Plain).await;
        let https = a.base.replacen("http://", "https://", 1);
        let pin = rollwright::agent_client::Fingerprint::of_der(b"x");
        let c = AgentClient::new(&https, super::TOKEN, Some(&pin), &options()).unwrap();
        let e = c.health().await.unwrap_err();
        assert!(matches!(e, AgentError::Unreachable(_)), "{e:?}");
    }
}
