//! Transparent huge pages (Linux): mimalloc asks the kernel for them on its
//! whole arena, so the first touch of every 2 MiB zeroes and holds a whole
//! huge page. An import (160 MiB written) gains from them: 30,000 fewer page
//! faults. Every other command touches a few MiB here and there and would
//! hold whole huge pages for them. `main` asks for none before anything is
//! allocated and lets `sync --from` have them again; the flag is inherited by
//! child processes, which get it cleared. Elsewhere than on Linux, nothing.

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
