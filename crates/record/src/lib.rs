//! The Racecraft recording format.
