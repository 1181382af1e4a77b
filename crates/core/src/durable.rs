//! Making a new or renamed file's directory entry durable.

use std::path::Path;

/// Syncs directory `dir`, so that the files created or renamed in it survive a power cut. On Unix a directory
/// entry is durable only once the directory itself is fsynced; on Windows, NTFS journals directory entries and a
/// directory cannot be opened as a file, so there is nothing to do.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
