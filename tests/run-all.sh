#!/usr/bin/env bash
# The whole test suite, from a fresh machine: formatting, lints, then every test of every crate.
# Installs what tests need beyond cargo: Chromium + ChromeDriver from apt when missing.
# The SDK compatibility tests install the pinned official SDKs into target/ themselves (first
# run only) and fail, not skip, when they cannot.
#
# Prints how long each phase took, and each test binary, at the end (also in
# target/test-phases.txt), so the slow parts are visible in every run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target

phases=target/test-phases.txt
: >"$phases"
# phase NAME COMMAND...: run COMMAND, record its wall time under NAME; stops the run on failure.
phase() {
    local name=$1 start
    shift
    echo "== $name"
    start=$(date +%s%N)
    "$@"
    record "$name" "$start"
}
# record NAME START_NS: append NAME and the seconds since START_NS to the phase table.
record() {
    awk -v n="$1" -v s="$2" -v e="$(date +%s%N)" 'BEGIN { printf "%-52s %8.1f s\n", n, (e - s) / 1e9 }' >>"$phases"
}

install_browser() {
    # The example app's browser tests drive Debian's Chromium through ChromeDriver.
    if command -v chromedriver >/dev/null && command -v chromium >/dev/null; then
        echo "chromium and chromedriver present"
        return
    fi
    echo "installing chromium + chromium-driver (browser tests)"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
}

# Every test binary's own time, read from libtest's "finished in" lines of the test log.
per_binary_times() {
    awk '
        /^ *Running / { name = $2; if ($3 ~ /^\(/) { name = name " " $3 } }
        /^ *Doc-tests / { name = "doc-tests " $2 }
        /^test result:/ {
            for (i = 1; i <= NF; i++) if ($i == "in") { t = $(i + 1); sub(/s$/, "", t) }
            sub(/^\(target\/[^\/]+\/deps\//, "(", name)
            printf "  %-50s %8.1f s\n", name, t
        }
    ' "$1"
}

phase "fmt (cargo fmt --all --check)" cargo fmt --all --check
phase "browser packages (apt, when missing)" install_browser
phase "clippy (warnings are errors)" cargo clippy --workspace --all-targets --locked -- -D warnings
phase "build tests (cargo test --no-run)" cargo test --workspace --locked --no-run
phase "packages (wheel + npm tarball, user tests)" bash mock-stytch/test-packages.sh

# insta: .ci/run sets CI=true, under which a changed snapshot fails and nothing is written.
set +e
start=$(date +%s%N)
echo "== tests"
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
set -e
record "tests (all binaries)" "$start"
per_binary_times target/test-output.log >>"$phases"

passed=$(grep -Eo '^test result: .*' target/test-output.log | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .*' target/test-output.log | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo
echo "== phase times"
cat "$phases"
echo
echo "workspace: ${passed} passed, ${failed} failed"
exit "$status"
