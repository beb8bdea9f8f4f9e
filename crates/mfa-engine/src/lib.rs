//! mfa-engine (being written).
