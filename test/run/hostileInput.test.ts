// SPEC §15 and §6 (--out) end to end through the built CLI: hostile input files (alias bomb,
// oversize, FIFO, device, Latin-1, symlinks in and out of the workspace), damaged records,
// escape sequences in what is printed, numeric options, and where export may write.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, createWorkspace, subrunFolders, type CliResult, type TestWorkspace } from './workspace.js';

const OK_FLOW = { ok: { steps: [{ id: 'p', adapter: 'pass' }] } };

function expectInputError(r: CliResult, ...parts: string[]): void {
  expect(r.code, r.stderr).toBe(2);
  for (const p of parts) expect(r.stderr).toContain(p);
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('hostile input files', () => {
  let ws: TestWorkspace | undefined;
  afterEach(() => {
    ws?.dispose();
    ws = undefined;
  });
  const plan = (flow: string) => ws!.cli(['plan', '--flow', flow, '--margin', 'one'], { limitMs: 30_000 });

  it('an alias bomb is an input error naming the file', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    writeFileSync(path.join(ws.root, 'flows/bomb.yaml'), `${rows.join('\n')}\n`);
    expectInputError(await plan('flows/bomb.yaml'), 'flows/bomb.yaml', 'aliases expand too much');
  });

  it('a file of 10 MiB + 1 byte is refused; the limit itself is not', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    const big = path.join(ws.root, 'flows/big.yaml');
    // A valid flow padded with a comment up to the limit.
    const head = 'name: big\nsteps:\n  - {id: p, adapter: pass}\n#';
    writeFileSync(big, head + 'x'.repeat(10 * 1024 * 1024 - head.length - 1) + '\n');
    expect(statSync(big).size).toBe(10 * 1024 * 1024);
    const atLimit = await plan('flows/big.yaml');
    expect(atLimit.code, atLimit.stderr).toBe(0);
    appendFileSync(big, '#');
    expectInputError(await plan('flows/big.yaml'), 'flows/big.yaml', 'larger than the limit of 10 MiB');
  });

  it('a FIFO in place of a flow, or named by --host, is refused at once instead of blocking', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    execFileSync('mkfifo', [path.join(ws.root, 'flows/pipe.yaml'), path.join(ws.root, 'host.fifo')]);
    expectInputError(await plan('flows/pipe.yaml'), 'flows/pipe.yaml', 'is a FIFO (named pipe), not a regular file');
    // validate lists every file of flows/, the FIFO included.
    expectInputError(await ws.cli(['validate'], { limitMs: 30_000 }), 'flows/pipe.yaml', 'FIFO');
    const host = spawnSync(process.execPath, [CLI, 'plan', '--flow', 'ok', '--margin', 'one', '--root', ws.root, '--host', path.join(ws.root, 'host.fifo')], { encoding: 'utf8', timeout: 30_000 });
    expect(host.status, host.stderr).toBe(2);
    expect(host.stderr).toContain('host.fifo: is a FIFO');
  });

  it('/dev/zero named directly or through a symlink never gets read', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    expectInputError(await plan('/dev/zero'), '/dev/zero', 'is a character device, not a regular file');
    symlinkSync('/dev/zero', path.join(ws.root, 'flows/zero.yaml'));
    expectInputError(await plan('flows/zero.yaml'), 'flows/zero.yaml', 'is a symlink to /dev/zero, outside the workspace');
  });

  it('a Latin-1 byte is an error with line, column and byte offset, never a replaced character', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    writeFileSync(path.join(ws.root, 'flows/latin.yaml'), Buffer.concat([Buffer.from('name: latin\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\nsteps:\n  - {id: p, adapter: pass}\n')]));
    expectInputError(await plan('flows/latin.yaml'), 'flows/latin.yaml:2:17: is not valid UTF-8: byte 0xe9 at offset 28');
  });

  it('a symlinked rail manifest inside the workspace loads like the file: the rail is set, then restored', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    mkdirSync(path.join(ws.root, 'rails'));
    renameSync(path.join(ws.root, 'adapters/vcore.yaml'), path.join(ws.root, 'rails/vcore.yaml'));
    symlinkSync('../rails/vcore.yaml', path.join(ws.root, 'adapters/vcore.yaml'));
    const r = await ws.run('ok', 'one');
    expect(r.code, r.stderr).toBe(0);
    expect(ws.railHistory('vcore_mv')[0]).toBe(950);
    expect(ws.railState('vcore_mv')).toBe(1000);
    const plan = JSON.parse(readFileSync(path.join(ws.onlyRun(), 'plan.json'), 'utf8')) as { rails: Record<string, { passive?: boolean }> };
    expect(plan.rails.vcore_mv?.passive).toBeFalsy();
  });

  it('a rail manifest that is a symlink leading outside the workspace stops the run before any rail moves', async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    const outside = mkdtempSync(path.join(tmpdir(), 'rr-outside-'));
    try {
      renameSync(path.join(ws.root, 'adapters/vcore.yaml'), path.join(outside, 'vcore.yaml'));
      symlinkSync(path.join(outside, 'vcore.yaml'), path.join(ws.root, 'adapters/vcore.yaml'));
      const r = await ws.run('ok', 'one');
      expectInputError(r, 'adapters/vcore.yaml', `is a symlink to ${path.join(outside, 'vcore.yaml')}, outside the workspace`);
      expect(ws.railHistory('vcore_mv')).toEqual([]);
      expect(ws.railHistory('freq_mhz')).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('records, printed text, options and export of a finished run', () => {
  let ws: TestWorkspace;
  let runId: string;
  let dir: string;
  const UNIT = 'SN\u001b]0;owned\u0007\u001b[31mRED';

  beforeAll(async () => {
    ws = createWorkspace({ flows: OK_FLOW });
    const r = await ws.cli(['run', '--flow', 'ok', '--margin', 'one', '--unit', UNIT, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    dir = ws.onlyRun();
    runId = path.basename(dir);
  });
  afterAll(() => ws?.dispose());

  // Runs a command against a copy of the run's folder with one record damaged; the original stays intact.
  async function withDamaged(file: string, damage: (abs: string) => void, args: (id: string) => string[]): Promise<CliResult> {
    const saved = readFileSync(path.join(dir, file));
    try {
      damage(path.join(dir, file));
      return await ws.cli(args(runId), { limitMs: 30_000 });
    } finally {
      rmSync(path.join(dir, file), { force: true });
      writeFileSync(path.join(dir, file), saved);
    }
  }
  const truncateHalf = (abs: string) => truncateSync(abs, Math.floor(statSync(abs).size / 2));

  it('a truncated plan.json: report and run --resume name the file and the line:col where JSON stops', async () => {
    for (const args of [(id: string) => ['report', '--run-id', id], (id: string) => ['run', '--resume', id, '--yes']]) {
      const r = await withDamaged('plan.json', truncateHalf, args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`plan of run ${runId} is not valid JSON: \\S+/plan\\.json:\\d+:\\d+: `));
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('a plan.json of the wrong shape: run --resume and rerun-last say which field, and that the record is old or damaged', async () => {
    const reshape = (abs: string) => {
      const plan = JSON.parse(readFileSync(abs, 'utf8')) as { subruns: { steps: unknown }[] };
      plan.subruns[0]!.steps = { not: 'a list' };
      writeFileSync(abs, JSON.stringify(plan));
    };
    for (const args of [(id: string) => ['run', '--resume', id, '--yes'], () => ['rerun-last']]) {
      const r = await withDamaged('plan.json', reshape, args);
      expectInputError(r, `plan of run ${runId} has the wrong shape: `, 'plan.json: subruns[0].steps is not a list', 'older road_runner or damaged');
    }
    const truncated = await withDamaged('plan.json', truncateHalf, () => ['rerun-last']);
    expectInputError(truncated, `the most recent passed run ${runId} cannot be re-run: plan of run ${runId} is not valid JSON`);
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000]);
  });

  it('a truncated summary.json: export names it and writes nothing', async () => {
    const r = await withDamaged('summary.json', truncateHalf, (id) => ['export', '--run', id, '--format', 'csv']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/summary of run \S+ is not valid JSON: \S+summary\.json:\d+:\d+/);
    expect(() => lstatSync(path.join(dir, 'export.csv'))).toThrow();
  });

  it('a FIFO in place of a record is reported, never waited on', async () => {
    const r = await withDamaged('summary.json', (abs) => {
      rmSync(abs);
      execFileSync('mkfifo', [abs]);
    }, (id) => ['export', '--run', id, '--format', 'csv', '--out', '-']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('summary.json is a FIFO (named pipe), not a regular file');
  });

  it('escape sequences recorded in a run are shown as visible escapes by runs list and runs show', async () => {
    for (const args of [['runs', 'list'], ['runs', 'show', runId]]) {
      const r = await ws.cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('SN\\x1b]0;owned\\x07\\x1b[31mRED');
      expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
  });

  it.each([
    ['plan', '--seed', 'NaN'], ['plan', '--seed', 'Infinity'], ['plan', '--seed', '1e309'], ['plan', '--seed', '-1'],
    ['plan', '--seed', '9007199254740993'], ['plan', '--seed', '4294967296'], ['plan', '--seed', '1.5'],
    ['run', '--grace', 'NaN'], ['run', '--grace', '-1'], ['run', '--grace', `1${'0'.repeat(400)}`], ['run', '--grace', '3601'],
    ['clean', '--older-than', 'Infinity'], ['clean', '--older-than', '36501'], ['rerun-last', '--grace', '1e309'],
  ])('%s %s %s is a usage error naming the option, its range and the value', async (command, option, value) => {
    const sweep = command === 'plan' || command === 'run' ? ['--flow', 'ok', '--margin', 'one', '--unit', 'SN2', '--dry-run'].slice(0, command === 'plan' ? 4 : 7) : [];
    const r = await ws.cli([command, ...sweep, option, value]);
    expectInputError(r, `${option} must be`, `got "${value.slice(0, 40)}`);
    expect(r.stderr).toMatch(/\(0 to \d+\)/);
  });

  it('accepts the edges of each range', async () => {
    const r = await ws.cli(['plan', '--flow', 'ok', '--margin', 'one', '--seed', '4294967295']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('4294967295');
  });

  describe('export --out', () => {
    it('refuses a symlink, a device and a folder, and leaves each as it was', async () => {
      const victim = path.join(ws.root, 'victim.txt');
      writeFileSync(victim, 'keep\n');
      const link = path.join(ws.root, 'link.csv');
      symlinkSync(victim, link);
      const folder = path.join(ws.root, 'out-folder');
      mkdirSync(folder);
      for (const [target, kind] of [[link, 'a symlink'], ['/dev/null', 'a device'], [folder, 'a folder']] as const) {
        const r = await ws.cli(['export', '--run', runId, '--format', 'csv', '--out', target]);
        expectInputError(r, `--out ${target} is ${kind}; export replaces only a regular file`);
      }
      expect(readlinkSync(link)).toBe(victim);
      expect(readFileSync(victim, 'utf8')).toBe('keep\n');
      expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
      expect(statSync(folder).isDirectory()).toBe(true);
    });

    it('replaces a regular file and leaves no temp file beside it', async () => {
      const target = path.join(ws.root, 'steps.csv');
      writeFileSync(target, 'old\n');
      const r = await ws.cli(['export', '--run', runId, '--format', 'csv', '--out', target]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(target, 'utf8')).toMatch(/^run_id,/);
      expect(execFileSync('ls', ['-a', ws.root], { encoding: 'utf8' })).not.toMatch(/\.tmp/);
    });

    it('--out - into `| head -1` ends quietly with exit 0', async () => {
      // Enough rows that the reader has gone long before the writer is done.
      const log = path.join(subrunFolders(dir)[0]!, 'steps.ldjson');
      const events = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"step_'));
      const saved = readFileSync(log);
      try {
        appendFileSync(log, `${Array(20_000).fill(events.join('\n')).join('\n')}\n`);
        const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" export --run ${runId} --format csv --out - --root "${ws.root}" 2>"${ws.root}/export.err" | head -1`], { encoding: 'utf8', timeout: 60_000 });
        expect(r.stdout).toMatch(/^run_id,subrun_id,/);
        expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
        expect(readFileSync(path.join(ws.root, 'export.err'), 'utf8')).toBe('');
        expect(r.status).toBe(0);
      } finally {
        writeFileSync(log, saved);
      }
    });
  });
});
