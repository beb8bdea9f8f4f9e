#!/usr/bin/env bash
# RUSTC_WORKSPACE_WRAPPER for tests/run-all.sh: our own crates are compiled by clippy-driver
# during the test build (one build serves clippy and the tests), with CLIPPY_ARGS from the
# caller. Crates that trybuild generates for the compile-fail cases (under target/tests/trybuild/,
# built by a nested cargo that inherits this variable) go to plain rustc: clippy-driver prints
# type paths differently, and the cases' .stderr files pin rustc's own messages.
# Cargo calls this as: clippy-wrapper.sh <path to rustc> <rustc arguments...>
case "${CARGO_MANIFEST_DIR:-}" in
    */tests/trybuild/*) exec "$@" ;;
esac
exec clippy-driver "$@"
