//! One file per page.

pub mod copy;
pub mod inspect;
pub mod upload;
