//! Shared helpers for the cross-crate test binaries live here.
