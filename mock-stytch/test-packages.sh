#!/usr/bin/env bash
# Build the Python wheel and the npm tarball of mock-stytch, install each into a fresh
# throwaway environment under target/packages/, and run a user's test in each: the pytest file
# python/user-test/ with only the wheel's fixtures, and the node:test files in npm/user-test/
# with only the package's API. Both drive the official SDKs (the compatibility suite's pins:
# tests/sdk/python/requirements.txt, tests/sdk/node/package-lock.json) through the seed guide's
# required SMS enrollment and a TOTP step-up, and once over TLS (custom_base_url).
#
# The binary is built with the `wheel-test` profile (root Cargo.toml: unoptimised but for the
# crates a test run notices) because it shares nothing with the test build anyway; a user's
# wheel is `maturin build --release`.
# Tools: maturin (pinned below) in target/packages/tools, installed on first run.
# Prints each step's time; the last lines are the numbers the README quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/packages
mkdir -p "$out"
MATURIN_VERSION=1.16.0
PYTHON=${PYTHON:-python3}

step_start=0
step() { step_start=$(date +%s%N); echo "-- $*"; }
took() { awk -v s="$step_start" -v e="$(date +%s%N)" -v n="$1" 'BEGIN { printf "   %-44s %6.1f s\n", n, (e - s) / 1e9 }' | tee -a "$out/times.txt"; }
: >"$out/times.txt"

step "maturin $MATURIN_VERSION (target/packages/tools, first run only)"
if ! "$out/tools/bin/maturin" --version 2>/dev/null | grep -qx "maturin $MATURIN_VERSION"; then
    rm -rf "$out/tools"
    "$PYTHON" -m venv "$out/tools"
    "$out/tools/bin/pip" install -q --disable-pip-version-check "maturin==$MATURIN_VERSION"
fi
took "maturin ready"

step "wheel (maturin build --profile wheel-test)"
rm -rf "$out/wheels" && mkdir -p "$out/wheels"
(cd mock-stytch/python && "$out/tools/bin/maturin" build --quiet --profile wheel-test --locked --out "$out/wheels")
wheel=$(ls "$out"/wheels/mock_stytch-*.whl)
took "wheel built"

step "npm tarball (the wheel's binary + npm/)"
stage=$out/npm-stage
rm -rf "$stage" && mkdir -p "$stage/bin"
cp mock-stytch/npm/package.json mock-stytch/npm/index.js mock-stytch/npm/index.d.ts mock-stytch/npm/README.md "$stage/"
"$PYTHON" - "$wheel" "$stage/bin/mock-stytch" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    [name] = [n for n in z.namelist() if n.endswith(".data/scripts/mock-stytch")]
    open(sys.argv[2], "wb").write(z.read(name))
PY
chmod 755 "$stage/bin/mock-stytch"
rm -f "$out"/mock-stytch-*.tgz
(cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
tarball=$(ls "$out"/mock-stytch-*.tgz)
took "tarball packed"

step "python: fresh venv, pip install the wheel + pytest + the pinned SDK, run the user test"
venv=$out/py-user
rm -rf "$venv" "$out/py-project"
# --without-pip + the tools venv's pip (`--python`): skips bootstrapping pip into every fresh venv.
"$PYTHON" -m venv --without-pip "$venv"
mkdir -p "$out/py-project" && cp mock-stytch/python/user-test/test_*.py mock-stytch/python/tests/test_*.py "$out/py-project/"
pip_start=$(date +%s%N)
"$out/tools/bin/pip" --python "$venv/bin/python" install -q --disable-pip-version-check --no-input "$wheel" \
    -r mock-stytch/python/user-test/requirements.txt -r tests/sdk/python/requirements.txt
# `pip install` put the binary on the venv's PATH.
"$venv/bin/mock-stytch" --version
# The project folder holds only the test file: pytest finds the fixtures through the wheel's
# pytest11 entry point, the binary through the wheel's scripts.
(cd "$out/py-project" && PATH=/usr/bin:/bin "$venv/bin/python" -m pytest -q -p no:cacheprovider)
awk -v s="$pip_start" -v e="$(date +%s%N)" 'BEGIN { printf "   %-44s %6.1f s\n", "pip install wheel -> user tests passed", (e - s) / 1e9 }' | tee -a "$out/times.txt"
took "python user test"

step "node: fresh project, npm ci the pinned SDK + install the tarball, run the user tests"
proj=$out/node-project
rm -rf "$proj" && mkdir -p "$proj"
cp tests/sdk/node/package.json tests/sdk/node/package-lock.json "$proj/"
cp mock-stytch/npm/user-test/*.mjs mock-stytch/npm/tests/*.mjs "$proj/"
npm_start=$(date +%s%N)
(cd "$proj" && npm ci --silent --no-audit --no-fund --ignore-scripts \
    && npm install --silent --no-save --no-audit --no-fund --ignore-scripts "$tarball" \
    && node --test mfa.test.mjs api.test.mjs && node tls-run.mjs)
awk -v s="$npm_start" -v e="$(date +%s%N)" 'BEGIN { printf "   %-44s %6.1f s\n", "npm install tarball -> user tests passed", (e - s) / 1e9 }' | tee -a "$out/times.txt"
took "node user tests"

echo "packages: $(basename "$wheel") $(du -h "$wheel" | cut -f1), $(basename "$tarball") $(du -h "$tarball" | cut -f1)"
