//! Integration tests of racecraft-store. Store and writer checks run against SQLite (a temporary file) and
//! PostgreSQL (a database of their own on the shared server, see racecraft-testkit) through the same code.

mod accounts;
mod common;
mod disk_full;
mod spool;
mod store;
mod writer;
