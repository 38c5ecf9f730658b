#!/usr/bin/env bash
# Fuzzes every target for a while (libFuzzer through cargo fuzz) and stops at the first
# finding. CI runs each for a short time; run longer by hand, e.g. `fuzz/run.sh 600`.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Findings are written under
# fuzz/artifacts/TARGET/; replay one with `cargo fuzz run TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${1:-30}"
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    TARGETS=(identity_numbers service_form service_definition open311_request ikm_csv photo_metadata)
fi
# The targets forbid unsafe code, so AddressSanitizer would find nothing coverage does not;
# without it the stable toolchain builds them (RUSTC_BOOTSTRAP admits libFuzzer's flags).
export RUSTC_BOOTSTRAP=1
TARGET_DIR="${CARGO_TARGET_DIR:-../target}/fuzz"

cargo fuzz build --sanitizer none --target-dir "$TARGET_DIR"
printf '%-20s %12s %8s\n' target runs seconds
for target in "${TARGETS[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    log=$(mktemp)
    if ! cargo fuzz run --sanitizer none --target-dir "$TARGET_DIR" "$target" "$corpus" "seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz target $target found a problem (see fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    printf '%-20s %12s %8s\n' "$target" "$runs" "$SECONDS_PER_TARGET"
    rm -f "$log"
done
