//! How a push worker's run ends when it does not succeed: [`Failure`], the page's cue for what to
//! show (the policy's refusal, a verification's every check, a sign-in form for one registry of
//! the run — its [`Side`] — or the error in full). Part of the push worker's protocol
//! ([`super::FromPusher::Failed`]), apart from the messages of a run that goes on.

use serde::{Deserialize, Serialize};
use waybill_core::archive::marks::LostMarks;
use waybill_core::archive::verify::ImageVerification;
use waybill_core::policy::Rejection;
use waybill_core::transfer::push_archive::AbsentForeign;

/// Which registry of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A copy's source.
    Source,
    /// Where the push or copy goes.
    Target,
}

/// Why a push, a copy or an open stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The foreign-layer policy refused the image: nothing was sent.
    Rejected {
        /// Every refused layer.
        rejections: Vec<Rejection>,
    },
    /// The archive lost the foreign-layer marks and that was not acknowledged: nothing was sent.
    MarksLost {
        /// What was lost.
        lost: LostMarks,
    },
    /// Foreign layers are allowed but the archive lacks their blobs and fetching is off:
    /// nothing was sent.
    ForeignAbsent {
        /// The layers.
        absent: Vec<AbsentForeign>,
    },
    /// The archive failed verification: nothing was sent.
    Verification {
        /// One line per problem, naming the file.
        lines: Vec<String>,
        /// Every blob's check.
        checks: Vec<ImageVerification>,
    },
    /// Stopped on request. Open upload sessions were cancelled; no manifest was pushed.
    Cancelled,
    /// A registry wants a login, or one with more rights (401, 403): the page opens its
    /// sign-in form.
    SignIn {
        /// Which registry.
        side: Side,
        /// What it said, in full.
        message: String,
    },
    /// Anything else, said in full (the archive unreadable, a registry error, the network).
    Other {
        /// What happened.
        message: String,
    },
}
