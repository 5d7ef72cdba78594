// The job's inputs as a §12 bundle (made as `fleet submit` makes it, opened as the agent opens
// it: checked first, a tampered one refused with nothing written) and the database URL handling
// (never a password in argv, messages or output). Pure: no database needed.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BundleRefusedError } from '../../src/bundle/openBundle.js';
import { openJobBundle, type JobBundle } from '../../src/fleet/jobInputs.js';
import { databaseError, redactSecrets, resolveDatabase } from '../../src/fleet/connection.js';
import { UsageError } from '../../src/errors.js';
import { createWorkspace, type TestWorkspace } from '../run/workspace.js';
import { makeJobBundle, tamper } from './jobBundle.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'rr-jobinputs-'));
  dirs.push(d);
  return d;
}

describe('job inputs bundle', () => {
  let ws: TestWorkspace;
  let good: JobBundle;
  beforeAll(async () => {
    ws = createWorkspace({
      flows: { f: { steps: [{ id: 'smoke', adapter: 'pass' }] } },
      margins: { m: { global_seed: 2, targets: { default: { vcore_mv: { values: [850, 900] }, freq_mhz: { fixed: 2000 } } } } },
    });
    good = await makeJobBundle(ws.root, 'f', 'm', ws.hostFile);
  }, 60_000);
  afterAll(() => ws?.dispose());

  // Opens into a fresh dest under a watched temp parent; returns what the parent holds afterwards too.
  async function open(b: unknown): Promise<{ files: Map<string, string> | null; error: Error | null; dest: string; leftInTemp: string[] }> {
    const parent = tempDir();
    const dest = path.join(tempDir(), 'job');
    try {
      const files = await openJobBundle(JSON.parse(JSON.stringify(b)), dest, 'job J1', parent); // as it travels through the queue
      return { files, error: null, dest, leftInTemp: readdirSync(parent) };
    } catch (err) {
      return { files: null, error: err as Error, dest, leftInTemp: readdirSync(parent) };
    }
  }

  it('carries flow, margin and policy byte for byte, base64 in the payload', async () => {
    expect(good).toMatchObject({ format: 'road_runner.job-bundle/1', encoding: 'base64' });
    expect(good.bytes).toBeLessThan(64 * 1024);
    const r = await open(good);
    expect(r.error).toBeNull();
    expect(readFileSync(r.files!.get('flow')!, 'utf8')).toBe(readFileSync(path.join(ws.root, 'flows/f.yaml'), 'utf8'));
    expect(readFileSync(r.files!.get('margin')!, 'utf8')).toBe(readFileSync(path.join(ws.root, 'margins/m.yaml'), 'utf8'));
    expect(readFileSync(r.files!.get('policy')!, 'utf8')).toBe(readFileSync(path.join(ws.root, 'policy/safety.yaml'), 'utf8'));
    expect(r.files!.get('margin')).toBe(path.join(r.dest, 'margins/m.yaml'));
    expect(r.leftInTemp).toEqual([]); // the temporary folder is removed
  });

  it('refuses bytes changed in the queue (outer sha256), writing nothing', async () => {
    const bytes = Buffer.from(good.data, 'base64');
    bytes[bytes.length - 10] ^= 0xff;
    const r = await open({ ...good, data: bytes.toString('base64') });
    expect(r.error).toBeInstanceOf(BundleRefusedError);
    expect(r.error!.message).toMatch(/job J1 was refused: its sha256 does not match/);
    expect(existsSync(r.dest)).toBe(false);
  });

  it('refuses a margin changed inside the bag (manifest checksum), writing nothing', async () => {
    const bad = await tamper(good, (bag) => appendFileSync(path.join(bag, 'data/inputs/margins/m.yaml'), '# edited\n'));
    const r = await open(bad);
    expect(r.error).toBeInstanceOf(BundleRefusedError);
    expect(r.error!.message).toMatch(/data\/inputs\/margins\/m.yaml: checksum mismatch/);
    expect(existsSync(r.dest)).toBe(false);
    expect(r.leftInTemp).toEqual([]);
  });

  it('refuses a symlink inside the bag, never following it', async () => {
    const bad = await tamper(good, (bag) => symlinkSync('/etc/passwd', path.join(bag, 'data/inputs/evil.yaml')));
    const r = await open(bad);
    expect(r.error).toBeInstanceOf(BundleRefusedError);
    expect(r.error!.message).toMatch(/symbolic link/);
    expect(existsSync(r.dest)).toBe(false);
  });

  it('refuses another payload identity, another format, and non-base64 data, as input errors', async () => {
    const results = [
      [await open({ ...good, payload_sha256: '0'.repeat(64) }), /payload identity does not match/],
      [await open({ ...good, format: 'road_runner.job-inputs/1' }), /no bundle of format road_runner.job-bundle\/1/],
      [await open({ ...good, data: `${good.data.slice(0, -4)}!!!!` }), /not base64/],
      [await open({ ...good, bytes: good.bytes + 1 }), /decodes to \d+ bytes/],
    ] as const;
    for (const [r, why] of results) {
      expect(r.error).toBeInstanceOf(BundleRefusedError);
      expect(r.error!.message).toMatch(why);
      expect(existsSync(r.dest)).toBe(false);
      expect(r.leftInTemp).toEqual([]);
    }
  });

  it('never writes through a link already in the job folder', async () => {
    const dest = tempDir();
    const outside = path.join(tempDir(), 'target.yaml');
    writeFileSync(outside, 'untouched\n');
    mkdirSync(path.join(dest, 'flows'));
    symlinkSync(outside, path.join(dest, 'flows/f.yaml'));
    await expect(openJobBundle(good, dest, 'job J1')).rejects.toThrow(/EEXIST/);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
  });
});

describe('database URL', () => {
  const withPw = 'postgres://lab:s3cr%40t@db.lab:5432/rr';
  it('refuses a password on the command line without echoing it', () => {
    try {
      resolveDatabase({ db: withPw, env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const e = err as UsageError;
      expect(`${e.message} ${e.hint}`).not.toMatch(/s3cr/);
      expect(e.message).toMatch(/--db must not carry a password/);
    }
  });

  it('takes the URL from RR_DATABASE_URL or a file, and shows it masked', () => {
    const t = resolveDatabase({ env: { RR_DATABASE_URL: withPw } });
    expect(t.shown).toBe('postgres://lab:***@db.lab:5432/rr');
    const file = path.join(tempDir(), 'db.url');
    writeFileSync(file, `# the lab database\n${withPw}\n`);
    expect(resolveDatabase({ dbFile: file, env: {} }).url).toBe(withPw);
    expect(() => resolveDatabase({ env: {} })).toThrow(/no fleet database given/);
    expect(() => resolveDatabase({ env: { RR_DATABASE_URL: 'mysql://x@y/z' } })).toThrow(/must start with postgres:\/\//);
  });

  it('scrubs the password from any error text', () => {
    const t = resolveDatabase({ env: { RR_DATABASE_URL: withPw } });
    const e = databaseError(t, new Error(`could not connect with ${withPw} (password s3cr@t)`), 'connecting');
    expect(e.message).not.toMatch(/s3cr/);
    expect(e.exitCode).toBe(4);
    expect(redactSecrets('postgresql://a:b@c/d', [])).toBe('postgresql://a:***@c/d');
  });
});
