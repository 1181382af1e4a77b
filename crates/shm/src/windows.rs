//! The Win32 calls, each wrapped once. This is the only module of Racecraft that needs `unsafe`.
#![allow(unsafe_code)]

use std::io;
use std::ptr::{self, NonNull};
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_FILE_NOT_FOUND, ERROR_INVALID_HANDLE, GetLastError, HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0,
    WAIT_TIMEOUT,
};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, FILE_MAP_READ, FILE_MAP_WRITE, MEMORY_BASIC_INFORMATION, MEMORY_MAPPED_VIEW_ADDRESS,
    MapViewOfFile, OpenFileMappingW, PAGE_READWRITE, UnmapViewOfFile, VirtualQuery,
};
use windows_sys::Win32::System::Threading::{
    CreateEventW, INFINITE, OpenEventW, SYNCHRONIZATION_SYNCHRONIZE, SetEvent, WaitForSingleObject,
};

/// `name` as a NUL-terminated UTF-16 string.
fn wide(name: &str) -> Vec<u16> {
    name.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A handle closed on drop.
#[derive(Debug)]
struct Handle(HANDLE);

impl Handle {
    /// The handle a call returned, `None` when it returned null or `INVALID_HANDLE_VALUE` (the cause is then in
    /// `GetLastError`).
    fn from_raw(raw: HANDLE) -> Option<Handle> {
        (!raw.is_null() && raw != INVALID_HANDLE_VALUE).then_some(Handle(raw))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle was returned open by the system and is closed exactly once, here.
        unsafe { CloseHandle(self.0) };
    }
}

// SAFETY: kernel handles may be used and closed from any thread.
unsafe impl Send for Handle {}
// SAFETY: every call made with a shared `&Handle` is thread-safe in Win32.
unsafe impl Sync for Handle {}

/// The last Win32 error after an open by name, `None` when it says no object has that name: Windows says
/// `ERROR_FILE_NOT_FOUND`, Wine 8 `ERROR_INVALID_HANDLE` (no handle was passed, so it can mean nothing else).
fn last_error_unless_missing() -> Option<io::Error> {
    // SAFETY: reads the calling thread's last-error value.
    let code = unsafe { GetLastError() };
    (code != ERROR_FILE_NOT_FOUND && code != ERROR_INVALID_HANDLE).then(|| io::Error::from_raw_os_error(code as i32))
}

/// A named file mapping and a view of its start, as a game shares its telemetry.
///
/// Another process may write the memory at any time. So the view is never exposed as a slice: [`Mapping::read`]
/// copies bytes out with volatile loads (the copy may be torn, which callers detect with the sequence counters
/// the games write), and [`Mapping::write`] copies bytes in.
#[derive(Debug)]
pub struct Mapping {
    view: NonNull<u8>,
    len: usize,
    writable: bool,
    _handle: Handle,
}

// SAFETY: the view stays mapped until drop and is only accessed through raw copies, which any thread may make.
unsafe impl Send for Mapping {}
// SAFETY: as above; concurrent copies are what the memory is for.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Opens the mapping called `name` (`Local\acpmf_physics`, say) read-only; `Ok(None)` when no process has
    /// created it (the game is not running). Its length is that of the view the system gives, a whole number of
    /// pages at least as long as the game's structure.
    pub fn open(name: &str) -> io::Result<Option<Mapping>> {
        let wide = wide(name);
        // SAFETY: `wide` is NUL-terminated and outlives the call.
        let raw = unsafe { OpenFileMappingW(FILE_MAP_READ, 0, wide.as_ptr()) };
        let Some(handle) = Handle::from_raw(raw) else {
            return last_error_unless_missing().map_or(Ok(None), Err);
        };
        // SAFETY: a valid mapping handle; 0 bytes maps the whole mapping.
        let view = unsafe { MapViewOfFile(handle.0, FILE_MAP_READ, 0, 0, 0) };
        let Some(base) = NonNull::new(view.Value.cast::<u8>()) else { return Err(io::Error::last_os_error()) };
        let mut info = MEMORY_BASIC_INFORMATION {
            BaseAddress: ptr::null_mut(),
            AllocationBase: ptr::null_mut(),
            AllocationProtect: 0,
            PartitionId: 0,
            RegionSize: 0,
            State: 0,
            Protect: 0,
            Type: 0,
        };
        // SAFETY: `base` is the start of a view just mapped; `info` is a writable structure of the size given.
        let written = unsafe { VirtualQuery(base.as_ptr().cast(), &mut info, size_of::<MEMORY_BASIC_INFORMATION>()) };
        let mapping = Mapping { view: base, len: info.RegionSize, writable: false, _handle: handle };
        if written == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Some(mapping))
    }

    /// Creates the mapping called `name`, `len` bytes of zeroes backed by the paging file, readable and writable,
    /// as a game does when it starts; a mapping of that name that already exists is opened instead (as by the
    /// game's own `CreateFileMapping`) and must be at least `len` bytes long.
    pub fn create(name: &str, len: usize) -> io::Result<Mapping> {
        let wide = wide(name);
        let size = len as u64;
        // SAFETY: `wide` is NUL-terminated and outlives the call; no security attributes.
        let raw = unsafe {
            CreateFileMappingW(
                INVALID_HANDLE_VALUE,
                ptr::null(),
                PAGE_READWRITE,
                (size >> 32) as u32,
                size as u32,
                wide.as_ptr(),
            )
        };
        let handle = Handle::from_raw(raw).ok_or_else(io::Error::last_os_error)?;
        // SAFETY: a valid mapping handle of at least `len` bytes.
        let view = unsafe { MapViewOfFile(handle.0, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, len) };
        let base = NonNull::new(view.Value.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        Ok(Mapping { view: base, len, writable: true, _handle: handle })
    }

    /// Length of the view in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the view is empty (never, for a mapping the system gave).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `out.len()` bytes starting at `offset` out of the mapping; `false` (and nothing copied) when that
    /// range is not inside the view.
    pub fn read(&self, offset: usize, out: &mut [u8]) -> bool {
        if offset.checked_add(out.len()).is_none_or(|end| end > self.len) {
            return false;
        }
        // SAFETY: the range was checked to lie inside the view, which stays mapped while `self` lives. Volatile
        // loads: the other process's writes must be read, not assumed unchanged since the last copy.
        unsafe {
            let src = self.view.as_ptr().add(offset);
            for (i, byte) in out.iter_mut().enumerate() {
                *byte = ptr::read_volatile(src.add(i));
            }
        }
        true
    }

    /// Copies `bytes` into the mapping at `offset`; `false` (and nothing written) when the mapping was opened
    /// read-only or the range is not inside the view.
    pub fn write(&self, offset: usize, bytes: &[u8]) -> bool {
        if !self.writable || offset.checked_add(bytes.len()).is_none_or(|end| end > self.len) {
            return false;
        }
        // SAFETY: the range was checked to lie inside a writable view, which stays mapped while `self` lives.
        unsafe {
            let dst = self.view.as_ptr().add(offset);
            for (i, byte) in bytes.iter().enumerate() {
                ptr::write_volatile(dst.add(i), *byte);
            }
        }
        true
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the view was mapped by this value and is unmapped exactly once, before its handle closes.
        unsafe { UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS { Value: self.view.as_ptr().cast() }) };
    }
}

/// A named event: a game signals it when new data is in its mapping, readers wait on it instead of polling.
#[derive(Debug)]
pub struct Event {
    handle: Handle,
}

impl Event {
    /// Opens the event called `name` to wait on; `Ok(None)` when no process has created it.
    pub fn open(name: &str) -> io::Result<Option<Event>> {
        let wide = wide(name);
        // SAFETY: `wide` is NUL-terminated and outlives the call.
        let raw = unsafe { OpenEventW(SYNCHRONIZATION_SYNCHRONIZE, 0, wide.as_ptr()) };
        match Handle::from_raw(raw) {
            Some(handle) => Ok(Some(Event { handle })),
            None => last_error_unless_missing().map_or(Ok(None), Err),
        }
    }

    /// Creates (or opens, when it exists) the auto-reset event called `name`, not signalled: each
    /// [`Event::signal`] wakes one waiter, or the next one to wait.
    pub fn create(name: &str) -> io::Result<Event> {
        let wide = wide(name);
        // SAFETY: `wide` is NUL-terminated and outlives the call; no security attributes.
        let raw = unsafe { CreateEventW(ptr::null(), 0, 0, wide.as_ptr()) };
        Handle::from_raw(raw).map(|handle| Event { handle }).ok_or_else(io::Error::last_os_error)
    }

    /// Signals the event.
    pub fn signal(&self) -> io::Result<()> {
        // SAFETY: a valid event handle.
        if unsafe { SetEvent(self.handle.0) } == 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// Waits until the event is signalled (`Ok(true)`) or `timeout` has passed (`Ok(false)`); `None` waits for
    /// ever.
    pub fn wait(&self, timeout: Option<Duration>) -> io::Result<bool> {
        let ms = timeout.map_or(INFINITE, |t| u32::try_from(t.as_millis()).unwrap_or(INFINITE - 1));
        // SAFETY: a valid event handle opened with SYNCHRONIZE access.
        match unsafe { WaitForSingleObject(self.handle.0, ms) } {
            WAIT_OBJECT_0 => Ok(true),
            WAIT_TIMEOUT => Ok(false),
            _ => Err(io::Error::last_os_error()),
        }
    }
}
