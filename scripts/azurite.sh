#!/bin/sh
# Azurite (blob, queue and table) on its usual ports 10000-10002, for `func start`: the
# Functions host keeps its timers' schedules and locks in AzureWebJobsStorage
# (UseDevelopmentStorage=true in local.settings.json). Data stays in .lms/azurite. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
bin=node_modules/.bin/azurite
if [ ! -x "$bin" ]; then
  echo "azurite.sh: $bin is missing; run \`npm ci\` (or \`make install\`) first" >&2
  exit 2
fi
mkdir -p .lms/azurite
exec "$bin" --silent --skipApiVersionCheck --disableTelemetry --location .lms/azurite \
  --debug .lms/azurite/debug.log "$@"
