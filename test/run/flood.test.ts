// A diagnostic that prints 256 MiB: its stdout is captured whole, byte for byte, whether
// road_runner scans it (metrics regex: the pipe and line-scanner path) or not (a file fd).
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, MIB, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const TAIL = 'gflops=7.25';

describe('run: a 256 MiB stdout flood', () => {
  for (const adapter of ['flood-scan', 'flood']) {
    it(`is captured whole (${adapter === 'flood-scan' ? 'scanned for metrics' : 'not scanned'})`, async () => {
      ws = createWorkspace({ flows: { big: { steps: [{ id: 'big', adapter, params: { mib: 256, tail: TAIL } }] } } });
      const r = await ws.run('big', 'one');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const [subDir] = subrunFolders(ws.onlyRun());
      const sub = readJson(path.join(subDir!, 'summary.json'));
      expect(sub.steps[0].status).toBe('passed');
      const size = statSync(path.join(subDir!, 'stdout', sub.steps[0].log_name)).size;
      expect(size).toBe(256 * MIB + TAIL.length + 1);
      // The metric on the very last line proves every line went through the scanner.
      const end = readEvents(ws.onlyRun()).find((e) => e.event === 'step_end');
      expect(end!.metrics).toEqual(adapter === 'flood-scan' ? { gflops: 7.25 } : {});
      console.log(`${adapter}: 256 MiB in ${end!.duration_ms} ms (CLI ${Math.round(r.ms)} ms)`);
    });
  }
});
