#!/usr/bin/env bash
# The local AWS emulator (moto, pinned, with the fixes in emulator/launch.py), over HTTPS with a
# certificate of a local CA ($BANKINFRA_TLS/ca.pem; clients trust it through SSL_CERT_FILE).
#   scripts/emulator.sh start [PORT]   start in the background (default 5000) and wait until ready
#   scripts/emulator.sh stop  [PORT]
#   scripts/emulator.sh status [PORT]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd="${1:-start}"
port="${2:-5000}"
pidfile="$BANKINFRA_CACHE/emulator-$port.pid"
logfile="$BANKINFRA_CACHE/emulator-$port.log"
url="https://127.0.0.1:$port"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
ready() {
  [ -f "$BANKINFRA_TLS/ca.pem" ] && python3 -c "import ssl,sys,urllib.request; urllib.request.urlopen(sys.argv[1]+'/moto-api/', timeout=1, context=ssl.create_default_context(cafile=sys.argv[2]))" "$url" "$BANKINFRA_TLS/ca.pem" 2>/dev/null
}

case "$cmd" in
  start)
    ensure_emulator
    if running && ready; then echo "emulator already running at $url"; exit 0; fi
    if ready; then echo "error: something else answers at $url; stop it or choose another port" >&2; exit 1; fi
    mkdir -p "$BANKINFRA_CACHE"
    nohup "$BANKINFRA_PYTHON" "$BANKINFRA_ROOT/emulator/launch.py" --port "$port" --tls-dir "$BANKINFRA_TLS" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 150); do
      if ready; then echo "emulator running at $url (log: $logfile)"; exit 0; fi
      sleep 0.1
    done
    echo "error: the emulator did not start; see $logfile" >&2; exit 1 ;;
  stop)
    if running; then kill "$(cat "$pidfile")"; rm -f "$pidfile"; echo "emulator at $url stopped"; else echo "emulator at $url is not running"; fi ;;
  status)
    if running && ready; then echo "running at $url"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status [PORT]" >&2; exit 2 ;;
esac
