//! Hostile layer tars: each one a real tar (Python's tarfile, GNU tar) that lies or is cut, or
//! an edit of one. Every case must end in an error that names what is wrong and the byte offset
//! of the entry, showing hostile names escaped — never a panic, never a listing — in every
//! chunking and compression. Native only: the tars come from processes.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::layer_tars::{edit_header, gzip, header_of, python_tar, read, zstd};
use waybill_core::layers::ReadOptions;

/// A case: its name, its layer bytes, and the pieces its error message must contain.
struct Case {
    name: &'static str,
    layer: Vec<u8>,
    says: Vec<String>,
}

fn case(name: &'static str, layer: Vec<u8>, says: &[&str]) -> Case {
    Case { name, layer, says: says.iter().map(|s| (*s).to_owned()).collect() }
}

fn three_files() -> Vec<u8> {
    python_tar("USTAR_FORMAT", "add('a.txt', b'a' * 100)\nadd('b.txt', b'b' * 3000)\nadd('c.txt', b'c')")
}

fn cases() -> Vec<Case> {
    let tar = three_files();
    let b = header_of(&tar, b"b.txt");
    let mut cases = vec![
        case(
            "cut inside a header",
            tar[..b + 100].to_vec(),
            &[&format!("byte {b}"), "100 of 512", "truncated"],
        ),
        case(
            "cut inside a body (its size runs past the end)",
            tar[..b + 512 + 1000].to_vec(),
            &[&format!("byte {b}"), "\"b.txt\"", "declares 3000 bytes", "after 1000"],
        ),
    ];
    let mut bad_sum = tar.clone();
    bad_sum[b] = b'x';
    cases.push(case("a header whose checksum does not match", bad_sum, &[&format!("byte {b}"), "checksum"]));
    let mut past_end = tar.clone();
    edit_header(&mut past_end, b, 124, b"77777777777\0");
    cases.push(case(
        "a size far past the end",
        past_end,
        &["declares 8589934591 bytes", &format!("byte {b}")],
    ));
    let mut base256 = tar.clone();
    edit_header(&mut base256, b, 124, &[0x80, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0]);
    cases.push(case("a base-256 size of 2^62", base256, &["declares 4611686018427387904 bytes"]));
    let mut not_octal = tar.clone();
    edit_header(&mut not_octal, b, 124, b"0000000x000\0");
    cases.push(case("a size that is not a number", not_octal, &[&format!("byte {b}"), "unreadable size"]));
    cases.extend([
        case(
            "a name climbing out with ..",
            python_tar("USTAR_FORMAT", "add('ok', b'1')\nadd('../../etc/cron.d/evil', b'* * * * * root sh')"),
            &["byte 1024", "\"../../etc/cron.d/evil\"", "contains '..'"],
        ),
        case(
            "an absolute name",
            python_tar("USTAR_FORMAT", "add('/etc/shadow', b'root::0:0')"),
            &["byte 0", "\"/etc/shadow\"", "is absolute"],
        ),
        case(
            "a NUL inside a PAX path",
            python_tar("PAX_FORMAT", "add('innocent', b'1', pax={'path': 'safe\\x00/../../x'})"),
            &["byte 0", "\\0", "contains a NUL byte"],
        ),
        case(
            "'..' in a GNU long name",
            python_tar("GNU_FORMAT", &format!("add('{}/../../../../etc/x', b'1')", "a".repeat(110))),
            &["byte 0", "contains '..'"],
        ),
        case(
            "'..' in a PAX path under an innocent ustar name",
            python_tar(
                "PAX_FORMAT",
                "add('innocent', b'1', pax={'path': 'x/../../../../root/.ssh/authorized_keys'})",
            ),
            &["byte 0", "root/.ssh", "contains '..'"],
        ),
        case(
            "a hard link leaving the layer",
            python_tar("USTAR_FORMAT", "add('a', b'1')\nadd('b', kind=LNKTYPE, link='../../etc/shadow')"),
            &["hard link at byte 1024", "\"../../etc/shadow\"", "contains '..'"],
        ),
        case(
            "a hard link to an absolute path",
            python_tar("USTAR_FORMAT", "add('b', kind=LNKTYPE, link='/etc/shadow')"),
            &["hard link at byte 0", "is absolute"],
        ),
        case(
            "a name that is not UTF-8, shown escaped",
            python_tar("USTAR_FORMAT", "add('bad\\udcff\\x1b[2J', b'1')"),
            &["byte 0", "\"bad\\xff\\x1b[2J\"", "not valid UTF-8"],
        ),
        case(
            "a whiteout of '..'",
            python_tar("USTAR_FORMAT", "add('etc/.wh...', b'')"),
            &["byte 0", "\"etc/.wh...\"", "contains '..'"],
        ),
        case(
            "a PAX header over the limit",
            python_tar("PAX_FORMAT", "add('f', b'1', pax={'comment': 'x' * 100000})"),
            &["PAX header at byte 0", "over the 65536-byte limit"],
        ),
        case(
            "a GNU long name over the limit",
            python_tar("GNU_FORMAT", &format!("add('{}', b'1')", "n/".repeat(3000))),
            &["GNU long name at byte 0", "over the 4097-byte limit"],
        ),
        case("noise instead of a tar", (0..5000u32).map(|i| (i * 7919 % 253) as u8).collect(), &["byte 0"]),
    ]);
    // A PAX record whose length runs past its body.
    let mut pax = python_tar("PAX_FORMAT", "add('f', b'1', pax={'comment': 'hello'})");
    let record = pax.windows(9).position(|w| w == b" comment=").expect("the record") - 2;
    pax[record..record + 2].copy_from_slice(b"99");
    cases.push(case("a PAX record longer than its header", pax, &["PAX header at byte 0", "malformed"]));
    // Extension headers whose entry never comes.
    let orphan = python_tar("PAX_FORMAT", "add('f', b'1', pax={'comment': 'hello'})");
    cases.push(case(
        "a PAX header and then nothing",
        orphan[..1024].to_vec(),
        &["byte 0", "belongs to no entry"],
    ));
    cases
}

#[test]
fn every_hostile_tar_is_a_clear_error() {
    let cases = cases();
    assert!(cases.len() >= 10);
    for case in &cases {
        for layer in [case.layer.clone(), gzip(&case.layer), zstd(&case.layer)] {
            for chunk in [1, 7, 512, 4096, layer.len()] {
                let result = read(&layer, chunk, ReadOptions { hash_files: true, capture: Some(0) });
                let error = match result {
                    Ok(read) => panic!("{}: read {} entries, wanted an error", case.name, read.entries.len()),
                    Err(e) => e.to_string(),
                };
                for piece in &case.says {
                    assert!(
                        error.contains(piece.as_str()),
                        "{} (chunk {chunk}): {error:?} lacks {piece:?}",
                        case.name
                    );
                }
            }
        }
    }
}

/// The same cases with nothing of them listed before the bad entry was reached wrongly: a name
/// refused is never handed to the caller as an entry.
#[test]
fn a_refused_name_is_never_emitted() {
    for case in cases() {
        let mut reader = waybill_core::layers::LayerReader::new(ReadOptions::default());
        let mut seen = Vec::new();
        let mut visit = |event: waybill_core::layers::Event<'_>| {
            if let waybill_core::layers::Event::Entry(e) = event {
                seen.push(e.path.clone());
            }
            std::ops::ControlFlow::Continue(())
        };
        let pushed = reader.push(&case.layer, &mut visit);
        if pushed.is_ok() {
            let _ = reader.finish(&mut visit, None);
        }
        for path in seen {
            assert!(
                !path.starts_with('/') && !path.split('/').any(|s| s == "..") && !path.contains('\0'),
                "{}: emitted {path:?}",
                case.name
            );
        }
    }
}
