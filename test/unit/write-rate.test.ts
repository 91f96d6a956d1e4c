/** Flash-wear figures for operators (src/status/write-rate.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processWriteBytes, WriteRate } from '../../src/status/write-rate.js';

describe('write-rate', () => {
  it('processWriteBytes grows when this process writes a file to disk', () => {
    const before = processWriteBytes();
    assert.ok(before !== undefined, 'Linux /proc/self/io is readable here');
    const dir = mkdtempSync(join(tmpdir(), 'midge-wr-'));
    try {
      const file = join(dir, 'f');
      writeFileSync(file, Buffer.alloc(1 << 20, 1));
      const fd = openSync(file, 'r');
      fsyncSync(fd);
      closeSync(fd);
      const after = processWriteBytes()!;
      assert.ok(after - before >= 1 << 20, `${after - before} bytes counted for a 1 MiB file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WriteRate: bytes per day from samples, over the recent span', () => {
    const r = new WriteRate(60_000);
    assert.equal(r.perDay(1000, 0), undefined, 'one sample says nothing');
    assert.equal(r.perDay(2000, 500), undefined, 'not a second apart yet');
    assert.equal(r.perDay(11_000, 10_000), 86_400_000, '10,000 bytes in 10 s = 1,000 B/s');
    // much later, at a lower rate: the old samples fall out of the span
    r.perDay(11_000 + 60_000, 70_000);
    const perDay = r.perDay(11_000 + 120_000, 130_000)!;
    assert.equal(perDay, 86_400_000, 'still 1,000 B/s over the last minute');
    assert.equal(r.perDay(undefined, 140_000), undefined, 'no figure where the kernel gives none');
  });
});
