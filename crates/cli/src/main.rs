//! The native `waybill` binary.

fn main() {
    println!("waybill {}", env!("CARGO_PKG_VERSION"));
}
