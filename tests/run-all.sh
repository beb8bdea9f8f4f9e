#!/usr/bin/env bash
# The whole test suite, from a fresh machine: formatting, lints, then every test of every crate.
# Installs what tests need beyond cargo: Chromium + ChromeDriver from apt when missing, and
# Debian's postgresql for a throwaway cluster (tests/postgres.sh) the engine's store tests use.
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
# record NAME START_NS [END_NS]: append NAME and the seconds from START_NS to END_NS (default:
# now) to the phase table.
record() {
    awk -v n="$1" -v s="$2" -v e="${3:-$(date +%s%N)}" 'BEGIN { printf "%-52s %8.1f s\n", n, (e - s) / 1e9 }' >>"$phases"
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

# bg NAME LOG COMMAND...: start COMMAND in the background with its output in LOG; `wait_bg` later
# waits for it, records its wall time under NAME and stops the run (printing LOG) on failure.
# For work that does not compete for the CPU with the build (apt), or that must not hold up the
# test binaries (the packages' own build and user tests).
declare -A bg_pid bg_log bg_start
bg() {
    local name=$1 log=$2
    shift 2
    echo "== $name (in the background, output in $log)"
    bg_start[$name]=$(date +%s%N)
    bg_log[$name]=$log
    # The job notes its own end, so its time is its own, not the time until it was waited for.
    { "$@" && date +%s%N >"$log.end"; } >"$log" 2>&1 &
    bg_pid[$name]=$!
}
wait_bg() {
    local name=$1
    if ! wait "${bg_pid[$name]}"; then
        echo "== $name FAILED; its output (${bg_log[$name]}):" >&2
        cat "${bg_log[$name]}" >&2
        return 1
    fi
    record "$name" "${bg_start[$name]}" "$(cat "${bg_log[$name]}.end")"
}

# Every test binary's own time, read from libtest's "finished in" lines of the test log.
per_binary_times() {
    # "Running unittests src/lib.rs (target/debug/deps/mock_stytch-0123abcd)" -> "mock_stytch: unittests src/lib.rs"
    awk '
        /^ *Running / {
            bin = $NF; sub(/^\(.*\//, "", bin); sub(/-[0-9a-f]+\)$/, "", bin)
            src = $2; if ($2 == "unittests") src = $2 " " $3
            name = bin ": " src
        }
        /^ *Doc-tests / { name = $2 ": doc-tests" }
        /^test result:/ {
            for (i = 1; i <= NF; i++) if ($i == "in") { t = $(i + 1); sub(/s$/, "", t) }
            printf "  %-50s %8.1f s\n", name, t
        }
    ' "$1"
}

# The engine's Postgres store cases need a server: a throwaway cluster under target/postgres
# (installed with apt when missing), stopped on exit, also when a phase fails.
start_postgres() {
    STYTCH_MFA_TEST_POSTGRES_URL=$(bash tests/postgres.sh start)
    export STYTCH_MFA_TEST_POSTGRES_URL
}
trap 'bash tests/postgres.sh stop' EXIT

# CI (.ci/run sets CI=true) builds once from a clean clone: incremental caches would only cost
# time and disk there. A developer's rerun keeps them (the warm rerun after a one-line change).
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

phase "fmt (cargo fmt --all --check)" cargo fmt --all --check
# Debian packages (Chromium for the browser tests, PostgreSQL for the engine's Postgres store)
# download and install while cargo builds: apt is I/O, the build is CPU. One apt at a time.
debian_packages() {
    install_browser
    bash tests/postgres.sh install
}
bg "Debian packages (apt, when missing; during the build)" target/apt.log debian_packages
# One build serves clippy and the tests: clippy-driver wraps rustc for the workspace's own crates
# (what `cargo clippy` does, but in a real build), so dependencies are compiled once instead of
# once for `cargo check` and once for the tests. --all-targets so benches are linted too.
# tests/clippy-wrapper.sh leaves trybuild's generated crates to plain rustc.
command -v clippy-driver >/dev/null || {
    echo "clippy-driver not found: install the clippy component (rustup component add clippy)" >&2
    exit 1
}
export RUSTC_WORKSPACE_WRAPPER="$PWD/tests/clippy-wrapper.sh"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
phase "build + clippy (warnings are errors)" cargo test --workspace --all-targets --locked --no-run
wait_bg "Debian packages (apt, when missing; during the build)"
phase "postgres (throwaway cluster under target/)" start_postgres
# The wheel and the npm tarball, installed as a user would, with their user tests: beside the
# test binaries, not before them (maturin's own build of the mock and the pip/npm installs
# overlap the tests' waits). maturin builds the mock alone (its own cargo invocation): not under
# the clippy wrapper.
bg "packages (wheel + npm tarball, user tests; beside the tests)" target/packages.log \
    env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS bash mock-stytch/test-packages.sh

# insta: .ci/run sets CI=true, under which a changed snapshot fails and nothing is written.
set +e
start=$(date +%s%N)
echo "== tests"
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
set -e
record "tests (all binaries)" "$start"
per_binary_times target/test-output.log >>"$phases"

packages_status=0
wait_bg "packages (wheel + npm tarball, user tests; beside the tests)" || packages_status=$?
tail -n 12 target/packages.log
if [ "$status" = 0 ]; then status=$packages_status; fi

passed=$(grep -Eo '^test result: .*' target/test-output.log | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .*' target/test-output.log | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo
echo "== phase times"
cat "$phases"
echo
echo "workspace: ${passed} passed, ${failed} failed"
exit "$status"
