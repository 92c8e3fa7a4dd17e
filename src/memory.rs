//! How the process takes memory: which allocator, and huge pages.
//!
//! mimalloc makes the commands that build and drop many small values on
//! several threads faster (an import by a fifth, `usage` by a tenth, `rank`
//! by 7%), but costs every other command 0.3 to 1.3 ms of CPU at start (its
//! arena, a fresh page per size class); glibc's allocator is cheaper for
//! them, and keeps the explorer's memory lower. So the allocator is chosen
//! per command, before the first allocation ([`choose`], called by `main`'s
//! ELF initializer on Linux with glibc; elsewhere mimalloc always).
//!
//! Transparent huge pages (Linux): mimalloc asks the kernel for them on its
//! whole arena, so the first touch of every 2 MiB zeroes and holds a whole
//! huge page. An import (160 MiB written) gains from them: 30,000 fewer page
//! faults; `usage` and `rank` only hold more memory. So no process has them
//! from its start but `sync --from`, once `main` has parsed its command line;
//! the flag is inherited by child processes, which get it cleared.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use mimalloc::MiMalloc;

/// The commands that take mimalloc. A word of the command line is enough:
/// a wrong guess (`--db usage`) costs time, never correctness.
const MIMALLOC_COMMANDS: [&[u8]; 3] = [b"sync", b"usage", b"rank"];

const UNCHOSEN: u8 = 0;
const SYSTEM: u8 = 1;
const MIMALLOC: u8 = 2;

/// The allocator in use: chosen once, before anything is allocated, and
/// never changed after (a block is freed by the allocator that made it).
/// Where nothing chooses before `main`, mimalloc.
static CHOSEN: AtomicU8 =
    AtomicU8::new(if cfg!(all(target_os = "linux", target_env = "gnu")) { UNCHOSEN } else { MIMALLOC });

/// Chooses the allocator from the command line's words, if nothing has been
/// allocated yet (else the system's stays), and asks for no huge pages.
/// For `main`'s ELF initializer, which glibc calls with the arguments.
pub fn choose<'a>(mut args: impl Iterator<Item = &'a [u8]>) {
    allow_huge_pages(false);
    let choice = if args.any(|a| MIMALLOC_COMMANDS.contains(&a)) { MIMALLOC } else { SYSTEM };
    let _ = CHOSEN.compare_exchange(UNCHOSEN, choice, Ordering::Relaxed, Ordering::Relaxed);
}

/// The global allocator: mimalloc or the system's, as [`choose`] decided.
pub struct PerCommand;

impl PerCommand {
    #[inline]
    fn mimalloc(&self) -> bool {
        match CHOSEN.load(Ordering::Relaxed) {
            MIMALLOC => true,
            SYSTEM => false,
            // Something allocates before any choice: the system's, for good.
            _ => {
                let _ = CHOSEN.compare_exchange(UNCHOSEN, SYSTEM, Ordering::Relaxed, Ordering::Relaxed);
                CHOSEN.load(Ordering::Relaxed) == MIMALLOC
            }
        }
    }
}

// SAFETY: every call goes to one allocator, the same for the whole life of the
// process (CHOSEN is set once, before the first allocation, and never after),
// so a block is always freed or grown by the allocator that made it.
unsafe impl GlobalAlloc for PerCommand {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.mimalloc() { unsafe { MiMalloc.alloc(layout) } } else { unsafe { System.alloc(layout) } }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if self.mimalloc() { unsafe { MiMalloc.alloc_zeroed(layout) } } else { unsafe { System.alloc_zeroed(layout) } }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.mimalloc() { unsafe { MiMalloc.dealloc(ptr, layout) } } else { unsafe { System.dealloc(ptr, layout) } }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.mimalloc() {
            unsafe { MiMalloc.realloc(ptr, layout, new_size) }
        } else {
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }
}

/// From now on, lets this process have transparent huge pages (`true`) or
/// asks the kernel for none (`false`). Advice: a kernel that refuses
/// (without THP, or before 3.15) changes nothing else. One system call,
/// nothing allocated: safe between `fork` and `exec`.
pub fn allow_huge_pages(allowed: bool) {
    #[cfg(target_os = "linux")]
    {
        let (disable, unused) = (libc::c_ulong::from(!allowed), 0 as libc::c_ulong);
        // SAFETY: PR_SET_THP_DISABLE takes no pointer; it only sets a flag of this process.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, disable, unused, unused, unused) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = allowed;
}

/// Lets the child `command` starts have huge pages whatever this process
/// asked for itself (a browser opened by `serve --open` runs for hours).
pub fn child_may_have_huge_pages(command: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the hook runs in the child between fork and exec; it makes
        // one system call and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                allow_huge_pages(true);
                Ok(())
            })
        };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}
