#!/usr/bin/env bash
# Starts Midge for compare.sh. compare.sh's `${BROKER_CMD:-... {PORT}}` default
# appends a stray "}" to a BROKER_CMD that is set, so {PORT} arrives as "18852}":
# keep the digits only. exec keeps the pid compare.sh watches.
port=${1//[^0-9]/}
exec node dist/cli.js -p "$port"
