// Same inputs and seed give the same plan.json, byte for byte, once the run id and the
// creation time are taken out: the sample workspace planned twice through the built CLI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../run/workspace.js';
import { idOf, show } from './helpers.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

/** plan.json as text with its run id replaced (run_id and every sub-run id) and created_at blanked. */
function anonymised(runFolder: string): string {
  const text = readFileSync(path.join(runFolder, 'plan.json'), 'utf8');
  const id = idOf(runFolder);
  const created = /"created_at": "([^"]+)"/.exec(text);
  expect(created, 'plan.json has a created_at').not.toBeNull();
  expect(text.split(created![1]!).length - 1, 'the creation time appears once').toBe(1);
  return text.replaceAll(id, '<RUN_ID>').replace(`"created_at": "${created![1]}"`, '"created_at": ""');
}

describe('plan determinism', { timeout: 45_000 }, () => {
  it('planning the sample twice gives byte-identical plan.json apart from run id and created_at', async () => {
    ws = createWorkspace({ sample: true });
    const args = ['plan', '--flow', 'flows/sample_flow.yaml', '--margin', 'margins/sample_margin.yaml'];
    for (let i = 0; i < 2; i++) {
      const r = await ws.cli(args);
      expect(r.code, show(r)).toBe(0);
    }
    const [a, b] = ws.runFolders();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(idOf(a!)).not.toBe(idOf(b!));
    const textA = anonymised(a!);
    const textB = anonymised(b!);
    // The run id really was everywhere it belongs: once as run_id and once per sub-run.
    const plan = JSON.parse(textA);
    expect(plan.run_id).toBe('<RUN_ID>');
    expect(plan.subruns.length).toBe(27);
    expect(plan.subruns.every((s: any) => s.id.startsWith('<RUN_ID>-s'))).toBe(true);
    expect(plan.seed).toBe(42);
    expect(plan.profile).toBe('intel-xeon');
    expect(Buffer.from(textA).equals(Buffer.from(textB))).toBe(true);
  });

  it('the same with --seed on the command line; another seed changes the plan', async () => {
    ws = createWorkspace({ sample: true });
    const plan = async (seed: string): Promise<string> => {
      const before = new Set(ws!.runFolders());
      const r = await ws!.cli(['plan', '--flow', 'flows/sample_flow.yaml', '--margin', 'margins/sample_margin.yaml', '--seed', seed]);
      expect(r.code, show(r)).toBe(0);
      const made = ws!.runFolders().filter((f) => !before.has(f));
      expect(made).toHaveLength(1);
      return anonymised(made[0]!);
    };
    const first = await plan('7');
    expect(await plan('7')).toBe(first);
    expect(await plan('8')).not.toBe(first);
  });
});
