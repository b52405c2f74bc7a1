//! deploy/kubernetes/ against the real binaries (the schemas are .ci/run's job,
//! with kubernetes-validate): every container's command parses with the binary's
//! own clap definitions, every environment name is a setting of README's table
//! (or its `_FILE` form), the environment loads with the real loader (the secret
//! files made from the example Secret), the hardening is there, the probes and
//! ports are those the services bind and answer, and the Services, disruption
//! budgets and autoscalers point at the Deployments. Fast: no cluster, no database
//! server (auth-service runs on a SQLite file for the probe check).

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use auth_service::AuthSettings;
use clap::Parser;
use serde_norway::Value;

/// The image every workload names (kustomization.yaml's `images` rewrites it).
const IMAGE: &str = "tokenpair:latest";
/// The Dockerfile's `tokenpair` user and group.
const UID: i64 = 10001;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/kubernetes")
}

/// Every resource of every manifest (kustomization.yaml aside), with its file name.
fn resources() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("deploy/kubernetes/")
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| p.file_name().is_some_and(|n| n != "kustomization.yaml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("manifest");
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // YAML documents are separated by `---` lines (the manifests use no other form)
        for doc in text.split("\n---\n") {
            let value: Value =
                serde_norway::from_str(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            if !value.is_null() {
                all.push((name.clone(), value));
            }
        }
    }
    all
}

fn kind(resource: &Value) -> &str {
    resource["kind"].as_str().unwrap_or_default()
}

fn name(resource: &Value) -> &str {
    resource["metadata"]["name"].as_str().unwrap_or_default()
}

fn of_kind<'a>(all: &'a [(String, Value)], wanted: &str) -> Vec<&'a Value> {
    all.iter()
        .map(|(_, r)| r)
        .filter(|r| kind(r) == wanted)
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The pod template of a workload (Deployment, Job, CronJob).
fn pod_template(resource: &Value) -> Option<&Value> {
    match kind(resource) {
        "Deployment" | "Job" => Some(&resource["spec"]["template"]),
        "CronJob" => Some(&resource["spec"]["jobTemplate"]["spec"]["template"]),
        _ => None,
    }
}

/// README.md's settings table: the names in its first column.
fn readme_settings() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(dir().join("../../README.md")).expect("README.md");
    let section = readme
        .split("\n## Settings\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has a Settings section");
    let names: BTreeSet<String> = section
        .lines()
        .filter_map(|line| {
            let first = line.strip_prefix("| `")?.split('`').next()?;
            Some(first.to_owned())
        })
        .collect();
    assert!(names.len() > 40, "README settings table not found");
    names
}

/// The example Secret, never applied by `kubectl apply -k` (its key is public).
const EXAMPLE_SECRET: &str = "secrets.example.yaml";

#[test]
fn kustomization_lists_every_manifest_but_the_example_secret() {
    let text = std::fs::read_to_string(dir().join("kustomization.yaml")).expect("kustomization");
    let doc: Value = serde_norway::from_str(&text).expect("kustomization.yaml");
    let listed: BTreeSet<String> = strings(&doc["resources"]).into_iter().collect();
    let mut present: BTreeSet<String> = resources().into_iter().map(|(file, _)| file).collect();
    assert!(
        present.remove(EXAMPLE_SECRET),
        "{EXAMPLE_SECRET} is missing"
    );
    assert_eq!(listed, present);
}

/// One container of a workload, with what the checks need.
struct Container<'a> {
    workload: String,
    pod: &'a Value,
    spec: &'a Value,
}

fn containers(all: &[(String, Value)]) -> Vec<Container<'_>> {
    let mut found = Vec::new();
    for (_, resource) in all {
        let Some(template) = pod_template(resource) else {
            continue;
        };
        for spec in template["spec"]["containers"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            found.push(Container {
                workload: format!("{}/{}", kind(resource), name(resource)),
                pod: &template["spec"],
                spec,
            });
        }
    }
    found
}

/// What a container runs, parsed with the binary's own command line.
enum Verb {
    AuthServe(String),
    ProtectedServe(String),
    Other,
}

fn verb(c: &Container) -> Verb {
    let argv = strings(&c.spec["command"]);
    match argv.first().map(String::as_str) {
        Some("auth-service") => {
            let cli = auth_service::cli::Cli::try_parse_from(&argv)
                .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", c.workload));
            match cli.command {
                auth_service::cli::Command::Serve { bind } => Verb::AuthServe(bind),
                _ => Verb::Other,
            }
        }
        Some("protected-service") => {
            let cli = protected_service::cli::Cli::try_parse_from(&argv)
                .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", c.workload));
            match cli.command {
                protected_service::cli::Command::Serve { bind } => Verb::ProtectedServe(bind),
                _ => Verb::Other,
            }
        }
        _ => panic!("{}: command {argv:?} runs neither binary", c.workload),
    }
}

/// The container's environment (literal values only: the manifests use no valueFrom).
fn env(c: &Container) -> BTreeMap<String, String> {
    c.spec["env"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|var| {
            let name = var["name"].as_str().unwrap_or_default().to_owned();
            let value = var["value"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {name} has no literal value", c.workload));
            (name, value.to_owned())
        })
        .collect()
}

/// The files the container sees under its secret mounts: path → content, from the
/// example Secrets' `stringData` (only the `items` a volume projects).
fn secret_files(c: &Container, all: &[(String, Value)]) -> BTreeMap<String, String> {
    let secrets: BTreeMap<&str, &Value> = of_kind(all, "Secret")
        .into_iter()
        .map(|s| (name(s), &s["stringData"]))
        .collect();
    let mut files = BTreeMap::new();
    for mount in c.spec["volumeMounts"].as_sequence().into_iter().flatten() {
        let volume = c.pod["volumes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == mount["name"])
            .unwrap_or_else(|| panic!("{}: no volume for {:?}", c.workload, mount["name"]));
        let Some(secret) = volume["secret"]["secretName"].as_str() else {
            continue;
        };
        let data = secrets
            .get(secret)
            .unwrap_or_else(|| panic!("{}: no example Secret {secret}", c.workload));
        let keys: Vec<(String, String)> = match volume["secret"]["items"].as_sequence() {
            Some(items) => items
                .iter()
                .map(|i| {
                    (
                        i["key"].as_str().unwrap_or_default().to_owned(),
                        i["path"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            None => data
                .as_mapping()
                .into_iter()
                .flatten()
                .filter_map(|(k, _)| k.as_str().map(|k| (k.to_owned(), k.to_owned())))
                .collect(),
        };
        let at = mount["mountPath"].as_str().unwrap_or_default();
        for (key, path) in keys {
            let content = data[key.as_str()]
                .as_str()
                .unwrap_or_else(|| panic!("{}: Secret {secret} has no {key}", c.workload));
            files.insert(format!("{at}/{path}"), content.to_owned());
        }
    }
    files
}

/// The container's environment loaded by the real settings loader, its `_FILE`
/// paths served from a temporary copy of the example Secrets' files. `local`: for a
/// run here, the admin listener on a free loopback port instead of the manifest's.
fn load(c: &Container, all: &[(String, Value)], local: bool) -> AuthSettings {
    let files = secret_files(c, all);
    let tmp = std::env::temp_dir().join(format!("tp_deploy_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut loaded = Vec::new();
    for (name, value) in env(c) {
        let value = match name.strip_suffix("_FILE") {
            None if local && name == "TOKENPAIR__ADMIN_BIND" => "127.0.0.1:0".to_owned(),
            Some(_) => {
                let content = files.get(&value).unwrap_or_else(|| {
                    panic!(
                        "{}: {name}={value} names no file the pod mounts",
                        c.workload
                    )
                });
                let copy = tmp.join(loaded.len().to_string());
                std::fs::write(&copy, content).expect("secret copy");
                copy.display().to_string()
            }
            None => value,
        };
        loaded.push((name, value));
    }
    let settings = AuthSettings::from_sources(None, loaded)
        .unwrap_or_else(|e| panic!("{}: settings: {e}", c.workload));
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        settings.warnings.is_empty(),
        "{}: settings warnings {:?}",
        c.workload,
        settings.warnings
    );
    settings
}

#[test]
fn containers_run_real_verbs_with_real_settings_hardened() {
    let all = resources();
    let readme = readme_settings();
    let found = containers(&all);
    assert!(found.len() >= 4, "workloads not found");
    for c in &found {
        let w = &c.workload;
        assert_eq!(c.spec["image"].as_str(), Some(IMAGE), "{w}: image");
        let _ = verb(c);
        for name in env(c).keys() {
            let base = name.strip_suffix("_FILE").unwrap_or(name);
            assert!(
                readme.contains(base),
                "{w}: {name} is not a setting of README's table"
            );
        }
        assert_eq!(
            env(c).get("TOKENPAIR__LOG_FORMAT").map(String::as_str),
            Some("json"),
            "{w}: JSON logs"
        );
        let _ = load(c, &all, false);
        let pod = &c.pod["securityContext"];
        assert_eq!(pod["runAsNonRoot"].as_bool(), Some(true), "{w}");
        assert_eq!(pod["runAsUser"].as_i64(), Some(UID), "{w}");
        let sc = &c.spec["securityContext"];
        assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true), "{w}");
        assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false), "{w}");
        assert_eq!(strings(&sc["capabilities"]["drop"]), ["ALL"], "{w}");
        for bound in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                assert!(
                    !c.spec["resources"][bound][resource].is_null(),
                    "{w}: resources.{bound}.{resource}"
                );
            }
        }
    }
}

/// A named container port's number.
fn port(c: &Container, name: &str) -> Option<u16> {
    c.spec["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|p| p["name"].as_str() == Some(name))
        .and_then(|p| p["containerPort"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
}

/// The probe paths: liveness and startup on /healthz, readiness on /readyz, all on
/// the `http` port (the `--bind` port); ADMIN_BIND on the `admin` port with the
/// Prometheus annotations pointing there.
fn check_ports_and_probes(c: &Container, bind: &str, template: &Value) -> Vec<(String, String)> {
    let w = &c.workload;
    let bind_port: u16 = bind
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("{w}: --bind {bind}"));
    assert!(
        bind.starts_with("0.0.0.0:"),
        "{w}: --bind {bind} is not reachable from the kubelet"
    );
    assert_eq!(
        port(c, "http"),
        Some(bind_port),
        "{w}: the http port is --bind's"
    );
    let mut probes = Vec::new();
    for (probe, path) in [
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ] {
        let get = &c.spec[probe]["httpGet"];
        assert_eq!(get["path"].as_str(), Some(path), "{w}: {probe}");
        assert_eq!(get["port"].as_str(), Some("http"), "{w}: {probe} port");
        probes.push((probe.to_owned(), path.to_owned()));
    }
    let admin = env(c)
        .get("TOKENPAIR__ADMIN_BIND")
        .cloned()
        .unwrap_or_else(|| panic!("{w}: no TOKENPAIR__ADMIN_BIND"));
    let admin_port = admin
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok());
    assert_eq!(
        port(c, "admin"),
        admin_port,
        "{w}: the admin port is ADMIN_BIND's"
    );
    assert_ne!(
        admin_port,
        Some(bind_port),
        "{w}: ADMIN_BIND on the main port"
    );
    let annotations = &template["metadata"]["annotations"];
    assert_eq!(
        annotations["prometheus.io/scrape"].as_str(),
        Some("true"),
        "{w}"
    );
    assert_eq!(
        annotations["prometheus.io/port"].as_str(),
        admin_port.map(|p| p.to_string()).as_deref(),
        "{w}: scraped on the admin port"
    );
    probes
}

#[test]
fn serve_ports_probes_and_services_agree() {
    let all = resources();
    let services = of_kind(&all, "Service");
    let mut served = Vec::new();
    for deployment in of_kind(&all, "Deployment") {
        let template = &deployment["spec"]["template"];
        let labels = &template["metadata"]["labels"];
        let selector = &deployment["spec"]["selector"]["matchLabels"];
        for (key, value) in selector.as_mapping().into_iter().flatten() {
            assert_eq!(
                &labels[key.as_str().unwrap_or_default()],
                value,
                "{}",
                name(deployment)
            );
        }
        for c in containers(std::slice::from_ref(&(String::new(), deployment.clone()))) {
            let bind = match verb(&c) {
                Verb::AuthServe(bind) | Verb::ProtectedServe(bind) => bind,
                Verb::Other => panic!("{}: a Deployment that does not serve", c.workload),
            };
            check_ports_and_probes(&c, &bind, template);
            // a Service for the main port and one for metrics, selecting these pods
            for target in ["http", "admin"] {
                let matching = services.iter().any(|s| {
                    s["spec"]["selector"] == *selector
                        && s["spec"]["ports"]
                            .as_sequence()
                            .into_iter()
                            .flatten()
                            .any(|p| p["targetPort"].as_str() == Some(target))
                });
                assert!(matching, "{}: no Service for port {target}", c.workload);
            }
        }
        for (other, what) in [
            ("PodDisruptionBudget", "selector"),
            ("HorizontalPodAutoscaler", "target"),
        ] {
            let covered = of_kind(&all, other).iter().any(|r| match what {
                "selector" => r["spec"]["selector"]["matchLabels"] == *selector,
                _ => r["spec"]["scaleTargetRef"]["name"].as_str() == Some(name(deployment)),
            });
            assert!(covered, "{}: no {other}", name(deployment));
        }
        assert!(
            deployment["spec"]["replicas"].is_null(),
            "{}: `replicas` would reset the autoscaler's count at every apply",
            name(deployment)
        );
        served.push(deployment.clone());
    }
    assert_eq!(served.len(), 2, "a Deployment per service");
}

/// The probes' paths answer 200 on the services started with the manifests' settings
/// (auth-service on a migrated SQLite file in place of its DATABASE_URL).
#[test]
fn probe_paths_answer_on_the_real_services() {
    let all = resources();
    let db = tests::db::TestDb::migrated_sqlite();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for deployment in of_kind(&all, "Deployment") {
        let pair = [(String::new(), deployment.clone())];
        for c in containers(&pair) {
            let mut settings = load(&c, &all, true);
            runtime.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
                let (base, handle) = match verb(&c) {
                    Verb::AuthServe(_) => {
                        settings.database.url = Some(shared::settings::Secret::new(db.url.clone()));
                        let app = auth_service::Application::build(settings, listener)
                            .unwrap_or_else(|e| panic!("{}: {e}", c.workload));
                        let started = (format!("http://127.0.0.1:{}", app.port()), app.handle());
                        tokio::spawn(app.run_until_stopped());
                        started
                    }
                    Verb::ProtectedServe(_) => {
                        let app = protected_service::Application::build(settings.into(), listener)
                            .unwrap_or_else(|e| panic!("{}: {e}", c.workload));
                        let started = (format!("http://127.0.0.1:{}", app.port()), app.handle());
                        tokio::spawn(app.run_until_stopped());
                        started
                    }
                    Verb::Other => unreachable!("checked: Deployments serve"),
                };
                let http = tests::app::client();
                for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
                    let path = c.spec[probe]["httpGet"]["path"]
                        .as_str()
                        .unwrap_or_default();
                    let status = http
                        .get(format!("{base}{path}"))
                        .send()
                        .await
                        .map(|r| r.status().as_u16());
                    assert_eq!(status.ok(), Some(200), "{}: {probe} {path}", c.workload);
                }
                handle.stop(false).await;
            });
        }
    }
}
