#!/usr/bin/env bash
# bench/ingest/crowdsec.sh: CrowdSec, the peer issue 2 names "for scale", on this machine. Replays
# N RFC 3164 sshd "Failed password" lines (as in /var/log/auth.log) through Debian's CrowdSec
# with its own hub's crowdsecurity/linux collection (syslog-logs, sshd-logs, dateparse-enrich;
# ssh-bf and ssh-slow-bf scenarios) and prints its CPU-seconds and lines per CPU-second. Its
# local API runs in the same process (alerts go there); nothing is sent off the machine.
#
#   # offline, Debian's post-install step would register with crowdsec.net, fail and leave dpkg
#   # half-configured (every later apt-get install then fails); a non-empty credentials file
#   # tells it to skip that registration:
#   mkdir -p /etc/crowdsec && echo '# no central API' > /etc/crowdsec/online_api_credentials.yaml
#   apt-get install -y crowdsec
#   bench/ingest/crowdsec.sh [LINES=100000] [SOURCES=65536]
#
# Compare with Kyoka's syslog ingest of sshd lines (bench/ingest/run.ts --modes syslog), which
# also stores every event.
set -euo pipefail
LINES=${1:-100000}
SOURCES=${2:-65536}
HUB=/usr/share/crowdsec/hub
command -v crowdsec >/dev/null || { echo "crowdsec is not installed (apt-get install -y crowdsec)" >&2; exit 2; }
[ -f "$HUB/.index.json" ] || { echo "no CrowdSec hub copy under $HUB" >&2; exit 2; }
DIR=$(mktemp -d /tmp/kyoka-bench-crowdsec-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/etc/parsers/s00-raw" "$DIR/etc/parsers/s01-parse" "$DIR/etc/parsers/s02-enrich" \
  "$DIR/etc/scenarios" "$DIR/etc/acquis.d" "$DIR/data" "$DIR/log"
ln -s "$HUB/parsers/s00-raw/crowdsecurity/syslog-logs.yaml" "$DIR/etc/parsers/s00-raw/"
ln -s "$HUB/parsers/s01-parse/crowdsecurity/sshd-logs.yaml" "$DIR/etc/parsers/s01-parse/"
ln -s "$HUB/parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml" "$DIR/etc/parsers/s02-enrich/"
ln -s "$HUB/scenarios/crowdsecurity/ssh-bf.yaml" "$HUB/scenarios/crowdsecurity/ssh-slow-bf.yaml" "$DIR/etc/scenarios/"
cp -r /etc/crowdsec/patterns "$DIR/etc/"
: > "$DIR/etc/acquis.yaml"
printf 'simulation: off\n' > "$DIR/etc/simulation.yaml"
cp /etc/crowdsec/profiles.yaml "$DIR/etc/"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$DIR/etc/config.yaml" <<EOF
common:
  daemonize: false
  log_media: file
  log_level: warning
  log_dir: $DIR/log/
  working_dir: .
config_paths:
  config_dir: $DIR/etc/
  data_dir: $DIR/data/
  simulation_path: $DIR/etc/simulation.yaml
  hub_dir: $HUB/
  index_path: $HUB/.index.json
  notification_dir: $DIR/etc/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
crowdsec_service:
  acquisition_path: $DIR/etc/acquis.yaml
  acquisition_dir: $DIR/etc/acquis.d
  parser_routines: 1
db_config:
  log_level: warning
  type: sqlite
  use_wal: true
  db_path: $DIR/data/crowdsec.db
api:
  client:
    insecure_skip_verify: false
    credentials_path: $DIR/etc/local_api_credentials.yaml
  server:
    log_level: warning
    listen_uri: 127.0.0.1:$PORT
    profiles_path: $DIR/etc/profiles.yaml
    trusted_ips: [127.0.0.1]
prometheus:
  enabled: false
EOF
cscli -c "$DIR/etc/config.yaml" machines add bench --auto -f "$DIR/etc/local_api_credentials.yaml" >/dev/null 2>&1
# the same sshd line Kyoka's syslog bench sends, in auth.log's RFC 3164 form, SOURCES attackers
python3 - "$LINES" "$SOURCES" > "$DIR/auth.log" <<'EOF'
import sys
n, sources = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    j = i % sources
    print(f"Nov 22 10:{(i // 60) % 60:02d}:{i % 60:02d} web-1 sshd[{1000 + i % 5000}]: "
          f"Failed password for root from 203.{(j >> 16) & 255}.{(j >> 8) & 255}.{j & 255} port {40000 + i % 20000} ssh2")
EOF
TIMEFORMAT='%U %S'
T=$( { time crowdsec -c "$DIR/etc/config.yaml" -dsn "file://$DIR/auth.log" -type syslog >"$DIR/out.txt" 2>&1; } 2>&1 ) ||
  { echo "crowdsec failed:" >&2; tail -20 "$DIR/out.txt" "$DIR"/log/*.log >&2 2>/dev/null; exit 1; }
read -r U S <<<"$T"
CPU=$(python3 -c "print(round($U + $S, 2))")
echo
echo "| peer | lines | distinct sources | CPU-s (user + sys) | lines / CPU-s |"
echo "|------|-------|------------------|--------------------|---------------|"
echo "| CrowdSec $(crowdsec -version 2>&1 | grep -m1 -oE 'v[0-9.]+[^ ]*' || echo '?') (replay, parser_routines 1) | $LINES | $SOURCES | $CPU | $(python3 -c "print(round($LINES / ($U + $S)))") |"
