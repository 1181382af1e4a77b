//! Reads and writes at an offset of a file, on every platform: Unix's `pread`/`pwrite`, Windows's
//! `ReadFile`/`WriteFile` with an offset. The shared-memory page files and iRacing's memory file are read and
//! written this way, so that a reader and the game never share a cursor.

use std::fs::File;
use std::io;

/// Fills `buf` from `offset` of `file`; a file that ends first is `UnexpectedEof`.
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match file.seek_read(buf, offset) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Writes all of `buf` at `offset` of `file`, growing it if needed.
pub fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match file.seek_write(buf, offset) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    buf = &buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_at_offsets_and_a_short_file_is_eof() {
        let mut path = std::env::temp_dir();
        path.push(format!("racecraft-positional-{}", std::process::id()));
        let file = File::options().read(true).write(true).create(true).truncate(true).open(&path).expect("open");
        write_all_at(&file, b"world", 6).expect("write");
        write_all_at(&file, b"hello ", 0).expect("write");
        let mut buf = [0; 5];
        read_exact_at(&file, &mut buf, 6).expect("read");
        assert_eq!(&buf, b"world");
        read_exact_at(&file, &mut buf, 0).expect("read");
        assert_eq!(&buf, b"hello");
        let err = read_exact_at(&file, &mut buf, 8).expect_err("past the end");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        drop(file);
        std::fs::remove_file(&path).expect("remove");
    }
}
