#!/usr/bin/env bash
# Fuzzes the JSON API with Schemathesis against its own OpenAPI document.
#
#   SATUPINTU_BIN=target/debug/satupintu e2e/schemathesis/run.sh [extra schemathesis run options]
#
# Starts the server on a free loopback port with a fresh data folder (SQLite, demo
# municipality), issues a citizen's and an officer's API tokens, runs `schemathesis run`
# and exits non-zero on any failure. Needs python3 (3.11+) and PyPI the first time.
# Reports go to ${CARGO_TARGET_DIR:-target}/schemathesis/.
#
# SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 50)
# SCHEMATHESIS_SEED          generation seed (default fixed, so runs repeat; "random" for none)
# SCHEMATHESIS_WORKERS       concurrent workers (default 1)
set -euo pipefail

# Bump deliberately: checks and generation change between releases.
SCHEMATHESIS_VERSION=4.32.5

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# Relative paths are taken from where the script is called, as cargo takes them.
target=$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")
bin=$(realpath -m "${SATUPINTU_BIN:-$target/debug/satupintu}")
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-50}
seed=${SCHEMATHESIS_SEED:-20261129}
workers=${SCHEMATHESIS_WORKERS:-1}
venv=$target/schemathesis-venv
out=$target/schemathesis

[[ -x $bin ]] || { echo "run.sh: no server binary at '$bin' (set SATUPINTU_BIN)" >&2; exit 2; }

# The venv is reused between runs; reinstall only when the pin changed.
if [[ $("$venv/bin/schemathesis" --version 2>/dev/null || true) != *" $SCHEMATHESIS_VERSION" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

rm -rf "$out"
mkdir -p "$out"
data=$(mktemp -d "${TMPDIR:-/tmp}/satupintu-schemathesis.XXXXXX")
server=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Asking the kernel for a free port leaves a short race; on loopback it is harmless.
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" >"$out/server.log" 2>&1 &
server=$!

# The first start migrates and imports the region table; /readyz says when that is done.
ready=false
for _ in $(seq 240); do
    if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "$base/readyz" 2>/dev/null; then
        ready=true
        break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
done
$ready || { echo "run.sh: the server did not get ready; see $out/server.log" >&2; exit 1; }

# Two citizen tokens: one for every operation, a spare for DELETE /api/v1/auth/token,
# which revokes the token it carries; and an officer's (see schemathesis.toml).
mapfile -t tokens < <("$venv/bin/python" "$here/token.py" --base-url "$base" --data-dir "$data" --count 2 citizen)
mapfile -t officer < <("$venv/bin/python" "$here/token.py" --base-url "$base" --data-dir "$data" \
    officer --satupintu "$bin")
[[ ${#tokens[@]} -eq 2 && ${#officer[@]} -eq 1 ]] || { echo "run.sh: could not issue API tokens" >&2; exit 1; }
export SATUPINTU_TOKEN=${tokens[0]} SATUPINTU_SPARE_TOKEN=${tokens[1]} SATUPINTU_OFFICER_TOKEN=${officer[0]}
export SCHEMATHESIS_HOOKS=$here/hooks.py
# Records for the fuzzing to reach; schemathesis.toml names their ids.
mapfile -t applications < <("$venv/bin/python" "$here/fixtures.py" --base-url "$base")
[[ ${applications[*]-} == "1 2" ]] || { echo "run.sh: fixtures made applications '${applications[*]-}', not 1 2" >&2; exit 1; }

seed_option=(--seed "$seed")
[[ $seed == random ]] && seed_option=()

command=(
    "$venv/bin/schemathesis" --no-color --config-file "$here/schemathesis.toml"
    run "$base/api/openapi.json"
    --max-examples "$max_examples" "${seed_option[@]}" --workers "$workers"
    --request-timeout 10
    --report junit --report-junit-path "$out/junit.xml" --report-dir "$out"
    "$@"
)
echo "run.sh: ${command[*]}" | tee "$out/command.txt"
status=0
"${command[@]}" 2>&1 | tee "$out/schemathesis.txt" || status=$?
echo "run.sh: schemathesis exited $status; reports in $out" >&2
exit "$status"
