//! The peak memory of one `waybill` run: its own, as the kernel counts it.
//!
//! Not the `ru_maxrss` that `wait4` returns: a child forked from the test process starts with a
//! copy of the test's resident pages, and exec records that copy's size as the child's peak, so
//! a test that had just built a 17 MiB archive saw waybill "peak" at 36 MiB where it used 12.
//! Instead the child is traced (ptrace) only to be stopped as it exits, while its memory still
//! exists, and `VmHWM` is read from `/proc/<pid>/status`: the high-water mark of the address
//! space exec gave it, waybill's own.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::process::Stdio;

use super::{Run, waybill_command};

/// ptrace's variadic `addr` and `data`, passed as the pointers glibc reads them as.
const NONE: *mut libc::c_void = std::ptr::null_mut();

/// Runs `waybill` with `args` and returns what it did and its peak resident set size in bytes.
pub fn waybill_peak_rss(args: &[&str]) -> (Run, u64) {
    // A regression must fail its test, not take the memory of a machine others share: past 4 GiB
    // of address space waybill's allocations fail and it aborts (a verify maps about 16 MiB).
    const ADDRESS_SPACE: libc::rlim_t = 4 << 30;
    let mut command = waybill_command(args, &[]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    // SAFETY: the hook runs in the child between fork and exec and makes two system calls,
    // which are async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: ADDRESS_SPACE, rlim_max: ADDRESS_SPACE };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The child stops with SIGTRAP once exec succeeds, until the parent lets it go on.
            match libc::ptrace(libc::PTRACE_TRACEME, 0, NONE, NONE) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    #[allow(clippy::zombie_processes, reason = "reaped by wait4 below, which std's wait cannot replace")]
    let mut child = command.spawn().expect("run waybill");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).expect("read waybill's output");
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let (status, peak) = trace_to_exit(pid);
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let run = Run {
        code,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    (run, peak)
}

/// Lets the traced child `pid` run to its end; returns its wait status and its `VmHWM` in bytes,
/// read when it stopped at its exit. Signals it receives are passed on.
fn trace_to_exit(pid: libc::pid_t) -> (libc::c_int, u64) {
    let mut status = 0;
    // SAFETY: waitpid and ptrace on our own child, whose pid `child` never waits for again, so
    // it is not reused under us; the pointers outlive the calls.
    unsafe {
        let waited = libc::waitpid(pid, &mut status, 0);
        assert!(
            waited == pid && libc::WIFSTOPPED(status),
            "waybill did not stop at exec: status {status:#x}"
        );
        let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
        assert_eq!(
            libc::ptrace(libc::PTRACE_SETOPTIONS, pid, NONE, options as usize as *mut libc::c_void),
            0,
            "PTRACE_SETOPTIONS"
        );
        let (mut signal, mut peak) = (0, None);
        loop {
            // ESRCH: it was killed meanwhile; the wait reports how.
            libc::ptrace(libc::PTRACE_CONT, pid, NONE, signal as usize as *mut libc::c_void);
            assert_eq!(
                libc::waitpid(pid, &mut status, 0),
                pid,
                "waitpid: {}",
                std::io::Error::last_os_error()
            );
            if !libc::WIFSTOPPED(status) {
                let peak = peak.expect("waybill ended without the exit stop, so its peak is unknown");
                return (status, peak);
            }
            signal = 0;
            if status >> 8 == libc::SIGTRAP | libc::PTRACE_EVENT_EXIT << 8 {
                peak = Some(vm_hwm(pid));
            } else {
                signal = libc::WSTOPSIG(status);
            }
        }
    }
}

/// `VmHWM` of a live process, in bytes.
fn vm_hwm(pid: libc::pid_t) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/<pid>/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/<pid>/status");
    let kib: u64 =
        line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().expect("VmHWM");
    kib * 1024
}
