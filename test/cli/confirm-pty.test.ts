// The confirmation question on a real terminal (a pseudo-terminal driven by python3): what
// declining, Ctrl-C and yes do (SPEC §5.5). Declining exits 1 and Ctrl-C exits 130, both with
// no run folder and no rail touched; "y" starts the run.
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, createWorkspace, type TestWorkspace } from '../run/workspace.js';
import { answerOnTerminal, ptyAvailable, type Driven } from './ptyQuestion.js';

const QUESTION = 'start the run?';
const python = ptyAvailable('the confirmation question');

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

function answer(keys: string): Driven {
  ws = createWorkspace({ flows: { ok: { steps: [{ id: 'p1', adapter: 'pass' }] } } });
  const argv = [process.execPath, CLI, 'run', '--flow', 'ok', '--margin', 'one', '--unit', 'SN1', '--root', ws.root, '--host', ws.hostFile];
  return answerOnTerminal(ws, QUESTION, keys, argv);
}

describe.skipIf(!python)('confirmation question on a terminal', { timeout: 120_000 }, () => {
  it('declining exits 1; nothing is written and no rail moves', () => {
    const r = answer('n\\r');
    expect(r.saw).toBe(true);
    expect(r.output).toContain('not started: nothing was changed');
    expect(r.output).not.toContain('internal error');
    expect(r.code).toBe(1);
    expect(ws!.runFolders()).toEqual([]);
    expect(ws!.railHistory('vcore_mv')).toEqual([]);
  });

  it('Ctrl-C at the question exits 130 quietly; nothing is written and no rail moves', () => {
    const r = answer('\\x03');
    expect(r.saw).toBe(true);
    expect(r.output).not.toContain('internal error');
    expect(r.output).not.toContain('ExitPromptError');
    expect(r.output).toContain('interrupted at the question');
    expect(r.code).toBe(130);
    expect(ws!.runFolders()).toEqual([]);
    expect(ws!.railHistory('vcore_mv')).toEqual([]);
  });

  it('answering y starts the run (the terminal path really reaches the question)', () => {
    const r = answer('y\\r');
    expect(r.saw).toBe(true);
    expect(r.code).toBe(0);
    expect(ws!.runFolders()).toHaveLength(1);
    expect(ws!.railHistory('vcore_mv')).toContain(950);
  });
});
