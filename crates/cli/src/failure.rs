//! How a command ends when it does not succeed: a message for stderr and an exit code.
//!
//! Exit codes: 0 success, 1 error, 3 refused by the foreign-layer policy (nothing was uploaded).

use std::fmt;

use waybill_core::archive::ArchiveError;
use waybill_core::registry::ImageError;
use waybill_core::transfer::push_archive::PushError;

use crate::remedy::with_remedy;

/// Exit code for any error.
pub const EXIT_ERROR: u8 = 1;
/// Exit code when the foreign-layer policy refused the image.
pub const EXIT_REJECTED: u8 = 3;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// What went wrong and what to do.
    pub message: String,
}

impl Failure {
    /// An ordinary error (exit 1).
    pub fn error(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_ERROR, message: message.into() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ImageError> for Failure {
    fn from(error: ImageError) -> Failure {
        let code = if matches!(error, ImageError::Rejected(_)) { EXIT_REJECTED } else { EXIT_ERROR };
        Failure { code, message: with_remedy(error.to_string(), error.remedy()) }
    }
}

impl From<waybill_core::registry::Error> for Failure {
    fn from(error: waybill_core::registry::Error) -> Failure {
        Failure::error(with_remedy(error.to_string(), error.remedy()))
    }
}

impl From<ArchiveError> for Failure {
    fn from(error: ArchiveError) -> Failure {
        Failure::error(with_remedy(error.to_string(), error.remedy()))
    }
}

impl From<PushError> for Failure {
    fn from(error: PushError) -> Failure {
        let refused = matches!(error, PushError::Rejected(_) | PushError::MarksLost(_));
        let code = if refused { EXIT_REJECTED } else { EXIT_ERROR };
        Failure { code, message: with_remedy(error.to_string(), error.remedy()) }
    }
}

/// A command's result.
pub type Outcome = Result<(), Failure>;
