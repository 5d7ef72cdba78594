// Timeouts through the built CLI: the whole process group ends (TERM, then KILL after --grace),
// even a diagnostic that ignores SIGTERM and leaves a grandchild holding its stdout.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, groupMembers, isPidAlive, killGroupQuietly, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
});

describe('run: timeouts', () => {
  it('a hanging step with timeout_s 1 ends as timeout, exit 1, rails restored', async () => {
    ws = createWorkspace({ flows: { slow: { steps: [{ id: 'h', adapter: 'hang', timeout_s: 1 }] } } });
    const r = await ws.run('slow', 'one', ['--grace', '1']);
    expect(r.code).toBe(1);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.status).toBe('failed');
    expect(s.counts).toMatchObject({ timeout: 1, passed: 0, failed: 0 });
    const [subDir] = subrunFolders(dir);
    const sub = readJson(path.join(subDir!, 'summary.json'));
    expect(sub.status).toBe('failed');
    expect(sub.steps[0]).toMatchObject({ status: 'timeout', exit_code: null });
    expect(sub.steps[0].duration_ms).toBeGreaterThanOrEqual(1000);
    const end = readEvents(dir).find((e) => e.event === 'step_end');
    expect(end).toMatchObject({ status: 'timeout', signal: 'SIGTERM' });
    expect(end!.error).toMatch(/1 s/);
    expect(ws.railState('vcore_mv')).toBe(1000);
  });

  // With and without output scanning: with it, stdout is a pipe the grandchild keeps open.
  for (const scanned of [false, true]) {
    it(`a step that ignores SIGTERM and leaves a grandchild on stdout leaves nothing behind (${scanned ? 'scanned' : 'plain'} stdout)`, async () => {
      const adapters: Record<string, Record<string, unknown>> = scanned
        ? { 'ignore-term': { executable: 'ignore-term-grandchild', timeout_s: 60, params: { pidfile: { type: 'string', required: true } }, metrics: { leader: { regex: 'leader ([0-9]+)', type: 'integer' } } } }
        : {};
      ws = createWorkspace({
        adapters,
        flows: {
          stubborn: { steps: [{ id: 'stubborn', adapter: 'ignore-term', timeout_s: 1, params: { pidfile: 'grandchild.pid' } }] },
          quick: { steps: [{ id: 'p', adapter: 'pass' }] },
        },
      });
      // The fixed cost of a run on this (shared, noisy) machine: start-up, sysinfo, two rails.
      const baseline = await ws.run('quick', 'one', ['--grace', '1']);
      expect(baseline.code).toBe(0);

      const r = await ws.run('stubborn', 'one', ['--grace', '1']);
      expect(r.code).toBe(1);
      const dir = ws.runFolders()[1]!;
      const [subDir] = subrunFolders(dir);
      const grandchild = Number(readFileSync(path.join(subDir!, 'grandchild.pid'), 'utf8').trim());
      const leader = Number(/leader (\d+)/.exec(readFileSync(path.join(subDir!, 'stdout', '00_stubborn.log'), 'utf8'))?.[1]);
      expect(grandchild).toBeGreaterThan(1);
      expect(leader).toBeGreaterThan(1);
      leftovers.push(leader);
      // The leader led its own group (pgid = its pid); nothing of it survives.
      expect(isPidAlive(grandchild)).toBe(false);
      expect(isPidAlive(leader)).toBe(false);
      expect(groupMembers(leader)).toEqual([]);

      const sub = readJson(path.join(subDir!, 'summary.json'));
      expect(sub.steps[0]).toMatchObject({ status: 'timeout' });
      if (scanned) expect(sub.steps[0].metrics).toEqual({ leader });
      const end = readEvents(dir).find((e) => e.event === 'step_end');
      expect(end!.signal).toBe('SIGKILL');
      // timeout 1 s + grace 1 s + 2 s, over the fixed cost of a run measured just before.
      const limitMs = 1000 + 1000 + 2000;
      console.log(`ignore-term (${scanned ? 'scanned' : 'plain'}): CLI ${Math.round(r.ms)} ms, baseline run ${Math.round(baseline.ms)} ms, step ${end!.duration_ms} ms`);
      expect(end!.duration_ms).toBeLessThan(limitMs);
      expect(r.ms - baseline.ms).toBeLessThan(limitMs);
      expect(ws.railState('vcore_mv')).toBe(1000);
    });
  }
});
