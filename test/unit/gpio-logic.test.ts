/**
 * The pure parts of the GPIO adapter: debounce (with mocked timers),
 * active-low, edge filters, pulse counting, and `/set` command parsing.
 */
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from '../../src/adapters/gpio/commands.js';
import { DebouncedInput } from '../../src/adapters/gpio/debounce.js';
import type { DebounceOptions } from '../../src/adapters/gpio/debounce.js';

function input(options: Partial<DebounceOptions> = {}) {
  const states: boolean[] = [];
  let pulses = 0;
  const d = new DebouncedInput({ debounceMs: 50, activeLow: false, edge: 'both', onState: (on) => states.push(on), onPulse: () => pulses++, ...options });
  return { d, states, pulses: () => pulses };
}

describe('DebouncedInput', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('a bouncing press counts once, after the level was stable for debounce_ms', () => {
    const { d, states, pulses } = input();
    assert.equal(d.init(0), false);
    for (const level of [1, 0, 1, 0, 1] as const) {
      d.raw(level);
      mock.timers.tick(10);
    }
    assert.deepEqual(states, [], 'nothing while bouncing');
    mock.timers.tick(39);
    assert.deepEqual(states, []);
    mock.timers.tick(1);
    assert.deepEqual(states, [true]);
    assert.equal(pulses(), 1);
    assert.equal(d.rawChanges, 5);
    assert.equal(d.transitions, 1);
  });

  it('a glitch shorter than debounce_ms that returns to the old level publishes nothing', () => {
    const { d, states } = input();
    d.init(0);
    d.raw(1);
    mock.timers.tick(20);
    d.raw(0);
    mock.timers.tick(100);
    assert.deepEqual(states, []);
    assert.equal(d.state, false);
  });

  it('active_low inverts: a low line is ON', () => {
    const { d, states } = input({ activeLow: true });
    assert.equal(d.init(1), false, 'pull-up idle high = OFF');
    d.raw(0);
    mock.timers.tick(50);
    d.raw(1);
    mock.timers.tick(50);
    assert.deepEqual(states, [true, false]);
  });

  it('edge rising reports OFF→ON only, falling ON→OFF only; pulses are counted either way', () => {
    const rising = input({ edge: 'rising', debounceMs: 0 });
    const falling = input({ edge: 'falling', debounceMs: 0 });
    for (const x of [rising, falling]) {
      x.d.init(0);
      for (const level of [1, 0, 1, 0] as const) x.d.raw(level);
    }
    assert.deepEqual(rising.states, [true, true]);
    assert.deepEqual(falling.states, [false, false]);
    assert.equal(rising.pulses(), 2);
    assert.equal(falling.pulses(), 2);
  });

  it('debounce 0 applies every change at once; repeated levels are not transitions', () => {
    const { d, states } = input({ debounceMs: 0 });
    d.init(0);
    d.raw(1);
    d.raw(1);
    d.raw(0);
    assert.deepEqual(states, [true, false]);
  });

  it('stop cancels a pending level', () => {
    const { d, states } = input();
    d.init(0);
    d.raw(1);
    d.stop();
    mock.timers.tick(100);
    assert.deepEqual(states, []);
  });
});

describe('parseCommand', () => {
  const p = { on: 'ON', off: 'OFF' };
  const table: Array<[string, ReturnType<typeof parseCommand>]> = [
    ['ON', { action: 'on' }], ['off', { action: 'off' }], ['1', { action: 'on' }], ['0', { action: 'off' }],
    ['true', { action: 'on' }], ['FALSE', { action: 'off' }], ['Toggle', { action: 'toggle' }], [' ON\n', { action: 'on' }],
    ['{"state":"ON","pulse_ms":500}', { action: 'on', pulseMs: 500 }], ['{"state":1}', { action: 'on' }],
    ['{"state":"TOGGLE"}', { action: 'toggle' }],
  ];
  for (const [payload, expected] of table) {
    it(`${JSON.stringify(payload)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(parseCommand(payload, p), expected));
  }

  it("accepts the pin's own payloads", () => {
    assert.deepEqual(parseCommand('open', { on: 'open', off: 'closed' }), { action: 'on' });
    assert.deepEqual(parseCommand('closed', { on: 'open', off: 'closed' }), { action: 'off' });
  });

  it('rejects anything else with a reason', () => {
    for (const bad of ['', 'ONN', '2', '{"state":"MAYBE"}', '{"pulse_ms":5}', '{"state":"ON","pulse_ms":-1}', '{"state":"ON","pulse_ms":1.5}', '{bad json', '[1]']) {
      const r = parseCommand(bad, p);
      assert.ok('error' in r, `${bad} must be rejected`);
    }
    const r = parseCommand('blink', p);
    assert.ok('error' in r && r.error.includes('accepted: ON, OFF, 1, 0, true, false, TOGGLE'));
  });
});
