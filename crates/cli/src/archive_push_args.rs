//! How images of an archive file are pushed: the flags `waybill push` and `waybill load` share,
//! and the core's push options they make.

use waybill_core::archive::compress::LayerCompression;
use waybill_core::registry::upload::ChunkPolicy;
use waybill_core::transfer::foreign_mirror::ForeignMirrors;
use waybill_core::transfer::push_archive::PushOptions;

use crate::args::{ForeignMirrorArgs, parse_size};
use crate::failure::Failure;

/// How uncompressed docker-save layers are pushed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default)]
pub enum Compress {
    /// gzip, as docker push and skopeo do (`…rootfs.diff.tar.gzip`): new layer digests
    #[default]
    Gzip,
    /// zstd (`…layer.v1.tar+zstd`, in an OCI manifest): new layer digests
    Zstd,
    /// As stored: a plain tar stays a plain tar (`…rootfs.diff.tar`, digest = diff_id)
    #[value(alias = "as-stored")]
    None,
}

/// The push flags.
#[derive(clap::Args, Debug)]
pub struct ArchivePushArgs {
    /// Upload foreign (non-distributable) layers instead of refusing the image (exit 3: nothing
    /// of it is sent). Pulp needs their blobs uploaded and keeps their urls
    #[arg(long)]
    pub allow_foreign_layers: bool,
    /// Download foreign layers the archive lacks (docker save keeps only their uncompressed tar)
    /// from their urls: https only, public hosts, no credentials, digest and size verified
    #[arg(long, requires = "allow_foreign_layers")]
    pub fetch_foreign: bool,
    #[command(flatten)]
    pub mirrors: ForeignMirrorArgs,
    /// Push Windows images of a docker-save archive without LayerSources as they are: such an
    /// archive lost the foreign-layer marks, and their base layers go up as ordinary layers
    /// (refused otherwise, exit 3; --allow-foreign-layers accepts them too)
    #[arg(long)]
    pub accept_lost_foreign_marks: bool,
    /// How to push uncompressed docker-save layers: compressed on all cores while they upload.
    /// gzip and zstd change their digests (the output says which); none keeps them. Foreign
    /// layers and OCI-layout images are always pushed as stored
    #[arg(long, value_enum, default_value_t = Compress::Gzip)]
    pub compress: Compress,
    /// Upload chunk size (e.g. 8MiB, 4M, 5MB); kept within the registry's announced limits
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8MiB")]
    pub chunk_size: u64,
    /// For compressed archives: the most bytes decompression may produce before the archive is
    /// taken for a decompression bomb (default: 100 times the file, at least 1 GiB)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_uncompressed_size: Option<u64>,
}

impl ArchivePushArgs {
    /// The foreign-layer mirrors named.
    pub fn mirrors(&self) -> Result<ForeignMirrors, Failure> {
        self.mirrors.mirrors()
    }

    /// The core's push options.
    pub fn options(&self, foreign_mirrors: ForeignMirrors) -> PushOptions {
        PushOptions {
            allow_foreign_layers: self.allow_foreign_layers,
            fetch_foreign: self.fetch_foreign,
            foreign_mirrors,
            accept_lost_marks: self.accept_lost_foreign_marks,
            compress: match self.compress {
                Compress::None => LayerCompression::None,
                Compress::Gzip => LayerCompression::Gzip,
                Compress::Zstd => LayerCompression::Zstd,
            },
            chunk: ChunkPolicy::new(self.chunk_size),
        }
    }
}
