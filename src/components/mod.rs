//! Small components shared by pages.

pub mod digest;
pub mod foreign_panel;
pub mod layer_table;
pub mod summary;
