//! What the user chose for a push from the Upload page: the foreign-layer consents, the layers'
//! compression and the chunk size. One image's push and a bundle's read the same choices.

use leptos::prelude::*;
use waybill_core::archive::compress::LayerCompression;

use crate::ui::api::workers::PushSettings;
use crate::ui::components::chunk_size::DEFAULT_CHUNK_MIB;

/// The push's check boxes and settings, as signals the forms bind to.
#[derive(Clone, Copy)]
pub struct PushChoices {
    /// "Allow foreign layers".
    pub allow: RwSignal<bool>,
    /// "Fetch missing foreign layers from their urls".
    pub fetch: RwSignal<bool>,
    /// "Push these layers as ordinary layers" (an archive that lost its foreign-layer marks).
    pub accept_lost_marks: RwSignal<bool>,
    /// How plain docker-save layers go up.
    pub compress: RwSignal<LayerCompression>,
    /// The upload's chunk size, in MiB.
    pub chunk_mib: RwSignal<u64>,
}

/// Nothing allowed, layers compressed the default way, the default chunk size.
impl Default for PushChoices {
    fn default() -> PushChoices {
        PushChoices {
            allow: RwSignal::new(false),
            fetch: RwSignal::new(false),
            accept_lost_marks: RwSignal::new(false),
            compress: RwSignal::new(LayerCompression::default()),
            chunk_mib: RwSignal::new(DEFAULT_CHUNK_MIB),
        }
    }
}

impl PushChoices {
    /// A new archive was dropped: a consent given for the last one does not carry over to it
    /// (the compression and chunk size do).
    pub fn forget_consents(&self) {
        self.allow.set(false);
        self.fetch.set(false);
        self.accept_lost_marks.set(false);
    }

    /// The choices as the push worker takes them.
    pub fn settings(&self) -> PushSettings {
        PushSettings {
            allow_foreign_layers: self.allow.get_untracked(),
            fetch_foreign: self.fetch.get_untracked(),
            accept_lost_marks: self.accept_lost_marks.get_untracked(),
            compress: self.compress.get_untracked(),
            chunk_size: self.chunk_mib.get_untracked() * 1024 * 1024,
        }
    }
}
