// `recover --clear` on a real terminal (a pseudo-terminal driven by python3): the operator is
// asked to confirm the hardware is at nominal. Ctrl-C at the question exits 130 and "n" exits
// 1, both with the journal kept and no actuator called; "y" clears it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, createWorkspace, readJson, type TestWorkspace } from '../run/workspace.js';
import { answerOnTerminal, ptyAvailable, type Driven } from './ptyQuestion.js';

const QUESTION = 'clear the crash journal?';
const python = ptyAvailable('the --clear question');

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

/** A workspace whose last run kept its crash journal: vcore_mv reads back 50 off, so its restore is not verified. */
async function workspaceWithJournal(): Promise<TestWorkspace> {
  const w = createWorkspace({ flows: { ok: { steps: [{ id: 'p1', adapter: 'pass' }] } } });
  const r = await w.run('ok', 'one', [], { env: { RR_SIM_RAIL_OFFSET_VCORE_MV: '50' } });
  expect(r.code).toBe(4);
  expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(true);
  return w;
}

function answer(w: TestWorkspace, keys: string): Driven {
  const argv = [process.execPath, CLI, 'recover', '--clear', '--root', w.root, '--host', w.hostFile];
  return answerOnTerminal(w, QUESTION, keys, argv);
}

describe.skipIf(!python)('recover --clear asks on a terminal', { timeout: 120_000 }, () => {
  it('Ctrl-C at the question exits 130 and "n" exits 1, journal kept; "y" clears it', async () => {
    ws = await workspaceWithJournal();
    const journal = path.join(ws.runs, '.journal.json');
    const history = ws.railHistory('vcore_mv');

    const interrupted = answer(ws, '\\x03');
    expect(interrupted.saw).toBe(true);
    expect(interrupted.output).toContain('road_runner will NOT restore these rails');
    expect(interrupted.output).toContain('interrupted at the question');
    expect(interrupted.output).not.toContain('ExitPromptError');
    expect(interrupted.code).toBe(130);
    expect(existsSync(journal)).toBe(true);

    const declined = answer(ws, 'n\\r');
    expect(declined.saw).toBe(true);
    expect(declined.output).toContain('not cleared: nothing was changed');
    expect(declined.code).toBe(1);
    expect(existsSync(journal)).toBe(true);

    const yes = answer(ws, 'y\\r');
    expect(yes.code, yes.output).toBe(0);
    expect(existsSync(journal)).toBe(false);
    expect(readJson(path.join(ws.onlyRun(), 'summary.json')).recovery).toMatchObject({ action: 'cleared', rails_restored_by_road_runner: false });
    // No actuator was called at any point.
    expect(ws.railHistory('vcore_mv')).toEqual(history);
  });
});
