//! One file per page; a part only its page uses and that needs the page's own types sits in the
//! page's folder (`upload/image_view.rs`).

pub mod audit;
pub mod copy;
pub mod copy_repo;
pub mod diff;
pub mod inspect;
pub mod upload;
