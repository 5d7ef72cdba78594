// The invalid corpus through the built CLI: `validate` prints exactly the expected lines on
// stderr, a summary, exit 2, and never a stack trace. The saved-host case goes through
// `detect --host`.
import { afterEach, expect, test } from 'vitest';
import { buildCase, hostCases, listCases, type CaseWorkspace } from '../config/corpus.js';
import { hasStackTrace, hostFile, listRuns, runCli } from './helpers.js';

let current: CaseWorkspace | undefined;

afterEach(() => {
  current?.remove();
  current = undefined;
});

// Each case has its own temp copy, removed when its test ends.
test.each(listCases())('road_runner reports case %s exactly, exit 2', async (name) => {
  const c = buildCase(name);
  try {
    await checkCase(name, c);
  } finally {
    c.remove();
  }
});

async function checkCase(name: string, { root, expected }: CaseWorkspace): Promise<void> {
  if (hostCases.has(name)) {
    const r = await runCli(['detect', '--host', 'host.yaml'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      'road_runner: saved host file host.yaml is invalid:',
      ...expected,
    ]);
    return;
  }
  const r = await runCli(['validate'], { cwd: root });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
  const summary = `${expected.length} problem${expected.length === 1 ? '' : 's'} found; nothing is valid until all are fixed`;
  expect(lines).toEqual([...expected, summary]);
  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(listRuns(root)).toEqual([]);
}

test('plan on an invalid case refuses with the same lines and creates no run folder', async () => {
  current = buildCase('unknown-adapter');
  const abs = await runCli(['plan', '--flow', 'f', '--margin', 'm', '--host', hostFile('xeon-gold-6338.yaml')], { cwd: current.root });
  expect(abs.code).toBe(2);
  expect(abs.stderr.split('\n').filter((l) => l !== '')).toEqual(['road_runner: 1 problem in the workspace:', ...current.expected]);
  expect(listRuns(current.root)).toEqual([]);
});
