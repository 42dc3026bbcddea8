//! Small components shared by pages.

pub mod blob_status;
pub mod breakable;
pub mod chunk_size;
pub mod config_view;
pub mod copy_platforms;
pub mod digest;
pub mod drop_zone;
pub mod foreign_panel;
pub mod layer_table;
pub mod login_form;
pub mod marks_panel;
pub mod platform_picker;
pub mod problem;
pub mod progress;
pub mod raw_json;
pub mod reference_form;
pub mod rejection_panel;
pub mod result_panel;
pub mod summary;
pub mod target_form;
pub mod transfer_history;
pub mod transfer_panel;
pub mod verify_panel;
