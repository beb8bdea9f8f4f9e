#!/usr/bin/env bash
# The whole test suite, from a fresh machine: lints, then every test of every crate.
# Installs what tests need beyond cargo: Chromium + ChromeDriver from apt when missing.
# The SDK compatibility tests install the pinned official SDKs into target/ themselves (first
# run only) and fail, not skip, when they cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

# The example app's browser tests drive Debian's Chromium through ChromeDriver.
if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
    echo "== installing chromium + chromium-driver (browser tests)"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

echo "== clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
# insta: under CI=true a changed snapshot fails and nothing is written.
mkdir -p target
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
set -e

passed=$(grep -Eo '^test result: .*' target/test-output.log | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .*' target/test-output.log | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo
echo "workspace: ${passed} passed, ${failed} failed"
exit "$status"
