//! (filled in by the hardening work)

pub fn tests() -> Vec<tests::harness::E2e> {
    Vec::new()
}
