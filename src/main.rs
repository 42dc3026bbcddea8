//! Waybill in the browser.

fn main() {}
