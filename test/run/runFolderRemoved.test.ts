// A run whose folder disappears under it (removed by hand, or by the diagnostic itself) ends
// with one clear line and exit 4, not a stack trace; the host lock is released.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// cwd is the sub-run folder; its parent is the run folder.
const removeRun = '#!/bin/sh\nrm -rf "$(dirname "$PWD")"\n';

describe('run: the run folder removed mid-run', () => {
  it('says which file could not be written and exits 4', async () => {
    ws = createWorkspace({
      scripts: { 'remove-run': removeRun },
      adapters: { 'remove-run': { executable: 'remove-run', timeout_s: 30 } },
      flows: { gone: { steps: [{ id: 'rm', adapter: 'remove-run' }, { id: 'after', adapter: 'remove-run' }] } },
    });
    const r = await ws.cli(['run', '--flow', 'gone', '--margin', 'one', '--unit', 'SN1', '--yes']);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/^road_runner: cannot \w+ .*: ENOENT\n {2}fix: /m);
    expect(r.code).toBe(4);
    expect(existsSync(path.join(ws.root, 'runs', '.lock'))).toBe(false);
  });
});
