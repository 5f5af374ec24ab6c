#!/usr/bin/env bash
# End-to-end benchmark of bankinfra against fresh local emulators (issue 7): cold apply, no-op
# plan, drift plan and destroy of the 142-resource stack, with request counts, the emulator's
# lower bound and Terraform's figures side by side. See scripts/bench.py for what is measured.
#   scripts/bench.sh [--runs N] [--json-out FILE] [bench.py options...]
#   scripts/bench.sh --terraform [--terraform-runs N]   also measure Terraform on the same stack
#     (bench/terraform/, scripts/bench_terraform.py; needs terraform and the provider mirror
#     /opt/tf-plugins); without it the Terraform column holds issue 7's quoted figures.
#   scripts/bench.sh --aws-like SEED [--aws-like-profile FILE]   every emulator (bankinfra's and
#     Terraform's) in the AWS-like mode (emulator/aws_like/); its throttle limits and latencies
#     become lower bounds too.
# The binary is the dev-profile build ($CARGO_TARGET_DIR/debug/bankinfra): a release build of the
# AWS SDK crates takes 30+ minutes here, so the figures are for an unoptimised binary.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BANKINFRA_ROOT"

ensure_emulator
echo "==> building bankinfra (dev profile)"
cargo build --quiet --bin bankinfra
exec "$BANKINFRA_PYTHON" scripts/bench.py --binary "$CARGO_TARGET_DIR/debug/bankinfra" "$@"
