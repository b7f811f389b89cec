//! `csflow-runtime`: the small binary ops deploy.
fn main() {}
