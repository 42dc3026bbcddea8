//! One file per page.

pub mod audit;
pub mod copy;
pub mod copy_repo;
pub mod diff;
pub mod inspect;
pub mod upload;
