// A bundle is checked before use (SPEC §12, §15): every tampered or broken bundle is refused as
// an input error naming the bundle and the entry, and nothing is written outside the
// temporary folder openBundle makes (here: inside a folder the test watches). Hostile archives
// are crafted with Python's tarfile (test/bundle/tamper.py) from a good bundle of a small run
// folder made with the real writer.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleRun } from '../../src/bundle/bundleRun.js';
import { BundleRefusedError, openBundle } from '../../src/bundle/openBundle.js';
import { hasStackTrace, runCli } from '../cli/helpers.js';

const TAMPER = fileURLToPath(new URL('./tamper.py', import.meta.url));
const RUN_ID = 'rr-20260101T120000Z-abc123';
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython && !required) console.warn('skipping the crafted-bundle cases of tampered.test.ts: no python3; REQUIRE_SYSTEM_TOOLS=1 makes this a failure');

let tmp: string;
let good: string;
let watched: string;
let packed: { skipped: string[]; logs: number };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'rr-tamper-'));
  // A small run folder: the records a bundle carries, logs included.
  const run = path.join(tmp, 'runs', RUN_ID);
  const sub = path.join(run, 'subruns', `${RUN_ID}-s00`);
  mkdirSync(path.join(sub, 'stdout'), { recursive: true });
  mkdirSync(path.join(run, 'inputs', 'flows'), { recursive: true });
  writeFileSync(path.join(run, 'plan.json'), JSON.stringify({ format: 'road_runner.plan/1', run_id: RUN_ID, flow: 'f', margin: 'm' }, null, 2));
  writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ run_id: RUN_ID, unit: 'SN7', status: 'passed' }));
  writeFileSync(path.join(run, 'inputs', 'flows', 'f.yaml'), 'name: f\nsteps: []\n');
  writeFileSync(path.join(sub, 'summary.json'), '{}');
  writeFileSync(path.join(sub, 'stdout', '00_a.log'), 'hello\n');
  // A symlink in a run folder is never packed (nor followed).
  symlinkSync('/etc/passwd', path.join(run, 'inputs', 'link.yaml'));
  good = path.join(tmp, 'good.tar.gz');
  packed = await bundleRun({ runDir: run, runId: RUN_ID, withLogs: true, now: new Date('2026-01-02T00:00:00Z') }, { file: good });
  watched = path.join(tmp, 'watched');
  mkdirSync(watched);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Opens `file` with its temporary folder under `watched`; returns the refusal message (fails if it opened). */
async function refusal(file: string, limits: { maxEntries?: number; maxBytes?: number } = {}): Promise<string> {
  const parent = mkdtempSync(path.join(watched, 'case-'));
  let message = '';
  try {
    const b = await openBundle(file, { tempParent: parent, ...limits });
    b.cleanup();
    throw new Error(`${file} was opened, not refused`);
  } catch (err) {
    if (!(err instanceof BundleRefusedError)) throw err;
    expect(err.exitCode).toBe(2);
    message = err.message;
  }
  // Nothing left behind: not in the temporary folder's parent, not beside it.
  expect(readdirSync(parent)).toEqual([]);
  expect(message).not.toContain('\n');
  expect(message).toContain(`bundle ${file} refused: `);
  return message;
}

const escapeName = `escaped-${process.pid}.txt`;
const absTarget = () => path.join(tmp, `abs-${escapeName}`);

// Every hostile variant, made by one Python start (a loaded CI host starts Python slowly).
function craftAll(): void {
  const specs = ['checksum', 'tag', 'missing', 'extra', 'duplicate', 'symlink=/etc/passwd', 'hardlink', 'device', 'fifo', 'outside',
    `dotdot=${RUN_ID}/../../../${escapeName}`, `absolute=${absTarget()}`];
  mkdirSync(path.join(tmp, 'crafted'));
  execFileSync('python3', [TAMPER, good, path.join(tmp, 'crafted'), ...specs]);
}

const crafted = (mode: string) => path.join(tmp, 'crafted', `${mode}.tar.gz`);

describe('openBundle', () => {
  it('opens a good bundle: checked payload, bag-info fields, a scratch folder, cleanup removes it all', async () => {
    const parent = mkdtempSync(path.join(watched, 'good-'));
    const b = await openBundle(good, { tempParent: parent });
    try {
      expect(b.info).toMatchObject({ kind: 'run', run_id: RUN_ID, unit: 'SN7', flow: 'f', margin: 'm', bag_name: RUN_ID, bagging_date: '2026-01-02' });
      expect(b.payload).toEqual([
        'data/inputs/flows/f.yaml', 'data/plan.json', `data/subruns/${RUN_ID}-s00/stdout/00_a.log`, `data/subruns/${RUN_ID}-s00/summary.json`, 'data/summary.json',
      ]);
      expect(readFileSync(b.planPath, 'utf8')).toContain(RUN_ID);
      expect(b.dir.startsWith(parent)).toBe(true);
      expect(readdirSync(b.workDir)).toEqual([]);
      expect(b.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(packed.skipped).toEqual(['inputs/link.yaml (a symlink)']);
      expect(packed.logs).toBe(1);
    } finally {
      b.cleanup();
    }
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a truncated gzip and a corrupt one', async () => {
    const bytes = readFileSync(good);
    const truncated = path.join(tmp, 'truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await refusal(truncated)).toMatch(/not a readable \.tar\.gz/);
    const corrupt = path.join(tmp, 'corrupt.tar.gz');
    const flipped = Buffer.from(bytes);
    for (let i = 40; i < 60; i++) flipped[i] = flipped[i]! ^ 0xff;
    writeFileSync(corrupt, flipped);
    expect(await refusal(corrupt)).toMatch(/not a readable \.tar\.gz|checksum/);
    const notGzip = path.join(tmp, 'text.tar.gz');
    writeFileSync(notGzip, 'just text\n'.repeat(100));
    expect(await refusal(notGzip)).toMatch(/not a readable \.tar\.gz|archive is empty/);
  });

  it('refuses a bomb: too many entries, too many bytes', async () => {
    expect(await refusal(good, { maxEntries: 3 })).toContain('more than 3 entries');
    expect(await refusal(good, { maxBytes: 100 })).toContain('more than 100 bytes of content');
  });

  it('a bundle that is not a file is a usage error naming it', async () => {
    await expect(openBundle(tmp)).rejects.toThrow(`bundle ${tmp} is not a regular file`);
    await expect(openBundle(path.join(tmp, 'nope.tar.gz'))).rejects.toThrow(/cannot read bundle .*nope\.tar\.gz: ENOENT/);
  });
});

describe.skipIf(!hasPython && !required)('tampered bundles (crafted with Python tarfile)', () => {
  beforeAll(() => {
    expect(hasPython, 'REQUIRE_SYSTEM_TOOLS=1 but python3 is missing').toBe(true);
    craftAll();
  });

  it.each([
    ['checksum', /data\/plan\.json: checksum mismatch/],
    ['tag', /bag-info\.txt: checksum mismatch \(.*tag manifest/],
    ['missing', /data\/summary\.json is in the manifest but missing from the archive/],
    ['extra', /data\/extra\.txt is not in manifest-sha256\.txt/],
    ['duplicate', /data\/plan\.json" appears twice/],
    ['symlink', /data\/link" is a symbolic link/],
    ['hardlink', /data\/hard" is a hard link/],
    ['device', /data\/dev" is a device/],
    ['fifo', /data\/fifo" is a FIFO/],
    ['outside', /"other\/file\.txt" is outside the bag folder/],
  ])('%s is refused', async (mode, expected) => {
    expect(await refusal(crafted(mode))).toMatch(expected);
  });

  it('a path escaping the bag (../, absolute) is refused and nothing lands where it pointed', async () => {
    expect(await refusal(crafted('dotdot'))).toContain('a ".." segment that escapes the bag');
    expect(await refusal(crafted('absolute'))).toContain(`entry "${absTarget()}": an absolute path`);
    expect(existsSync(absTarget())).toBe(false);
    // ../../../ from the extraction folder (parent/rr-bundle-*/x/) reaches watched/ or tmp/.
    for (const dir of [watched, tmp, path.dirname(tmp)]) expect(existsSync(path.join(dir, escapeName))).toBe(false);
  });

  it('through the CLI: replay of a tampered bundle exits 2 with one message and no stack trace', async () => {
    const root = mkdtempSync(path.join(tmp, 'ws-'));
    const r = await runCli(['replay', crafted('symlink'), '--unit', 'SN1', '--yes', '--root', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^road_runner: bundle .*symlink\.tar\.gz refused: entry ".*data\/link" is a symbolic link/);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the message and its fix
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
