#!/usr/bin/env bash
# bench/honeypot/nmap.sh: what `nmap -sV` identifies each Kyoka honeypot service as, on the
# services' standard ports, side by side with OpenCanary's default banners (the same sensor run
# with OpenCanary's settings.json banner values). nmap's probes expect the usual ports, so the
# sensor runs as root inside a private network namespace (only its loopback), where ports 21,
# 22, 23... are free whatever the host runs; nmap scans from inside the same namespace.
# Needs root, iproute2 and nmap. Results: bench/honeypot/nmap-out/<profile>.txt (and .xml).
#
#   sudo bench/honeypot/nmap.sh [kyoka|opencanary|both]   (default both)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WHICH=${1:-both}
NS=kyoka-nmap-$$
OUT=$ROOT/bench/honeypot/nmap-out
WORK=$(mktemp -d /tmp/kyoka-nmap-XXXXXX)
SENSOR_PID=
TCP=21,22,23,80,443,1433,3306,3389,5000,5900,6379,8001,8080,9418,27017
UDP=69,123,161,5060

cleanup() {
  if [ -n "$SENSOR_PID" ] && kill -0 "$SENSOR_PID" 2>/dev/null; then
    kill "$SENSOR_PID" 2>/dev/null || true
    wait "$SENSOR_PID" 2>/dev/null || true
  fi
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "nmap.sh: needs root (network namespace, ports below 1024)" >&2; exit 2; }
command -v nmap >/dev/null || { echo "nmap.sh: nmap missing (apt-get install -y nmap)" >&2; exit 2; }
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
mkdir -p "$OUT"

# $1 = profile name, $2 = extra JSON members (banner overrides)
write_conf() {
  cat >"$WORK/$1.conf" <<EOF
{
  "device.node_id": "nmap-$1",
  "device.listen_addr": "",
  "kyoka.state_dir": "$WORK/state-$1",
  $2
  "ftp.enabled": true, "ssh.enabled": true, "telnet.enabled": true, "http.enabled": true,
  "https.enabled": true, "httpproxy.enabled": true, "git.enabled": true, "rdp.enabled": true,
  "vnc.enabled": true, "mysql.enabled": true, "mssql.enabled": true, "mongodb.enabled": true,
  "redis.enabled": true, "ntp.enabled": true, "sip.enabled": true, "snmp.enabled": true,
  "tftp.enabled": true,
  "tcpbanner.enabled": true, "tcpbanner_1.enabled": true, "tcpbanner_1.port": 8001,
  "tcpbanner_1.initbanner": "Welcome to OpenCanary TCPBanner\\r\\n", "tcpbanner_1.datareceivedbanner": "OK\\r\\n",
  "logger": {"class": "PyLogger", "kwargs": {"formatters": {"plain": {"format": "%(message)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "filename": "$WORK/$1.log"}}}}
}
EOF
}

scan() {
  local name=$1
  ip netns exec "$NS" node "$ROOT/packages/cli/bin/kyoka.js" sensor --config "$WORK/$name.conf" --verbose \
    >/dev/null 2>"$WORK/$name.err" &
  SENSOR_PID=$!
  for _ in $(seq 1 120); do
    grep -q 'service(s) running' "$WORK/$name.err" 2>/dev/null && break
    kill -0 "$SENSOR_PID" 2>/dev/null || { cat "$WORK/$name.err" >&2; exit 1; }
    sleep 0.5
  done
  sed -n '1,40p' "$WORK/$name.err"
  echo "nmap.sh: scanning the $name profile (a few minutes: UDP version probes wait for timeouts)"
  ip netns exec "$NS" nmap -sV -sS -sU -T4 -Pn -p "T:$TCP,U:$UDP" --version-intensity 7 \
    -oN "$OUT/$name.txt" -oX "$OUT/$name.xml" 127.0.0.1 >/dev/null
  grep -E '^[0-9]+/(tcp|udp)' "$OUT/$name.txt"
  kill "$SENSOR_PID"
  wait "$SENSOR_PID" 2>/dev/null || true
  SENSOR_PID=
}

if [ "$WHICH" = kyoka ] || [ "$WHICH" = both ]; then
  # Kyoka's defaults: the debian12 personality fills every banner
  write_conf kyoka '"kyoka.personality": "debian12",'
  scan kyoka
fi
if [ "$WHICH" = opencanary ] || [ "$WHICH" = both ]; then
  # OpenCanary's settings.json banner values (its out-of-the-box fingerprint)
  write_conf opencanary '"ssh.version": "SSH-2.0-OpenSSH_5.1p1 Debian-4", "ftp.banner": "FTP server ready",
  "http.banner": "Apache/2.2.22 (Ubuntu)", "https.banner": "Apache/2.2.22 (Ubuntu)",
  "mysql.banner": "5.5.43-0ubuntu0.14.04.1", "redis.version": "3.0.5", "mssql.version": "2012",
  "mongodb.version": "4.4.6", "httpproxy.skin": "squid", "httpproxy.squid_version": "3.3.8", "telnet.banner": "",'
  scan opencanary
fi
