// The corpus of invalid inputs in test/fixtures/invalid/: each case folder holds the files that
// replace or add to the minimal valid workspace in `base/`, and `expected.txt` with the exact
// lines road_runner must report. A few cases need a step no fixture file can express.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const corpusDir = fileURLToPath(new URL('../fixtures/invalid/', import.meta.url));

/** Cases that are one saved host file (`host.yaml`), checked by loading the host, not the workspace. */
export const hostCases = new Set(['host-missing-uname']);

/** A case copied into a temp folder: `root` is the workspace, `outside` a sibling folder. */
export interface CaseWorkspace {
  root: string;
  outside: string;
  /** The expected lines, with `<TMP>` replaced by the temp folder. */
  expected: string[];
  remove: () => void;
}

/** Every case folder name, sorted (not `base`). */
export function listCases(): string[] {
  return readdirSync(corpusDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'base')
    .map((d) => d.name)
    .sort();
}

/** Builds the workspace of one case (base + the case's files) in a fresh temp folder. */
export function buildCase(name: string): CaseWorkspace {
  const tmp = mkdtempSync(join(tmpdir(), `rr-invalid-${name}-`));
  const root = join(tmp, 'ws');
  const outside = join(tmp, 'outside');
  cpSync(join(corpusDir, 'base'), root, { recursive: true });
  cpSync(join(corpusDir, name), root, { recursive: true, filter: (src) => !src.endsWith('expected.txt') });
  if (name === 'no-policy') rmSync(join(root, 'policy/safety.yaml'));
  if (name === 'symlink-outside') {
    // diags/escape → an executable outside the workspace.
    writeFileSync(outside, '#!/bin/sh\necho escaped\n', { mode: 0o755 });
    symlinkSync(outside, join(root, 'diags/escape'));
  }
  const expected = readFileSync(join(corpusDir, name, 'expected.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replaceAll('<TMP>', tmp));
  return { root, outside, expected, remove: () => rmSync(tmp, { recursive: true, force: true }) };
}
