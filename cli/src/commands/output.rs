//! Writing a command's output file (`build -o`, `graph -o`) without ever destroying what is
//! there by accident: a regular file (or a new path) is replaced — a bundle atomically (the
//! output is written to a temporary file beside it, then renamed over it, so a failed or
//! interrupted build leaves the old bundle whole and a reader never sees half of the new
//! one), a picture in place; a symbolic
//! link is followed and its target replaced (the link stays); a FIFO, a device or a socket is
//! written into (`-o /dev/stdout`, a pipe), a FIFO nobody reads being an error rather than a
//! hang; a read-only file is refused.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How a regular file is replaced.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Atomically, and on disk before the rename: a bundle, what a deployment loads.
    Atomically,
    /// Emptied and written in place: a picture, made again in a second. A new file beside
    /// the old one would need page cache for both at once — a gigabyte of JSON written
    /// beside the last one took seconds more of the kernel's time on this 2-core VM than
    /// writing over it (bench/README.md, issue 16 session 12).
    InPlace,
}

/// Writes the output `write` produces to `path`, as the module says.
pub fn write(
    path: &Path,
    replace: Replace,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(link) if link.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let metadata = match std::fs::metadata(&target) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return write_regular(&target, replace, write);
        }
        Err(error) => return Err(error),
    };
    if metadata.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    if metadata.is_file() {
        if metadata.permissions().readonly() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only; csflow does not replace it",
            ));
        }
        return write_regular(&target, replace, write);
    }
    write_into_special(&target, &metadata.file_type(), write)
}

/// Writes into a FIFO, a device or a socket. A FIFO is first opened without blocking, so a
/// FIFO nobody reads is an error instead of a hang.
#[cfg(unix)]
fn write_into_special(
    path: &Path,
    file_type: &std::fs::FileType,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    if !file_type.is_fifo() {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        write(&mut file)?;
        return file.flush();
    }
    // Opened without blocking (no reader: ENXIO at once), and written without blocking:
    // while the pipe is full, wait a moment for the reader.
    let fifo = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| match error.raw_os_error() {
            Some(libc::ENXIO) => {
                std::io::Error::other("it is a FIFO (named pipe) that nobody reads")
            }
            _ => error,
        })?;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, Patient(fifo));
    write(&mut out)?;
    out.flush()
}

#[cfg(not(unix))]
fn write_into_special(
    _path: &Path,
    _file_type: &std::fs::FileType,
    _write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    Err(std::io::Error::other("it is not a regular file"))
}

/// A non-blocking pipe written as if it blocked: a full pipe is waited on a millisecond at
/// a time.
struct Patient(std::fs::File);

impl Write for Patient {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        loop {
            match self.0.write(bytes) {
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                done => return done,
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A regular file (or a new path), replaced as `replace` says.
fn write_regular(
    path: &Path,
    replace: Replace,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match replace {
        Replace::Atomically => write_atomically(path, write),
        Replace::InPlace => write_in_place(path, write),
    }
}

/// Empties the regular file `path` (or makes it) and writes into it.
fn write_in_place(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    write(&mut file)?;
    file.flush()
}

/// Writes to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path`.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        write(&mut file)?;
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
