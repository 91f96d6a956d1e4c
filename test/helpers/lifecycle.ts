/**
 * Helpers for connection-lifecycle tests: an MQTT.js connect that keeps the
 * CONNACK, a publish/subscribe round trip proving the broker still serves
 * well-behaved clients, and a child-process runner for mosquitto/paho tools.
 */
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import type { IClientOptions, MqttClient } from 'mqtt';
import { connect, type TestClient } from './clients.js';

export type Version = 4 | 5;
export const VERSIONS: readonly Version[] = [4, 5];

/** A connected test client with its CONNACK (see `connect()` in clients.ts). */
export type ConnackClient = TestClient;

/** `connect()` under the name the lifecycle tests use: resolves with the CONNACK too. */
export function connectWithConnack(port: number, options: IClientOptions = {}): Promise<ConnackClient> {
  return connect(port, options);
}

/** Resolves when an MQTT.js client's connection has closed. */
export function whenClosed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  if (!client.connected && (client.stream?.destroyed ?? true)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for the client to close`)), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

let roundTrips = 0;

/** A subscribe + publish round trip on fresh connections: the broker still works for everyone else. */
export async function assertRoundTrip(port: number, protocolVersion: Version = 4): Promise<void> {
  const topic = `health/${process.pid}/${++roundTrips}`;
  const sub = await connect(port, { protocolVersion });
  const pub = await connect(port, { protocolVersion });
  try {
    await sub.client.subscribeAsync(topic, { qos: 1 });
    await pub.client.publishAsync(topic, 'ok', { qos: 1 });
    const [msg] = await sub.waitMessages(1, 3000);
    assert.equal(msg!.topic, topic);
    assert.equal(msg!.payload.toString(), 'ok');
  } finally {
    await sub.end();
    await pub.end();
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a command with a hard timeout (the process is killed when it expires). */
export function run(cmd: string, args: string[], timeoutMs = 10000, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Start a command and return it with a promise of its result (for long-running subscribers). */
export function start(
  cmd: string,
  args: string[],
  timeoutMs = 10000,
): { result: Promise<RunResult>; stdout: () => string; stderr: () => string; kill: (signal?: NodeJS.Signals) => void } {
  let out = '';
  let err = '';
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return { result, stdout: () => out, stderr: () => err, kill: (signal = 'SIGKILL') => void child.kill(signal) };
}

/** Unique client id per test. */
export function uid(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A length-prefixed UTF-8 string as MQTT encodes it. */
export function mqttString(s: string | Buffer): number[] {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return [b.length >> 8, b.length & 0xff, ...b];
}

export interface RawConnectOptions {
  /** Protocol name; default 'MQTT'. */
  name?: string;
  /** Protocol level byte. */
  level: number;
  /** Connect flags byte, exactly as sent. */
  flags: number;
  keepalive?: number;
  clientId?: string;
  /** Will topic and payload (sent when given, whatever the flags say). */
  will?: { topic: string; payload: string };
  username?: string;
  password?: string;
}

/**
 * Hand-built CONNECT bytes, for flags and fields that mqtt-packet's
 * generator would refuse to produce. Level 5 gets empty property lists.
 */
export function rawConnect(o: RawConnectOptions): Buffer {
  const v5 = o.level === 5;
  const ka = o.keepalive ?? 60;
  const body = [...mqttString(o.name ?? 'MQTT'), o.level, o.flags, ka >> 8, ka & 0xff];
  if (v5) body.push(0);
  body.push(...mqttString(o.clientId ?? 'raw'));
  if (o.will) {
    if (v5) body.push(0);
    body.push(...mqttString(o.will.topic), ...mqttString(o.will.payload));
  }
  if (o.username !== undefined) body.push(...mqttString(o.username));
  if (o.password !== undefined) body.push(...mqttString(o.password));
  if (body.length > 127) throw new Error('rawConnect: keep it under 128 bytes');
  return Buffer.from([0x10, body.length, ...body]);
}

/** Connect flag bits. */
export const FLAG = { RESERVED: 0x01, CLEAN: 0x02, WILL: 0x04, WILL_QOS1: 0x08, WILL_QOS2: 0x10, WILL_RETAIN: 0x20, PASSWORD: 0x40, USERNAME: 0x80 } as const;
