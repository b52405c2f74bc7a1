//! The services of `docker-compose config`'s output, read into what the checks compare:
//! argv, environment, ports, healthcheck, dependencies. Compose has already applied the
//! merge keys and interpolated the variables; this reads its canonical form (and the
//! short forms too, so that a drift edit written by hand reads the same).

use serde_norway::{Mapping, Value};
use std::collections::BTreeMap;

pub struct Service {
    pub name: String,
    /// The container's argv: entrypoint, then command (the image has no ENTRYPOINT).
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// (host address, host port, container port)
    pub ports: Vec<(String, u16, u16)>,
    /// The healthcheck's `CMD` argv (`CMD-SHELL` split on whitespace).
    pub health: Option<Vec<String>>,
    /// Service name -> condition.
    pub depends_on: BTreeMap<String, String>,
    pub image: Option<String>,
    pub build: bool,
    pub restart: Option<String>,
    pub volumes: Vec<String>,
}

pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(service: &str, key: &str, value: Option<&Value>) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| {
                scalar(item).ok_or_else(|| format!("{service}: {key}: {item:?} is not a string"))
            })
            .collect(),
        Some(Value::String(_)) => Err(format!(
            "{service}: {key}: use the list (exec) form, e.g. [\"auth-service\", \"serve\"]"
        )),
        Some(other) => Err(format!("{service}: {key}: unexpected {other:?}")),
    }
}

fn parse_port(service: &str, spec: &Value) -> Result<(String, u16, u16), String> {
    let bad = || format!("{service}: ports: cannot read {spec:?}");
    let number = |s: &str| s.parse::<u16>().map_err(|_| bad());
    match spec {
        Value::Mapping(long) => {
            let get = |k: &str| long.get(k).and_then(scalar);
            let target = number(&get("target").ok_or_else(bad)?)?;
            let published = number(&get("published").ok_or_else(bad)?)?;
            Ok((
                get("host_ip").unwrap_or_else(|| "0.0.0.0".into()),
                published,
                target,
            ))
        }
        _ => {
            let text = scalar(spec).ok_or_else(bad)?;
            let text = text.strip_suffix("/tcp").unwrap_or(&text);
            let parts: Vec<&str> = text.rsplitn(3, ':').collect();
            match parts.as_slice() {
                [container, host, ip] => Ok(((*ip).to_owned(), number(host)?, number(container)?)),
                [container, host] => Ok(("0.0.0.0".to_owned(), number(host)?, number(container)?)),
                // A container port alone is published on a random host port.
                _ => Err(format!("{service}: ports: {text:?} names no host port")),
            }
        }
    }
}

fn parse_service(name: &str, def: &Value) -> Result<Service, String> {
    let mut argv = string_list(name, "entrypoint", def.get("entrypoint"))?;
    argv.extend(string_list(name, "command", def.get("command"))?);

    let mut env = BTreeMap::new();
    match def.get("environment") {
        None => {}
        Some(Value::Mapping(map)) => {
            for (key, value) in map {
                let key = scalar(key).ok_or_else(|| format!("{name}: environment key {key:?}"))?;
                // A bare `NAME:` passes the variable of the shell running compose, not .env.
                let value = scalar(value).ok_or_else(|| {
                    format!("{name}: environment: {key} has no value (write NAME: ${{NAME}})")
                })?;
                env.insert(key, value);
            }
        }
        Some(Value::Sequence(items)) => {
            for item in items {
                let item = scalar(item).unwrap_or_default();
                let (key, value) = item.split_once('=').ok_or_else(|| {
                    format!("{name}: environment: {item:?} has no value (write NAME=${{NAME}})")
                })?;
                env.insert(key.to_owned(), value.to_owned());
            }
        }
        Some(other) => return Err(format!("{name}: environment: unexpected {other:?}")),
    }

    let ports = match def.get("ports") {
        None => Vec::new(),
        Some(Value::Sequence(specs)) => specs
            .iter()
            .map(|spec| parse_port(name, spec))
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("{name}: ports: unexpected {other:?}")),
    };

    let health = match def.get("healthcheck").and_then(|h| h.get("test")) {
        None => None,
        Some(test) => {
            let test = match test {
                Value::String(shell) => vec!["CMD-SHELL".to_owned(), shell.clone()],
                _ => string_list(name, "healthcheck.test", Some(test))?,
            };
            match test.split_first() {
                Some((kind, rest)) if kind == "CMD" => Some(rest.to_vec()),
                Some((kind, rest)) if kind == "CMD-SHELL" => Some(
                    rest.join(" ")
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                ),
                _ => return Err(format!("{name}: healthcheck.test: {test:?}")),
            }
        }
    };

    let mut depends_on = BTreeMap::new();
    match def.get("depends_on") {
        None => {}
        Some(Value::Sequence(names)) => {
            for dep in names {
                depends_on.insert(
                    scalar(dep).unwrap_or_default(),
                    "service_started".to_owned(),
                );
            }
        }
        Some(Value::Mapping(map)) => {
            for (dep, spec) in map {
                let condition = spec
                    .get("condition")
                    .and_then(scalar)
                    .unwrap_or_else(|| "service_started".to_owned());
                depends_on.insert(scalar(dep).unwrap_or_default(), condition);
            }
        }
        Some(other) => return Err(format!("{name}: depends_on: unexpected {other:?}")),
    }

    Ok(Service {
        name: name.to_owned(),
        argv,
        env,
        ports,
        health,
        depends_on,
        image: def.get("image").and_then(scalar),
        build: def.get("build").is_some(),
        restart: def.get("restart").and_then(scalar),
        volumes: string_list(name, "volumes", def.get("volumes"))?,
    })
}

pub fn services(doc: &Value) -> Result<Vec<Service>, String> {
    let map: &Mapping = doc
        .get("services")
        .and_then(Value::as_mapping)
        .ok_or("no services mapping")?;
    map.iter()
        .map(|(name, def)| parse_service(&scalar(name).unwrap_or_default(), def))
        .collect()
}
