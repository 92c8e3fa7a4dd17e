// The migrations are compiled into the binary with include_str!, so a changed
// migration file must rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
