#!/bin/bash
# Records the real-peer WebSocket captures in this folder: for each variant, tcpdump
# records loopback port N while peers.py runs a python3-websockets server and client
# on it and writes what each peer sent to VARIANT.sent.jsonl.
#
# Needs root (tcpdump on lo), tcpdump and Debian's python3-websockets 10.4 under
# /usr/bin/python3. Ports 47311-47316 must be free. Run from anywhere:
#   sudo processor/src/test/resources/captures/make-deflate-captures.sh [VARIANT...]
# The masking keys are random, so every run writes different bytes that decode to the
# same messages; commit the .pcap and .sent.jsonl files of one run together.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=/usr/bin/python3
FIRST_PORT=47311
ALL=(deflate-context-takeover deflate-no-context-takeover deflate-window-bits
  deflate-fragmented deflate-large plain)
VARIANTS=("${@:-${ALL[@]}}")

port_of() {
  local i
  for i in "${!ALL[@]}"; do
    if [[ "${ALL[$i]}" == "$1" ]]; then
      echo $((FIRST_PORT + i))
      return
    fi
  done
  echo "unknown variant $1" >&2
  exit 2
}

# Records one variant; fails if the peers fail or the capture missed a packet.
record() {
  local variant=$1 port=$2 log tcpdump_pid status=0
  log=$(mktemp)
  tcpdump -i lo -s 0 -U --immediate-mode -w "$variant.pcap" "tcp port $port" 2>"$log" &
  tcpdump_pid=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$log" && break
    sleep 0.1
  done
  "$PYTHON" peers.py "$variant" "$port" "$variant.sent.jsonl" || status=$?
  sleep 1
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  rm -f "$log"
  if [[ $status -ne 0 ]]; then
    echo "$variant: peers failed with status $status" >&2
    exit "$status"
  fi
  "$PYTHON" peers.py --check "$variant.pcap"
}

for variant in "${VARIANTS[@]}"; do
  port=$(port_of "$variant")
  if ss -Htan state established state listening "( sport = :$port or dport = :$port )" \
    | grep -q .; then
    echo "port $port is in use" >&2
    exit 1
  fi
  for try in 1 2 3 4 5; do
    if record "$variant" "$port"; then
      break
    elif [[ $try -eq 5 ]]; then
      exit 1
    fi
    echo "$variant: recording again" >&2
  done
  echo "$variant: $(wc -l <"$variant.sent.jsonl") messages, $(stat -c %s "$variant.pcap") bytes"
done
