import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatEventLine, openEventLog } from '../../src/records/eventLog.js';
import { buildRecordsForChildren, makeTempDir, removeTempDir, spawnUntilLine, waitForExit } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeTempDir(dir);
});

const fixedClock = () => new Date('2024-02-01T10:00:00.000Z');

describe('formatEventLine', () => {
  it('puts ts first, adds it when missing, ends with one newline', () => {
    const line = formatEventLine({ event: 'step_start', argv: ['a', 'b'] }, fixedClock);
    expect(line).toBe('{"ts":"2024-02-01T10:00:00.000Z","event":"step_start","argv":["a","b"]}\n');
  });

  it('keeps a ts the event already has, still first', () => {
    const line = formatEventLine({ event: 'step_end', status: 'passed', ts: '2023-01-01T00:00:00.000Z' }, fixedClock);
    expect(line).toBe('{"ts":"2023-01-01T00:00:00.000Z","event":"step_end","status":"passed"}\n');
  });

  it('keeps newlines inside values on one line', () => {
    const line = formatEventLine({ event: 'step_end', error: 'line 1\nline 2\r\n\u2028' }, fixedClock);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line).error).toBe('line 1\nline 2\r\n\u2028');
  });

  it('refuses an event without an event name', () => {
    expect(() => formatEventLine({ status: 'passed' })).toThrow(/"event" field/);
    expect(() => formatEventLine({ event: '' })).toThrow(/"event" field/);
  });
});

describe('openEventLog', () => {
  it('appends one line per event, to an existing file too', async () => {
    const path = join(dir, 'steps.ldjson');
    const log = openEventLog(path, { now: fixedClock });
    log.append({ event: 'margin_set', rail: 'vcore', value: 0.95 });
    log.append({ event: 'step_start', step_id: 'x' });
    log.close();
    const again = openEventLog(path, { now: fixedClock });
    again.append({ event: 'margin_restore', rail: 'vcore' });
    again.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines.slice(0, 3).map((l) => JSON.parse(l).event)).toEqual(['margin_set', 'step_start', 'margin_restore']);
  });

  it('refuses to append after close, and closing twice is harmless', () => {
    const log = openEventLog(join(dir, 'steps.ldjson'));
    log.close();
    log.close();
    expect(() => log.append({ event: 'step_start' })).toThrow(/closed/);
  });

  it('cuts a torn last line left by a crash before appending, and reports it', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeFile(path, '{"ts":"t","event":"step_start"}\n{"ts":"t","event":"step_e');
    const torn: string[] = [];
    const log = openEventLog(path, { now: fixedClock, onTornLine: (t) => torn.push(t) });
    log.append({ event: 'step_end', status: 'interrupted' });
    log.close();
    expect(torn).toEqual(['{"ts":"t","event":"step_e']);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).event);
    expect(lines).toEqual(['step_start', 'step_end']);
  });

  it('completes a whole last event that only lacks its newline', () => {
    const path = join(dir, 'steps.ldjson');
    writeFileSync(path, '{"ts":"t","event":"step_start"}');
    const torn: string[] = [];
    const log = openEventLog(path, { now: fixedClock, onTornLine: (t) => torn.push(t) });
    log.append({ event: 'step_end' });
    log.close();
    expect(torn).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('{"ts":"t","event":"step_start"}\n{"ts":"2024-02-01T10:00:00.000Z","event":"step_end"}\n');
  });

  it('keeps an appended line when the writer is killed with SIGKILL right after append returns', async () => {
    const build = await buildRecordsForChildren(dir);
    const script = join(dir, 'writer.mjs');
    const path = join(dir, 'steps.ldjson');
    await writeFile(
      script,
      `import { openEventLog } from ${JSON.stringify(join(build, 'records/eventLog.js'))};
const log = openEventLog(process.argv[2]);
for (let i = 0; i < 500; i++) log.append({ event: 'step_end', i, payload: 'x'.repeat(i * 7) });
process.stdout.write('appended\\n');
setInterval(() => {}, 1000);
`,
    );
    const { child } = await spawnUntilLine(script, [path], 'appended');
    child.kill('SIGKILL');
    const exit = await waitForExit(child);
    expect(exit.signal).toBe('SIGKILL');
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(500);
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});
