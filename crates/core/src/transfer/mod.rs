//! The verbs that move or check images: a copy between registries ([`mod@copy`]), a repository
//! mirrored ([`sync`], previewed by [`sync_preview`]), registry images saved into an archive
//! ([`save`]), an archive pushed or loaded into a registry ([`push_archive`], [`load_archive`]),
//! an image verified in place ([`verify_image`]) and a Pulp instance audited ([`pulp_audit`]).
//!
//! This is the top layer of the core: it drives the distribution protocol ([`crate::registry`])
//! and reads archives ([`crate::archive`]), and nothing below it imports it.

pub mod copy;
pub mod copy_event;
pub mod foreign;
pub mod foreign_mirror;
pub mod in_flight;
pub mod load_archive;
pub(crate) mod move_blobs;
pub mod pulp_audit;
pub mod push_archive;
pub mod save;
pub mod sync;
pub mod sync_preview;
pub mod tag_filter;
pub mod verify_image;

pub use copy::{BlobTally, CopyOptions, CopyReport, ImageAt, copy};
pub use copy_event::{BlobOutcome, CopyEvent};
pub use verify_image::{
    BlobCheck, BlobStatus, ConfigRead, DiffIdCheck, Fetched, ImageCheck, LayerCheck, VerifyEvent,
    VerifyOptions, VerifyPlan, VerifyReport, judge_blob, verify,
};
