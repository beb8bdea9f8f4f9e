//! Holds no code. Its tests (`tests/compile_fail/*.rs`, driven by `tests/compile_fail.rs`) show
//! that an illegal `mfa-engine` transition does not compile. It lives apart from `mfa-engine` so
//! that trybuild, which compiles every dev-dependency again in its own target directory, builds
//! only the engine and not the mock the engine's end-to-end tests use.
