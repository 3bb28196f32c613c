//! `flowstage`: the one binary.
fn main() {}
