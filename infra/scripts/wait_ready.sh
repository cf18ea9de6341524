#!/bin/sh
# Waits until URL answers the expected status (default 200) to METHOD (default GET), for at
# most five minutes: a deploy is done when the new code serves, not when the upload ends.
# Usage: wait_ready.sh URL [STATUS] [METHOD]
set -eu
url=${1:?usage: wait_ready.sh URL [STATUS] [METHOD]}
expected=${2:-200}
method=${3:-GET}
deadline=$(( $(date +%s) + 300 ))
while :; do
  status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 20 \
    --request "$method" "$url" || true)
  if [ "$status" = "$expected" ]; then
    echo "$url answered $status."
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "wait_ready.sh: $url still answers $status (expected $expected) after 5 minutes" >&2
    exit 1
  fi
  echo "$url answered $status; waiting ..."
  sleep 10
done
