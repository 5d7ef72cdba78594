// The job's input files (pack/unpack with sha256 and safe paths) and the database URL handling
// (never a password in argv, messages or output). Pure: no database needed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packJobInputs, unpackJobInputs } from '../../src/fleet/jobInputs.js';
import { databaseError, redactSecrets, resolveDatabase } from '../../src/fleet/connection.js';
import { UsageError } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'rr-jobinputs-'));
  dirs.push(d);
  return d;
}

function packedSample(dir: string) {
  writeFileSync(path.join(dir, 'f.yaml'), 'name: f\nsteps: []\n');
  writeFileSync(path.join(dir, 'm.yaml'), 'name: m\n');
  return packJobInputs([
    { role: 'flow', abs: path.join(dir, 'f.yaml'), path: 'flows/f.yaml' },
    { role: 'margin', abs: path.join(dir, 'm.yaml'), path: 'margins/m.yaml' },
  ]);
}

describe('job inputs', () => {
  it('unpacks byte for byte, with each file where it was packed', () => {
    const src = tempDir();
    const packed = JSON.parse(JSON.stringify(packedSample(src))); // as it travels through the queue
    const dest = path.join(tempDir(), 'job');
    const files = unpackJobInputs(packed, dest);
    expect(readFileSync(files.get('flow')!, 'utf8')).toBe('name: f\nsteps: []\n');
    expect(files.get('margin')).toBe(path.join(dest, 'margins/m.yaml'));
  });

  it('refuses a file whose bytes do not match its sha256, writing nothing', () => {
    const packed = packedSample(tempDir());
    packed.files[1]!.content = Buffer.from('name: evil\n').toString('base64');
    const dest = path.join(tempDir(), 'job');
    expect(() => unpackJobInputs(packed, dest)).toThrow(/margins\/m.yaml: its sha256 does not match/);
    expect(existsSync(dest)).toBe(false);
  });

  it.each(['../escape.yaml', '/etc/passwd', 'flows/../../x.yaml', 'flows//x.yaml', 'a\\b.yaml', ''])('refuses the path %j', (bad) => {
    const packed = packedSample(tempDir());
    packed.files[0]!.path = bad;
    expect(() => unpackJobInputs(packed, path.join(tempDir(), 'job'))).toThrow(UsageError);
  });

  it('never writes through a link already in the folder', () => {
    const packed = packedSample(tempDir());
    const dest = tempDir();
    const outside = path.join(tempDir(), 'target.yaml');
    writeFileSync(outside, 'untouched\n');
    mkdirSync(path.join(dest, 'flows'));
    symlinkSync(outside, path.join(dest, 'flows/f.yaml'));
    expect(() => unpackJobInputs(packed, dest)).toThrow(/EEXIST/);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
  });

  it('refuses a payload without a flow, or of another format', () => {
    const packed = packedSample(tempDir());
    expect(() => unpackJobInputs({ ...packed, files: packed.files.filter((f) => f.role !== 'flow') }, tempDir())).toThrow(/no flow file/);
    expect(() => unpackJobInputs({ format: 'other', files: [] }, tempDir())).toThrow(/road_runner.job-inputs\/1/);
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
