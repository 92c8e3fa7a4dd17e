//! Writing a command's output to the file the user named (`--output PATH`)
//! without destroying what the name points at.
//!
//! - A regular file (or a new one) is replaced atomically: written to a
//!   temporary file beside it, then renamed into place, keeping the old file's
//!   permissions (and, on Unix, its owner where allowed). A failed write leaves
//!   the old file as it was.
//! - A symbolic link is followed: its target is replaced, the link stays.
//! - A file with other hard links is written through in place (after the whole
//!   output was made), so every name still shows the same file.
//! - A device, a FIFO, a socket, or a path under `/dev` or `/proc` (such as
//!   `/dev/stdout` or `/dev/null`) is written through as it is.
//! - A folder is an error.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::error::UserError;

/// How a path is written.
#[derive(Debug)]
enum Target {
    /// Replace atomically (the file may not exist yet).
    Replace { path: PathBuf, old: Option<Metadata> },
    /// Copy the finished output into the file (other hard links see it).
    Rewrite { path: PathBuf },
    /// Stream straight into it (devices, FIFOs, `/dev/stdout`).
    Stream { path: PathBuf },
}

/// Writes what `write` produces to `path`, as the module says.
pub fn write_to(path: &Path, write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let shown = path.display();
    match target(path)? {
        Target::Stream { path } => {
            let file = OpenOptions::new().write(true).open(&path).with_context(|| format!("cannot write {shown}"))?;
            let mut out = BufWriter::new(file);
            write(&mut out)?;
            out.flush().with_context(|| format!("cannot write {shown}"))?;
        }
        Target::Rewrite { path } => {
            let dir = tempfile::tempdir().context("cannot make a temporary file")?;
            let made = dir.path().join("output");
            replace(&made, None, write)?;
            let mut from = File::open(&made)?;
            let mut to = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&path)
                .with_context(|| format!("cannot write {shown}"))?;
            std::io::copy(&mut from, &mut to).with_context(|| format!("cannot write {shown}"))?;
            to.sync_all().with_context(|| format!("cannot write {shown}"))?;
        }
        Target::Replace { path, old } => replace(&path, old.as_ref(), write)?,
    }
    Ok(())
}

/// What `path` is, after following symbolic links.
fn target(path: &Path) -> anyhow::Result<Target> {
    let resolved = follow_links(path)?;
    if through_system_folder(path) || through_system_folder(&resolved) {
        return Ok(Target::Stream { path: path.to_owned() });
    }
    let meta = match std::fs::metadata(&resolved) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Target::Replace { path: resolved, old: None });
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot write {}", path.display()))),
    };
    if meta.is_dir() {
        return Err(UserError::usage(format!("cannot write {}: it is a folder", path.display()))
            .hint("give the name of a file, or remove the folder")
            .into());
    }
    if !meta.is_file() {
        return Ok(Target::Stream { path: resolved });
    }
    if hard_links(&meta) > 1 {
        return Ok(Target::Rewrite { path: resolved });
    }
    Ok(Target::Replace { path: resolved, old: Some(meta) })
}

/// The path a chain of symbolic links ends at (the path itself when it is
/// not a link); a dangling link gives the path it points to.
fn follow_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                let base = current.parent().unwrap_or(Path::new(""));
                current = base.join(link);
            }
            _ => return Ok(current),
        }
    }
    Err(UserError::new(format!("cannot write {}: too many symbolic links", path.display())).into())
}

/// `/dev/...` and `/proc/...`: names the system gives to streams, never replaced.
fn through_system_folder(path: &Path) -> bool {
    cfg!(unix) && (path.starts_with("/dev") || path.starts_with("/proc"))
}

#[cfg(unix)]
fn hard_links(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn hard_links(_: &Metadata) -> u64 {
    1
}

/// Writes `path` through a temporary file beside it, renamed into place only
/// when everything was written: a failed write leaves no half file.
fn replace(
    path: &Path,
    old: Option<&Metadata>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    stage(path, old, write)?.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The whole of `write` in a temporary file beside `path`, with the old
/// file's permissions, on disk, ready to be renamed into place.
fn stage(
    path: &Path,
    old: Option<&Metadata>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<tempfile::NamedTempFile> {
    let shown = path.display();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(UserError::new(format!("cannot write {shown}: there is no folder {}", dir.display())).into());
    }
    // The error's kind alone: tempfile's message names its random file.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::Error::new(std::io::Error::from(e.kind())).context(format!("cannot write {shown}")))?;
    {
        let mut out = BufWriter::new(tmp.as_file_mut());
        write(&mut out)?;
        out.flush().with_context(|| format!("cannot write {shown}"))?;
    }
    keep_permissions(tmp.as_file(), old).with_context(|| format!("cannot write {shown}"))?;
    tmp.as_file().sync_all().with_context(|| format!("cannot write {shown}"))?;
    Ok(tmp)
}

/// What writes one file of a set.
pub type Writer<'a> = Box<dyn FnOnce(&mut dyn Write) -> anyhow::Result<()> + 'a>;

/// Writes files that belong together (the price book's two tables): every
/// one is written whole to a temporary file first, and only then are they
/// renamed into place, one after the other; a failure in any writing leaves
/// every old file as it was. Each path must be a regular file, or new.
pub fn write_together(files: Vec<(PathBuf, Writer<'_>)>) -> anyhow::Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, write) in files {
        let Target::Replace { path: resolved, old } = target(&path)? else {
            let message = format!("cannot write {}: it is not a regular file", path.display());
            return Err(UserError::new(message).hint("write to a folder of regular files").into());
        };
        staged.push((stage(&resolved, old.as_ref(), write)?, resolved));
    }
    for (tmp, path) in staged {
        tmp.persist(&path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Gives the new file the old one's permissions and owner (a new file:
/// readable by all, writable by its owner).
#[cfg(unix)]
fn keep_permissions(file: &File, old: Option<&Metadata>) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = old.map_or(0o644, |m| m.mode() & 0o7777);
    if let Some(m) = old {
        // Only root may give a file away; for anyone else this is a no-op or refused.
        let _ = std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid()));
    }
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn keep_permissions(file: &File, old: Option<&Metadata>) -> std::io::Result<()> {
    match old {
        Some(m) => file.set_permissions(m.permissions()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &'static str) -> anyhow::Result<()> {
        write_to(path, move |out| Ok(out.write_all(text.as_bytes())?))
    }

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let result = write_to(&path, |out| {
            out.write_all(b"half")?;
            anyhow::bail!("the disk is full")
        });
        assert!(result.is_err());
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary file is left either");
        write(&path, "whole").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), "x").unwrap_err();
        assert!(err.to_string().ends_with("it is a folder"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn files_keep_their_mode_links_their_targets_and_hard_links_their_twins() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mode.csv");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&file, "new").unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");

        let target = dir.path().join("target.csv");
        let link = dir.path().join("link.csv");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink("target.csv", &link).unwrap();
        write(&link, "through the link").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still a link");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "through the link");

        let one = dir.path().join("one.csv");
        let twin = dir.path().join("twin.csv");
        std::fs::write(&one, "old").unwrap();
        std::fs::hard_link(&one, &twin).unwrap();
        write(&one, "both names").unwrap();
        assert_eq!(std::fs::read_to_string(&twin).unwrap(), "both names");
        assert_eq!(std::fs::metadata(&one).unwrap().ino(), std::fs::metadata(&twin).unwrap().ino());

        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("created.csv", &dangling).unwrap();
        write(&dangling, "made").unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("created.csv")).unwrap(), "made");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_written_through() {
        use std::os::unix::fs::FileTypeExt;
        write(Path::new("/dev/null"), "nothing").unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());

        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write(&fifo, "through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
    }
}
