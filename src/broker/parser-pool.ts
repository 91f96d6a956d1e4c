/**
 * A small pool of mqtt-packet parsers shared by all connections. A parser
 * (an EventEmitter with a bl BufferList stream and a Packet) costs about
 * 2 KB; an idle connection does not need one. A connection borrows a parser
 * for each chunk it receives and gives it back once the chunk ended on a
 * packet boundary; only a connection with a partial packet buffered keeps
 * its parser until the rest arrives. What the parser knows of a connection
 * between packets (protocol level, bridge mode: its `settings`) is kept by
 * the connection and handed over on each borrow.
 */
import mqtt from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { installMqtt31Parsing } from './mqtt31-parsing.js';
import { installStrictLengths } from './strict-lengths.js';
import { installStrictStrings, type ParseChecks } from './strict-strings.js';

/** Receives the events of a borrowed parser: the connection whose bytes it parses. */
export interface ParserOwner {
  onPacket(packet: Packet): void;
  onParseError(err: Error): void;
}

/** The parser state mqtt-packet reads between packets (after CONNECT: the CONNECT packet itself). */
export interface ParserSettings {
  readonly protocolVersion?: number;
  readonly bridgeMode?: boolean;
}

interface ParserInternals {
  settings: ParserSettings;
  error: Error | null;
  _stateCounter: number;
  _list: { length: number };
}

type MqttParser = ReturnType<typeof mqtt.parser>;

/** Shared settings objects, so a connection does not keep its CONNECT packet alive through the parser. */
const SETTINGS: readonly ParserSettings[] = [3, 4, 5].flatMap((protocolVersion) => [
  Object.freeze({ protocolVersion }),
  Object.freeze({ protocolVersion, bridgeMode: true }),
]);

/** The settings a parser starts with, before CONNECT (mqtt-packet's protocolVersion 4). */
export const INITIAL_SETTINGS: ParserSettings = settingsFor({ protocolVersion: 4 });

/** A shared, immutable equivalent of `settings`. */
export function settingsFor(settings: ParserSettings): ParserSettings {
  const version = settings.protocolVersion ?? 4;
  const bridge = settings.bridgeMode === true;
  return SETTINGS.find((s) => s.protocolVersion === version && (s.bridgeMode === true) === bridge) ?? settings;
}

export class PooledParser {
  /** The connection the parser is lent to. */
  owner: ParserOwner | null = null;
  /** What the strict string and length checks found in the packet being parsed (sticky: the owner closes). */
  readonly checks: Readonly<ParseChecks>;
  private readonly parser: MqttParser;

  constructor() {
    this.parser = mqtt.parser({ protocolVersion: 4 });
    const checks: ParseChecks = { problem: undefined };
    installStrictStrings(this.parser, checks);
    installStrictLengths(this.parser, checks);
    installMqtt31Parsing(this.parser);
    this.checks = checks;
    this.parser.on('packet', (packet: Packet) => this.owner?.onPacket(packet));
    this.parser.on('error', (err: Error) => this.owner?.onParseError(err));
  }

  private get internals(): ParserInternals {
    return this.parser as unknown as ParserInternals;
  }

  get settings(): ParserSettings {
    return this.internals.settings;
  }

  set settings(settings: ParserSettings) {
    this.internals.settings = settings;
  }

  parse(chunk: Buffer): void {
    this.parser.parse(chunk);
  }

  /** True between packets: nothing of the owner's byte stream is buffered, no error. */
  get atBoundary(): boolean {
    const p = this.internals;
    return p._list.length === 0 && p._stateCounter === 0 && p.error === null && this.checks.problem === undefined;
  }
}

/** Parsers kept for reuse; more than this many borrowed at once are simply created and dropped. */
const POOL_MAX = 32;
const pool: PooledParser[] = [];

/** Lend a parser to `owner`, set up with the owner's settings. */
export function borrowParser(owner: ParserOwner, settings: ParserSettings): PooledParser {
  const parser = pool.pop() ?? new PooledParser();
  parser.owner = owner;
  parser.settings = settings;
  return parser;
}

/**
 * Give a parser back if it is between packets and return the settings the
 * owner keeps until its next borrow; undefined when the parser must stay
 * with its owner (a partial packet is buffered, or it failed).
 */
export function returnParser(parser: PooledParser): ParserSettings | undefined {
  if (!parser.atBoundary) return undefined;
  const settings = settingsFor(parser.settings);
  parser.owner = null;
  parser.settings = INITIAL_SETTINGS;
  if (pool.length < POOL_MAX) pool.push(parser);
  return settings;
}
