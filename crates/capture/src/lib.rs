//! Game capture.
