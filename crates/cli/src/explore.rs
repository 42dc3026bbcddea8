//! What `ls`, `cat` and `diff` share: an image named as `inspect` takes it (a registry reference,
//! or an archive file — an existing path wins), opened with the same credentials, platform
//! choice and decompression limit, and a source of its layers for the core's explorer.

use waybill_core::archive::Archive;
use waybill_core::layers::source::{ArchiveLayers, RegistryLayers};
use waybill_core::layers::{ExploreError, ExploredImage};
use waybill_core::registry::Credentials;

use crate::archive_arg::{Target, classify, open_archive};
use crate::args::parse_platform;
use crate::commands::Context;
use crate::failure::Failure;
use crate::file_source::FileSource;
use crate::open::{Opened, open};
use crate::remedy::with_remedy;
use crate::transport::NativeTransport;

/// The arguments naming one image.
#[derive(clap::Args, Debug)]
pub struct ImageArgs {
    /// Image in a registry ([registry/]repository[:tag][@digest]) or an archive file; an
    /// existing file path wins: a path to a file is read as an archive (docker save,
    /// docker-archive:, oci-archive:, plain, gzip or zstd), anything else is an image reference
    #[arg(value_name = "REFERENCE|ARCHIVE")]
    pub target: String,
    /// For an index (or an archive holding one): this platform's image (os/arch[/variant])
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// For an archive of several images: this one (NAME:TAG, or a config or manifest digest)
    #[arg(long, value_name = "NAME:TAG")]
    pub image: Option<String>,
    /// For compressed archives: the most bytes decompression may produce before the archive is
    /// taken for a decompression bomb (default: 100 times the file, at least 1 GiB)
    #[arg(long, value_name = "SIZE", value_parser = crate::args::parse_size)]
    pub max_uncompressed_size: Option<u64>,
}

/// Where an opened image's bytes are.
enum Held {
    Registry(Box<Opened>),
    Archive(Box<Archive<FileSource>>),
}

/// An opened image.
pub struct Explored {
    /// The image, described.
    pub image: ExploredImage,
    held: Held,
}

impl Explored {
    /// Opens what `args` names; `credentials` are asked for only if it is in a registry.
    pub async fn open(
        args: &ImageArgs,
        credentials: impl FnOnce() -> Result<Option<Credentials>, Failure>,
        context: &Context,
    ) -> Result<Explored, Failure> {
        let platform = args.platform.as_deref().map(parse_platform).transpose()?;
        match classify(&args.target)? {
            Target::Archive(path) => {
                let archive = open_archive(&path, args.max_uncompressed_size).await?;
                let label = path.display().to_string();
                let chosen = archive
                    .select(args.image.as_deref())
                    .map_err(|e| Failure::error(with_remedy(format!("{label}: {e}"), e.remedy())))?;
                let image = ExploredImage::from_archive(&label, chosen, platform.as_ref())?;
                Ok(Explored { image, held: Held::Archive(Box::new(archive)) })
            }
            Target::Reference(text) => {
                if args.image.is_some() {
                    return Err(Failure::error(
                        "--image picks an image of an archive file; for a registry, name the image itself",
                    ));
                }
                let opened = open(&text, &context.transport, &context.plain_http, credentials()?)?;
                let (repository, reference) = (opened.reference.repository(), opened.reference.reference());
                let image = ExploredImage::from_registry(
                    &opened.client,
                    repository,
                    &reference,
                    &text,
                    platform.as_ref(),
                )
                .await?;
                Ok(Explored { image, held: Held::Registry(Box::new(opened)) })
            }
        }
    }

    /// The source of this image's layers.
    pub fn layers(&self) -> Layers<'_> {
        match &self.held {
            Held::Registry(opened) => Layers::Registry(RegistryLayers {
                client: &opened.client,
                repository: opened.reference.repository(),
            }),
            Held::Archive(archive) => Layers::Archive(ArchiveLayers(archive)),
        }
    }
}

/// A registry's or an archive's layers (the core's one source type for either).
pub type Layers<'a> = waybill_core::layers::source::Layers<'a, NativeTransport, FileSource>;

impl From<ExploreError> for Failure {
    fn from(error: ExploreError) -> Failure {
        match error {
            ExploreError::Image(e) => Failure::from(e),
            e => Failure::error(with_remedy(e.to_string(), e.remedy())),
        }
    }
}
