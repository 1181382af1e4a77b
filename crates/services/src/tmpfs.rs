//! A tmpfs to fill.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result, output_text};

/// A tmpfs of a given size: a disk to fill. Unmounted on `Drop` (lazily if a file on it is still open), so a
/// failing caller leaves no mount behind.
#[derive(Debug)]
pub struct Tmpfs {
    path: PathBuf,
    mounted: bool,
    /// The temporary mount point of [`Tmpfs::mount`]; last, so it is removed after the unmount.
    temp: Option<tempfile::TempDir>,
}

impl Tmpfs {
    /// The file [`Tmpfs::fill`] writes, in the root of the mount.
    pub const FILLER: &'static str = ".filler";

    /// Mounts a tmpfs of `size_bytes` on a new temporary directory, removed after the unmount.
    ///
    /// # Errors
    /// [`Error::Mount`] when `mount` fails (not root, no `CAP_SYS_ADMIN`, in a container without the right):
    /// the message says so, and a caller needing a full disk should fail with it, not skip.
    pub fn mount(size_bytes: u64) -> Result<Tmpfs> {
        let temp = tempfile::Builder::new()
            .prefix("racecraft-tmpfs-")
            .tempdir()
            .map_err(|source| Error::Io { source, path: std::env::temp_dir() })?;
        let mut tmpfs = Tmpfs::mount_at(temp.path(), size_bytes)?;
        tmpfs.temp = Some(temp);
        Ok(tmpfs)
    }

    /// Mounts a tmpfs of `size_bytes` on the existing directory `path` (left in place after the unmount).
    ///
    /// # Errors
    /// As [`Tmpfs::mount`].
    pub fn mount_at(path: &Path, size_bytes: u64) -> Result<Tmpfs> {
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_bytes}"), "tmpfs"])
            .arg(path)
            .output()
            .map_err(|source| Error::Spawn { program: "mount".to_owned(), source })?;
        if !output.status.success() {
            return Err(Error::Mount {
                status: output.status.to_string(),
                output: output_text(&output).trim().to_owned(),
                path: path.to_path_buf(),
            });
        }
        Ok(Tmpfs { path: path.to_path_buf(), mounted: true, temp: None })
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes [`Tmpfs::FILLER`] until the file system is full (`ENOSPC`); returns the bytes it took.
    pub fn fill(&self) -> Result<u64> {
        let path = self.path.join(Tmpfs::FILLER);
        let io = |source| Error::Io { source, path: path.clone() };
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
        let block = vec![0xa5u8; 1 << 20];
        let mut written = 0u64;
        // Big blocks first, then pages, so the last few kilobytes go too.
        for size in [1 << 20, 4096] {
            loop {
                match file.write(&block[..size]) {
                    Ok(0) => break,
                    Ok(n) => written += n as u64,
                    Err(e) if e.raw_os_error() == Some(28) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io(e)),
                }
            }
        }
        Ok(written)
    }

    /// Deletes the filler file: the space is free again.
    pub fn free(&self) -> Result<()> {
        let path = self.path.join(Tmpfs::FILLER);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::Io { source, path }),
        }
    }

    /// Unmounts now (what `Drop` does, with the error reported; no lazy unmount).
    pub fn unmount(mut self) -> Result<()> {
        self.unmount_inner(false)
    }

    fn unmount_inner(&mut self, lazy: bool) -> Result<()> {
        if !self.mounted {
            return Ok(());
        }
        let mut command = Command::new("umount");
        if lazy {
            // Files a process still holds open would keep a plain unmount busy.
            command.arg("-l");
        }
        let output =
            command.arg(&self.path).output().map_err(|source| Error::Spawn { program: "umount".to_owned(), source })?;
        if !output.status.success() {
            return Err(Error::Command {
                program: "umount".to_owned(),
                status: output.status.to_string(),
                output: output_text(&output),
            });
        }
        self.mounted = false;
        Ok(())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if self.unmount_inner(false).is_err()
            && let Err(e) = self.unmount_inner(true)
        {
            eprintln!("warning: cannot unmount the tmpfs: {e}: {}", self.path.display());
        }
    }
}
