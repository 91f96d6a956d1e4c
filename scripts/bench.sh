#!/usr/bin/env bash
# npm run bench [-- --quick]: Midge vs mosquitto vs aedes with the shared C load generator.
#   --quick   one round of fan-in QoS 0/1 and latency, Midge and mosquitto only (a pre-commit guard)
# Environment passed through to compare.sh: ROUNDS, ONLY, BROKERS, BENCH_WORK, BENCH_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${MIDGE_BENCH_DIR:-../shared/bench}
if [ ! -x "$BENCH_DIR/compare.sh" ] && [ ! -f "$BENCH_DIR/compare.sh" ]; then
  echo "bench: $BENCH_DIR/compare.sh not found (set MIDGE_BENCH_DIR to the shared bench folder)" >&2
  exit 1
fi
if [ "${1:-}" = "--quick" ]; then
  export ROUNDS=${ROUNDS:-1} ONLY=${ONLY:-'fanin_q0_64|fanin_q1_64|latency_q0'} BROKERS=${BROKERS:-'project mosquitto'}
fi
command -v mosquitto >/dev/null || { echo "bench: mosquitto is needed as the reference: apt-get install -y mosquitto" >&2; exit 1; }
# clean-session bench clients write nothing to the store, so persistence stays at its default
DEFAULT_CMD='bash scripts/bench-broker.sh {PORT}'   # a literal: "}" would end a ${...:-} default
export BROKER_CMD=${BROKER_CMD:-$DEFAULT_CMD}
exec bash "$BENCH_DIR/compare.sh"
