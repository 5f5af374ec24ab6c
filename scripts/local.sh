#!/usr/bin/env bash
# The main job on the local emulator: emulator up → plan → apply → plan (must show no changes)
# → verify (the acceptance table) → outputs. Safe to run again: a second run finds nothing to do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BANKINFRA_ROOT"

scripts/emulator.sh start 5000
# Stage local names its own region; a region from the caller's shell would be refused.
unset AWS_REGION AWS_DEFAULT_REGION
# The emulator speaks HTTPS, as AWS does: trust its local CA.
export SSL_CERT_FILE="$BANKINFRA_TLS/ca.pem"
# The organization's management account, for the tag-enforcement SCP (BANK_ORG_PROFILE).
export AWS_CONFIG_FILE="$BANKINFRA_CACHE/aws-config-local" BANK_ORG_PROFILE=bank-org
"$BANKINFRA_PYTHON" scripts/emulated-org.py https://127.0.0.1:5000 "$AWS_CONFIG_FILE"
echo "==> building bankinfra"
cargo build --quiet --bin bankinfra
bankinfra="$CARGO_TARGET_DIR/debug/bankinfra"

echo "==> bankinfra plan --stage local"
"$bankinfra" plan --stage local
echo "==> bankinfra apply --stage local --auto-approve"
"$bankinfra" apply --stage local --auto-approve
echo "==> bankinfra plan --stage local --detailed-exitcode (must report no changes)"
"$bankinfra" plan --stage local --detailed-exitcode
echo "==> bankinfra verify --stage local --probe (the design's acceptance table)"
"$bankinfra" verify --stage local --probe
echo "==> bankinfra outputs --stage local"
"$bankinfra" outputs --stage local
echo "==> done: stage local is applied and matches specs/ (stop the emulator with scripts/emulator.sh stop)"
