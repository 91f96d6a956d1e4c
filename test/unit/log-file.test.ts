import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { LogFile } from '../../src/log-file.js';
import { RecentLogs } from '../../src/log-recent.js';
import { tempDir } from '../helpers/midge-process.js';

describe('LogFile (log.file, log.max_size)', () => {
  it('appends; past max_size the file moves to FILE.1 (replacing it) and a new one starts; nothing is lost but the oldest', (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    const path = join(dir.path, 'midge.log');
    writeFileSync(path, 'old line\n');
    const f = new LogFile(path, 100);
    const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'x'.repeat(10)}\n`); // 19 bytes each
    for (const l of lines) f.write(l);
    f.close();
    assert.ok(statSync(path).size <= 100);
    assert.ok(statSync(`${path}.1`).size <= 100);
    const kept = readFileSync(`${path}.1`, 'utf8') + readFileSync(path, 'utf8');
    assert.ok(kept.endsWith(lines.slice(-5).join('')), 'the newest lines are kept, in order');
    assert.equal(kept, lines.slice(-kept.split('\n').length + 1).join(''), 'whole lines, contiguous, across the two files');
    assert.ok(f.rotations >= 5);
  });

  it('a line longer than max_size still gets written (into a fresh file)', (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    const path = join(dir.path, 'midge.log');
    const f = new LogFile(path, 10);
    f.write('short\n');
    f.write(`${'y'.repeat(50)}\n`);
    f.close();
    assert.equal(readFileSync(path, 'utf8'), `${'y'.repeat(50)}\n`);
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'short\n');
  });

  it('max_size 0 never rotates; reopen() follows an external rotation', (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    const path = join(dir.path, 'midge.log');
    const f = new LogFile(path);
    for (let i = 0; i < 100; i++) f.write('0123456789\n');
    assert.equal(existsSync(`${path}.1`), false);
    renameSync(path, `${path}.old`);
    f.write('after rename\n');
    f.reopen();
    f.write('after reopen\n');
    f.close();
    assert.ok(readFileSync(`${path}.old`, 'utf8').endsWith('after rename\n'));
    assert.equal(readFileSync(path, 'utf8'), 'after reopen\n');
  });

  it('a failed write is counted, not thrown', (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    const f = new LogFile(join(dir.path, 'midge.log'), 5);
    dir.cleanup(); // the rotation's rename fails: the directory is gone
    const stderr = process.stderr.write;
    let said = '';
    process.stderr.write = ((s: string) => ((said += s), true)) as typeof process.stderr.write;
    try {
      f.write('first\n');
      f.write('second line\n');
      f.write('third line\n');
    } finally {
      process.stderr.write = stderr;
    }
    assert.equal(f.failedWrites, 2);
    assert.equal(said.match(/cannot write to log file/g)?.length, 1, 'reported once');
  });
});

describe('RecentLogs', () => {
  it('keeps the last lines in order, fed by the logger whatever the format', () => {
    const recent = new RecentLogs(3);
    const out: string[] = [];
    const log = createLogger({ level: 'info', format: 'text' }, { write: (s) => void out.push(s) }, recent);
    for (let i = 1; i <= 5; i++) log.info({ n: i }, `message ${i}`);
    log.warn('careful');
    const lines = recent.lines();
    assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['info', 'message 4'], ['info', 'message 5'], ['warn', 'careful']]);
    assert.match(lines[0]!.text, /^\d{4}-.*Z INFO  message 4 n=4$/);
    assert.deepEqual(recent.lines(1).map((l) => l.msg), ['careful']);
    assert.equal(out.length, 6);
  });
});
