#!/usr/bin/env bash
# Starts Midge for compare.sh with scripts/bench-midge.yaml (the same limits as
# the bench's mosquitto.conf). compare.sh's `${BROKER_CMD:-... {PORT}}` default
# appends a stray "}" to a BROKER_CMD that is set, so {PORT} arrives as "18852}":
# keep the digits only. exec keeps the pid compare.sh watches.
port=${1//[^0-9]/}
exec node dist/cli.js -c scripts/bench-midge.yaml -p "$port"
