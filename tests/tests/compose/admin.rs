//! docker-compose.admin.yml, the opt-in override that publishes the internal endpoints:
//! on the host's loopback only, each on the port its service's TOKENPAIR__ADMIN_BIND
//! listens on (a port that drifted from the setting would publish nothing).

use crate::checks::load_settings;
use crate::services::services;
use crate::{
    AUTH_ADMIN_PORT, AUTH_PORT, PROTECTED_ADMIN_PORT, PROTECTED_PORT, compose_config_of,
    compose_or_skip, deploy_vars,
};

const OVERRIDE: &str = "docker-compose.admin.yml";

#[test]
fn admin_override_publishes_the_admin_ports_on_loopback() {
    if !compose_or_skip("admin_override_publishes_the_admin_ports_on_loopback") {
        return;
    }
    let doc = compose_config_of(&["docker-compose.yml", OVERRIDE], &deploy_vars(false))
        .unwrap_or_else(|e| panic!("docker-compose config with {OVERRIDE}: {e}"));
    let services = services(&doc).unwrap();
    for (name, main, admin) in [
        ("auth-service", AUTH_PORT, AUTH_ADMIN_PORT),
        ("protected-service", PROTECTED_PORT, PROTECTED_ADMIN_PORT),
    ] {
        let service = services.iter().find(|s| s.name == name).expect(name);
        let settings = load_settings(service).unwrap();
        let bound = settings.server.admin_bind.map(|a| a.port());
        assert_eq!(bound, Some(admin), "{name}: TOKENPAIR__ADMIN_BIND");
        let mut ports = service.ports.clone();
        ports.sort();
        assert_eq!(
            ports,
            [
                ("127.0.0.1".to_owned(), main, main),
                ("127.0.0.1".to_owned(), admin, admin)
            ],
            "{name}: the main port as by default, and the admin port on loopback"
        );
    }
}
