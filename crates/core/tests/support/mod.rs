//! Archive test support: a tar writer independent of the reader under test (hand-made ustar,
//! GNU and PAX headers, so hostile archives can be made exactly), docker-save and OCI-layout
//! builders, a source that records what is asked of it, and a `block_on` for sources that never
//! wait.
#![allow(dead_code)] // each suite uses some of it

// Native only: proptest needs a clock and a file system, the layer tars Python and GNU tar.
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzzing;
#[cfg(not(target_arch = "wasm32"))]
pub mod layer_tars;
pub mod manifests;

use std::cell::Cell;
use std::future::Future;
use std::io::Write as _;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use waybill_core::archive::{RandomAccess, SourceError};
use waybill_core::digest::Digest;

/// Runs a future whose every await is ready at once (in-memory sources).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("the future kept pending with an in-memory source");
}

/// A ustar header with a correct checksum. Sizes of 8 GiB and more use all 12 octal digits.
pub fn header(name: &[u8], size: u64, flag: u8, link: &[u8]) -> [u8; 512] {
    assert!(name.len() <= 100 && link.len() <= 100, "a ustar name field holds 100 bytes");
    let mut b = [0u8; 512];
    b[..name.len()].copy_from_slice(name);
    b[100..107].copy_from_slice(b"0000644");
    b[108..115].copy_from_slice(b"0000000");
    b[116..123].copy_from_slice(b"0000000");
    let size = if size < 1 << 33 { format!("{size:011o}\0") } else { format!("{size:012o}") };
    b[124..136].copy_from_slice(size.as_bytes());
    b[136..147].copy_from_slice(b"14000000000");
    b[156] = flag;
    b[157..157 + link.len()].copy_from_slice(link);
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    set_checksum(&mut b);
    b
}

/// Recomputes a header's checksum after an edit.
pub fn set_checksum(b: &mut [u8; 512]) {
    let sum: u64 =
        b.iter().enumerate().map(|(i, &x)| if (148..156).contains(&i) { 32 } else { u64::from(x) }).sum();
    b[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// One PAX record (`<len> key=value\n`, the length counting itself).
pub fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let mut n = key.len() + value.len() + 3;
    while format!("{n} {key}={value}\n").len() != n {
        n += 1;
    }
    format!("{n} {key}={value}\n").into_bytes()
}

/// Builds a tar block by block.
#[derive(Default)]
pub struct Tar {
    pub bytes: Vec<u8>,
}

impl Tar {
    pub fn new() -> Tar {
        Tar::default()
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(512) {
            self.bytes.push(0);
        }
    }

    pub fn raw_header(&mut self, h: [u8; 512]) -> &mut Tar {
        self.bytes.extend_from_slice(&h);
        self
    }

    pub fn body(&mut self, data: &[u8]) -> &mut Tar {
        self.bytes.extend_from_slice(data);
        self.pad();
        self
    }

    /// A file; names over 100 bytes go in a GNU long-name entry first, as GNU tar writes them.
    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Tar {
        if name.len() > 100 {
            return self.gnu_long_file(name, data);
        }
        self.raw_header(header(name.as_bytes(), data.len() as u64, b'0', b"")).body(data)
    }

    pub fn dir(&mut self, name: &str) -> &mut Tar {
        self.raw_header(header(name.as_bytes(), 0, b'5', b""))
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> &mut Tar {
        self.raw_header(header(name.as_bytes(), 0, b'2', target.as_bytes()))
    }

    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut Tar {
        self.raw_header(header(name.as_bytes(), 0, b'1', target.as_bytes()))
    }

    /// A file whose name goes in a GNU `././@LongLink` entry first.
    pub fn gnu_long_file(&mut self, name: &str, data: &[u8]) -> &mut Tar {
        let mut long = name.as_bytes().to_vec();
        long.push(0);
        self.raw_header(header(b"././@LongLink", long.len() as u64, b'L', b"")).body(&long);
        self.raw_header(header(&name.as_bytes()[..99.min(name.len())], data.len() as u64, b'0', b""))
            .body(data)
    }

    /// A file preceded by a PAX header with these records.
    pub fn pax_file(
        &mut self,
        header_name: &str,
        records: &[(&str, &str)],
        declared: u64,
        data: &[u8],
    ) -> &mut Tar {
        let pax: Vec<u8> = records.iter().flat_map(|(k, v)| pax_record(k, v)).collect();
        self.raw_header(header(b"PaxHeaders/x", pax.len() as u64, b'x', b"")).body(&pax);
        self.raw_header(header(header_name.as_bytes(), declared, b'0', b"")).body(data)
    }

    /// The archive with its two-block end marker.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.bytes);
        out.extend_from_slice(&[0; 1024]);
        out
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

pub fn sha256(data: &[u8]) -> Digest {
    Digest::sha256_of(data)
}

/// A layer: a tar holding one file with seeded content.
pub fn layer_tar(name: &str, size: usize) -> Vec<u8> {
    let data: Vec<u8> =
        (0..size).map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8).collect();
    Tar::new().file(&format!("data/{name}"), &data).finish()
}

/// An image config listing these diff IDs.
pub fn config_json(diff_ids: &[Digest], os: &str) -> Vec<u8> {
    let ids: Vec<String> = diff_ids.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        r#"{{"architecture":"amd64","os":"{os}","created":"2024-01-02T03:04:05Z","config":{{"Cmd":["/bin/true"]}},"rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
        ids.join(",")
    )
    .into_bytes()
}

/// A docker-save image: tags, layer tars, and `LayerSources` JSON fragments by layer index.
pub struct SavedImage {
    pub tags: Vec<String>,
    pub layers: Vec<Vec<u8>>,
    /// (layer index, descriptor JSON) for foreign layers.
    pub sources: Vec<(usize, String)>,
    /// Leave these layer files out of the archive.
    pub omit: Vec<usize>,
}

impl SavedImage {
    pub fn new(tags: &[&str], layers: Vec<Vec<u8>>) -> SavedImage {
        SavedImage {
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            layers,
            sources: Vec::new(),
            omit: Vec::new(),
        }
    }

    pub fn config(&self) -> Vec<u8> {
        let ids: Vec<Digest> = self.layers.iter().map(|l| sha256(l)).collect();
        config_json(&ids, "linux")
    }
}

/// A docker-save archive as skopeo writes it: `<config hex>.json`, `<diff id hex>.tar`,
/// `manifest.json`, `repositories`.
pub fn docker_save(images: &[SavedImage]) -> Vec<u8> {
    let mut tar = Tar::new();
    let mut entries = Vec::new();
    let mut written = std::collections::BTreeSet::new();
    for image in images {
        let config = image.config();
        let config_name = format!("{}.json", sha256(&config).hex());
        if written.insert(config_name.clone()) {
            tar.file(&config_name, &config);
        }
        let mut layer_names = Vec::new();
        for (i, layer) in image.layers.iter().enumerate() {
            let name = format!("{}.tar", sha256(layer).hex());
            if !image.omit.contains(&i) && written.insert(name.clone()) {
                tar.file(&name, layer);
            }
            layer_names.push(format!("\"{name}\""));
        }
        let tags: Vec<String> = image.tags.iter().map(|t| format!("\"{t}\"")).collect();
        let sources: Vec<String> = image
            .sources
            .iter()
            .map(|(i, json)| format!("\"{}\":{json}", sha256(&image.layers[*i])))
            .collect();
        entries.push(format!(
            r#"{{"Config":"{config_name}","RepoTags":[{}],"Layers":[{}],"LayerSources":{{{}}}}}"#,
            tags.join(","),
            layer_names.join(","),
            sources.join(",")
        ));
    }
    tar.file("manifest.json", format!("[{}]", entries.join(",")).as_bytes());
    tar.finish()
}

/// A source that records the largest read asked of it and the bytes it served.
pub struct CountingSource {
    pub data: Vec<u8>,
    pub largest_read: Cell<usize>,
    pub served: Cell<u64>,
    pub reads: Cell<u64>,
}

impl CountingSource {
    pub fn new(data: Vec<u8>) -> CountingSource {
        CountingSource { data, largest_read: Cell::new(0), served: Cell::new(0), reads: Cell::new(0) }
    }
}

impl RandomAccess for CountingSource {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        self.largest_read.set(self.largest_read.get().max(len));
        self.reads.set(self.reads.get() + 1);
        let out = self.data.as_slice().read_at(offset, len).await?;
        self.served.set(self.served.get() + out.len() as u64);
        Ok(out)
    }
}

/// A source claiming a length it does not have (a file that shrank, a lying shell).
pub struct ShortSource {
    pub data: Vec<u8>,
    pub claimed: u64,
}

impl RandomAccess for ShortSource {
    fn len(&self) -> u64 {
        self.claimed
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        self.data.as_slice().read_at(offset, len).await
    }
}
