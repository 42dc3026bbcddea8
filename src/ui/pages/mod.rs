//! One file per page.

pub mod copy;
pub mod diff;
pub mod inspect;
pub mod upload;
