//! Reading files that anyone may have handed us: a CI job checks whatever a pull request
//! contains, and ops load whatever bundle they are given. So only regular files are read
//! (a FIFO would block forever, `/dev/zero` never ends), the size limit is applied while
//! reading (never read-then-check), and a bundle's magic is checked before the rest is read.
//!
//! Both the compiler (sources, `csflow.toml`) and the binaries (bundles) read through here.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest source file (`.csflow`, `csflow.toml`) csflow reads: 64 MiB.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// The largest bundle csflow loads: 256 MiB (a 19 MB project of 100,000 states gives a
/// 24 MB bundle, so this leaves room for any project under the source limit).
pub const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

/// What a path is when it is not a regular file, in words for an error message.
pub fn describe_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// A size in bytes as people read it: `70,000,000 bytes (66.8 MiB)`.
pub fn describe_size(bytes: u64) -> String {
    let mut digits = bytes.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    let exact = format!("{digits}{grouped} bytes");
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        let tenths = (bytes * 10 + MIB / 2) / MIB;
        format!("{exact} ({}.{} MiB)", tenths / 10, tenths % 10)
    } else {
        exact
    }
}

/// Opens `path` for reading if it is a regular file (symbolic links followed). Anything else
/// is an error saying what the path is. On Unix the file is opened non-blocking, so a FIFO
/// that appears between the check and the open still cannot block; the opened handle is
/// checked again.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(not_regular(&before.file_type()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata.file_type()));
    }
    Ok((file, metadata.len()))
}

fn not_regular(file_type: &std::fs::FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}, not a regular file", describe_kind(file_type)),
    )
}

fn too_large(size: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "the file is {} or more; the limit is {}",
            describe_size(size),
            describe_size(limit)
        ),
    )
}

/// Reads a whole regular file of at most `limit` bytes. The limit holds while reading: a
/// file that grows past it is refused without reading more than `limit + 1` bytes.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, len) = open_regular(path)?;
    if len > limit {
        return Err(too_large(len, limit));
    }
    read_rest(file, Vec::with_capacity(len as usize), limit)
}

fn read_rest(file: File, mut bytes: Vec<u8>, limit: u64) -> io::Result<Vec<u8>> {
    let already = bytes.len() as u64;
    file.take(limit + 1 - already).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// Reads a source file (`.csflow`, `csflow.toml`): a regular file of at most
/// [`MAX_SOURCE_BYTES`].
pub fn read_source(path: &Path) -> io::Result<Vec<u8>> {
    read_limited(path, MAX_SOURCE_BYTES)
}

/// Reads a bundle file: a regular file that starts with the bundle magic (checked before
/// anything else is read) and is at most [`MAX_BUNDLE_BYTES`]. Verify it with
/// [`crate::Bundle::from_bytes`].
pub fn read_bundle(path: &Path) -> io::Result<Vec<u8>> {
    let (file, len) = open_regular(path)?;
    let mut magic = Vec::with_capacity(4);
    (&file).take(4).read_to_end(&mut magic)?;
    if magic.as_slice() != crate::bundle::MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            crate::LoadError::BadMagic.to_string(),
        ));
    }
    if len > MAX_BUNDLE_BYTES {
        return Err(too_large(len, MAX_BUNDLE_BYTES));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    bytes.extend_from_slice(&magic);
    read_rest(file, bytes, MAX_BUNDLE_BYTES)
}

/// Reads and verifies a bundle; the message names the file and what is wrong with it.
/// `csflow disasm`, `csflow run FILE.csfb` and `csflow-runtime` all load through this.
pub fn load_bundle(path: &Path) -> Result<crate::Bundle, String> {
    let bytes = read_bundle(path).map_err(|error| match error.kind() {
        io::ErrorKind::InvalidData => {
            format!("{} is not a valid csflow bundle: {error}", path.display())
        }
        _ => format!("cannot read {}: {error}", path.display()),
    })?;
    crate::Bundle::from_bytes(&bytes)
        .map_err(|error| format!("{} is not a valid csflow bundle: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_say_their_unit() {
        assert_eq!(describe_size(0), "0 bytes");
        assert_eq!(describe_size(999), "999 bytes");
        assert_eq!(describe_size(1_000), "1,000 bytes");
        assert_eq!(describe_size(70_000_000), "70,000,000 bytes (66.8 MiB)");
        assert_eq!(
            describe_size(MAX_SOURCE_BYTES),
            "67,108,864 bytes (64.0 MiB)"
        );
    }
}
