//! The core's remedies in the CLI's words: the flags and variables that apply them. The core's
//! messages say what is wrong; this says which flag to pass (the app words the same remedies as
//! controls on its pages).

use waybill_core::remedy::Remedy;

/// What to pass (or set) to apply `remedy`.
pub fn words(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::AllowForeignLayers => {
            "to upload foreign layers, pass --allow-foreign-layers: their blobs are uploaded, which Pulp \
             requires, and their urls kept"
        }
        Remedy::FetchForeignLayers => {
            "to download the missing blobs from their urls (https only, verified), pass --fetch-foreign; \
             --foreign-mirror URL-PREFIX=MIRROR-PREFIX fetches them from a mirror of those urls instead"
        }
        Remedy::AcceptLostMarks => {
            "to push the image as it is, its base layers as ordinary layers, pass --accept-lost-foreign-marks \
             (or --allow-foreign-layers); better, push an archive that keeps the marks"
        }
        Remedy::SignIn => {
            "to sign in, pass --username with --password-stdin (or set WAYBILL_USERNAME and WAYBILL_PASSWORD) \
             for this registry; for a copy's source, --src-username with --src-password-stdin"
        }
        Remedy::SmallerChunks => "to upload in smaller chunks, pass a smaller --chunk-size",
        Remedy::PickPlatform => {
            "to choose, pass --platform os/arch[/variant]; copy and verify take it more than once, or \
             --all-platforms for every one"
        }
        Remedy::PickImage => "to choose, pass --image NAME:TAG (or the image's manifest or config digest)",
        Remedy::RaiseDecompressionLimit => "to raise the limit, pass --max-uncompressed-size",
    }
}

/// `message`, followed by the CLI's words for `remedy` on a line of their own.
pub fn with_remedy(message: String, remedy: Option<Remedy>) -> String {
    match remedy {
        Some(remedy) => format!("{message}\n  {}", words(remedy)),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remedy_follows_the_message() {
        let text = with_remedy("refused".into(), Some(Remedy::AllowForeignLayers));
        assert!(
            text.starts_with("refused\n  to upload foreign layers, pass --allow-foreign-layers"),
            "{text}"
        );
        assert_eq!(with_remedy("failed".into(), None), "failed");
    }
}
