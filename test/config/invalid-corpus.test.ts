// Every invalid input in the corpus is reported with its exact, located message, and every
// problem of a case is reported at once.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { compileValidators } from '../../src/config/compileSchemas.js';
import { loadHost } from '../../src/workspace/host.js';
import { loadWorkspace } from '../../src/workspace/load.js';
import { buildCase, corpusDir, hostCases, listCases, type CaseWorkspace } from './corpus.js';

const validators = compileValidators();
const cases = listCases();
let current: CaseWorkspace | undefined;

afterEach(() => {
  current?.remove();
  current = undefined;
});

async function reportCase(name: string): Promise<string[]> {
  current = buildCase(name);
  if (hostCases.has(name)) {
    try {
      await loadHost(validators, current.root, 'host.yaml', current.root);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map(formatProblem);
      throw e;
    }
    return [];
  }
  return loadWorkspace(validators, current.root, { envPath: '' }).problems.map(formatProblem);
}

test('the corpus holds at least 20 cases, each with expected lines', () => {
  expect(cases.length).toBeGreaterThanOrEqual(20);
  for (const name of cases) {
    const c = buildCase(name);
    c.remove();
    expect(c.expected.length, name).toBeGreaterThan(0);
  }
});

test('the base workspace of the corpus is valid, so every problem comes from the case', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rr-invalid-base-'));
  try {
    cpSync(join(corpusDir, 'base'), dir, { recursive: true });
    const ws = loadWorkspace(validators, dir, { envPath: '' });
    expect(ws.problems).toEqual([]);
    expect(ws.adapters.map((a) => a.data.name).sort()).toEqual(['diag-a', 'vcore']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.each(cases)('invalid case %s', (name) => {
  test('reports exactly the expected lines', async () => {
    const lines = await reportCase(name);
    expect(lines).toEqual(current!.expected);
  });
});

test('every reported line names file:line:col or a file that does not exist', async () => {
  for (const name of cases) {
    const lines = await reportCase(name);
    for (const line of lines) {
      if (name === 'no-policy') expect(line).toMatch(/^policy\/safety\.yaml: /);
      else expect(line, `${name}: ${line}`).toMatch(/^[\w./-]+\.yaml:\d+:\d+: /);
    }
    current?.remove();
    current = undefined;
  }
});

test('a file with three errors gives three lines, in file order', async () => {
  const lines = await reportCase('three-errors');
  expect(lines).toHaveLength(3);
  expect(lines.map((l) => Number(l.split(':')[1]))).toEqual([5, 6, 7]);
});

test('problems in several files are all reported in one pass', () => {
  // Two cases at once: an unknown flow key and a zero sweep step.
  current = buildCase('unknown-top-key');
  cpSync(join(corpusDir, 'sweep-step-zero/margins'), join(current.root, 'margins'), { recursive: true });
  const lines = loadWorkspace(validators, current.root, { envPath: '' }).problems.map(formatProblem);
  expect(lines).toHaveLength(2);
  expect(lines.some((l) => l.startsWith('flows/f.yaml:2:1: descripton: unknown key'))).toBe(true);
  expect(lines.some((l) => l.startsWith('margins/m.yaml:4:54: targets.default.vcore_mv.sweep.step: sweep step is 0'))).toBe(true);
});
