/**
 * A raw TCP MQTT peer for exact-bytes tests: send hand-built bytes or
 * mqtt-packet objects, read the broker's packets one by one, and observe
 * the connection closing.
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

export class RawClient {
  readonly packets: Packet[] = [];
  readonly raw: Buffer[] = [];
  /** Bytes from the broker that mqtt-packet could not parse (a broker bug, usually). */
  readonly parseErrors: Error[] = [];
  closed = false;
  /** Client id sent by `connect()` (the generated one when none was given). */
  clientId: string | undefined;
  private readonly parser;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly socket: net.Socket,
    public protocolVersion: 3 | 4 | 5,
  ) {
    this.parser = mqttPacket.parser({ protocolVersion });
    this.parser.on('error', (err: Error) => {
      this.parseErrors.push(err);
      this.wake();
    });
    this.parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      this.wake();
    });
    socket.on('data', (chunk) => {
      this.raw.push(chunk);
      this.parser.parse(chunk);
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, protocolVersion: 3 | 4 | 5 = 4): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket, protocolVersion)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async until<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.packets.map((p) => p.cmd).join(',') || 'nothing'}${this.closed ? ' (closed)' : ''}${this.parseErrors.length ? ` (unparsable bytes from the broker: ${this.parseErrors.map((e) => e.message).join('; ')})` : ''}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  write(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  send(packet: Packet): void {
    this.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
  }

  /** Send CONNECT and wait for CONNACK. */
  async connect(opts: Partial<mqttPacket.IConnectPacket> = {}): Promise<mqttPacket.IConnackPacket> {
    const packet = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: this.protocolVersion, clientId: `raw-${process.pid}-${Math.random().toString(16).slice(2)}`, clean: true, keepalive: 60, ...opts } as mqttPacket.IConnectPacket;
    this.clientId = packet.clientId;
    this.send(packet);
    return (await this.next('connack')) as mqttPacket.IConnackPacket;
  }

  /** Next packet (of a given type, skipping none: a different type is an error). */
  async next(cmd?: Packet['cmd'], timeoutMs = 3000): Promise<Packet> {
    const p = await this.until(() => this.packets.shift(), timeoutMs, cmd ?? 'a packet');
    if (cmd && p.cmd !== cmd) throw new Error(`expected ${cmd}, got ${p.cmd}: ${JSON.stringify(p)}`);
    return p;
  }

  /** Wait for the broker to close the connection. */
  async closedByBroker(timeoutMs = 3000): Promise<void> {
    await this.until(() => (this.closed ? true : undefined), timeoutMs, 'close');
  }

  /**
   * Sends PINGREQ and returns the bytes received from offset `from` up to and including its PINGRESP:
   * what the broker sent before it answered (packets are handled in order), for "nothing else came" checks.
   */
  async bytesThroughPing(from: number): Promise<number[]> {
    this.write([0xc0, 0x00]);
    for (;;) if ((await this.next()).cmd === 'pingresp') break;
    return [...this.bytes().subarray(from)];
  }

  /** All bytes received so far, concatenated. */
  bytes(): Buffer {
    return Buffer.concat(this.raw);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
