// The ssh session to the lab host drops: road_runner runs on a real pseudo-terminal (python3's
// pty module, test/fixtures/pty/pty-run.py) and the terminal's master side is closed, so the
// kernel hangs it up and sends SIGHUP. Mid-step, the diagnostic stops, rails go back to nominal,
// summaries say `interrupted`, exit 129, although every write to the terminal now fails. During
// the confirmation question, nothing is touched and the exit is 129 too.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLI, REPO, createWorkspace, groupMembers, killGroupQuietly, processesUnder, readEvents, readJson, subrunFolders, waitFor,
  waitForDiagnosticGroup, waitForStepStart, type TestWorkspace,
} from './workspace.js';

const HARNESS = path.join(REPO, 'test/fixtures/pty/pty-run.py');
// CI sets REQUIRE_SYSTEM_TOOLS=1: there a missing python3 is a failure, not a skip.
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;
if (!hasPython && !required) console.warn('skipping hangup.test.ts: no python3 with its pty module to drive a real terminal; REQUIRE_SYSTEM_TOOLS=1 makes this a failure');

let ws: TestWorkspace | undefined;
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
});

const FLOW = { steps: [{ id: 'first', adapter: 'pass' }, { id: 'stuck', adapter: 'hang' }, { id: 'never', adapter: 'pass' }] };
const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

interface PtyRun {
  /** Everything written to the terminal so far. */
  screen: () => string;
  send: (command: 'close' | `kill ${string}`) => void;
  done: Promise<{ code: number | null; signal: string | null }>;
}

/** Starts the CLI on its own pty, with --root and --host of the workspace. */
function startOnPty(w: TestWorkspace, args: string[]): PtyRun {
  const env: NodeJS.ProcessEnv = { ...process.env, RR_SIM_RAIL_DIR: w.simDir, TERM: 'xterm' };
  delete env.RR_ROOT;
  delete env.RR_HOST_FILE;
  const child = spawn('python3', [HARNESS, process.execPath, CLI, ...args, '--root', w.root, '--host', w.hostFile], { cwd: w.root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (screen += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const limit = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.on('close', () => {
      clearTimeout(limit);
      const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) reject(new Error(`pty harness ended without a result: ${stderr}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as { code: number | null; signal: string | null });
    });
  });
  return { screen: () => screen, send: (c) => child.stdin.write(`${c}\n`), done };
}

describe.skipIf(!hasPython && !required)('run: the terminal hangs up (ssh dropped)', () => {
  it('python3 with its pty module is available (CI installs it)', () => {
    expect(hasPython, 'REQUIRE_SYSTEM_TOOLS=1 but python3 (with pty) is missing').toBe(true);
  });

  it('mid-step, under the live progress bar: diagnostic stopped, rails at nominal, interrupted, exit 129', async () => {
    ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } });
    const run = startOnPty(ws, ['run', '--flow', 'f', '--margin', 'two', '--unit', 'SN1', '--yes', '--grace', '1']);
    await waitForStepStart(ws, 'stuck', 30_000);
    const pgid = await waitForDiagnosticGroup(ws);
    leftovers.push(pgid);
    expect(ws.railState('vcore_mv')).toBe(950);
    // The live bar was drawn on the terminal (this is the terminal path, not plain lines).
    await waitFor('the progress bar on the terminal', () => run.screen().includes('sub-run 1/2'));
    run.send('close');
    const r = await run.done;
    expect(r).toEqual({ code: 129, signal: null });
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s).toMatchObject({ status: 'interrupted', exit_code: 129 });
    expect(s.reason).toContain('SIGHUP');
    expect(s.subruns.map((x: any) => x.status)).toEqual(['interrupted', 'planned']);
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.steps.map((x: any) => x.status)).toEqual(['passed', 'interrupted', 'skipped']);
    const restores = readEvents(dir).filter((e) => e.event === 'margin_restore');
    expect(restores.map((e) => [e.rail, e.read_back, e.ok, e.reason]).sort()).toEqual([['freq_mhz', 2400, true, 'interrupt'], ['vcore_mv', 1000, true, 'interrupt']]);
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(groupMembers(pgid)).toEqual([]);
    expect(processesUnder(ws.runs)).toEqual([]);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  for (const [how, code] of [['close', 129], ['kill SIGTERM', 143]] as const) {
    it(`${how === 'close' ? 'a hang-up' : 'SIGTERM'} during the confirmation question: nothing touched, exit ${code}`, async () => {
      ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } });
      const run = startOnPty(ws, ['run', '--flow', 'f', '--margin', 'two', '--unit', 'SN1']);
      await waitFor('the confirmation question', () => run.screen().includes('Apply these margins'), 30_000);
      run.send(how);
      const r = await run.done;
      expect(r).toEqual({ code, signal: null });
      expect(ws.runFolders()).toEqual([]);
      expect(ws.railState('vcore_mv')).toBeNull();
      expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
    });
  }
});
