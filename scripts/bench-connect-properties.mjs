#!/usr/bin/env node
// CONNECT with many user properties (issue 18): where the parse time goes.
// Compares mqtt-packet's parser alone with Midge's pooled parser (strict
// string/length checks) and the property checks of packet-properties.ts,
// first run (cold JIT) and the median of later runs, whole and cut into
// 1448-byte chunks (a TCP segment each).
// Usage: npm run build && node scripts/bench-connect-properties.mjs [PROPERTIES=5000] [RUNS=40]
import mqtt from 'mqtt-packet';
import { PooledParser } from '../dist/broker/parser-pool.js';
import { checkProperties } from '../dist/broker/packet-properties.js';

const count = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 40);
const userProperties = {};
for (let i = 0; i < count; i++) userProperties[`k${i}`] = `v${i}`;
const bytes = mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'bench', clean: true, keepalive: 60, properties: { userProperties } });

function measure(makeParser, chunkSize) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const { parse, done } = makeParser();
    const t0 = performance.now();
    for (let i = 0; i < bytes.length; i += chunkSize) parse(bytes.subarray(i, i + chunkSize));
    times.push(done() - t0);
  }
  const first = times[0];
  const rest = times.slice(1).sort((a, b) => a - b);
  return `first ${first.toFixed(1)} ms, median ${rest[rest.length >> 1].toFixed(2)} ms`;
}

const plain = () => {
  const parser = mqtt.parser({ protocolVersion: 5 });
  let at = 0;
  parser.on('packet', () => (at = performance.now()));
  return { parse: (b) => parser.parse(b), done: () => at };
};
const midge = () => {
  const parser = new PooledParser();
  let at = 0;
  parser.owner = { onPacket: (p) => { checkProperties(p); at = performance.now(); }, onParseError: (e) => { throw e; } };
  return { parse: (b) => parser.parse(b), done: () => at };
};

console.log(`CONNECT of ${bytes.length} bytes with ${count} user properties, ${runs} runs each`);
for (const chunk of [bytes.length, 1448]) {
  console.log(`  chunks of ${chunk} bytes`);
  console.log(`    mqtt-packet parser:               ${measure(plain, chunk)}`);
  console.log(`    Midge parser + property checks:   ${measure(midge, chunk)}`);
}
