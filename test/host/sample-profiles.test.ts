// The hardware profiles that ship in policy/profiles/ pick the expected profile for each
// captured host. Skipped while that folder holds no profiles.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildHostFacts } from '../../src/host/facts.js';
import { selectProfile, toProfileCandidate, type ProfileCandidate, type ProfileMatch } from '../../src/host/match.js';
import { readLscpuFixture, readUnameFixture } from './fixtures.js';

const profileDir = fileURLToPath(new URL('../../policy/profiles/', import.meta.url));
const files = existsSync(profileDir) ? readdirSync(profileDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

function loadCandidates(): ProfileCandidate[] {
  return files.map((f) => {
    const doc = parse(readFileSync(profileDir + f, 'utf8')) as { name: string; priority?: number; match?: ProfileMatch };
    return toProfileCandidate(doc, `policy/profiles/${f}`);
  });
}

const expected: Record<string, string | null> = {
  'this-vm-flat': 'intel-xeon',
  'this-vm-tree-wrapped': 'intel-xeon',
  'xeon-gold-6338-2s-flat-rhel8': 'intel-xeon',
  'epyc-7763-1s-tree': 'amd-epyc',
  'ampere-altra-q80-flat': 'aarch64-neoverse',
  'rk3588-a55-a76-tree': null,
  's922x-a53-a73-flat': null,
  'minimal-odd-container': 'generic-x86_64',
};

test.skipIf(files.length === 0).each(Object.entries(expected))('sample profiles select for %s: %s', (fixture, name) => {
  const candidates = loadCandidates();
  const facts = buildHostFacts({ lscpu: readLscpuFixture(fixture), uname: readUnameFixture(fixture) });
  const selection = selectProfile(facts, candidates);
  expect(selection.selected?.name ?? null).toBe(name);
  expect(selection.considered).toHaveLength(candidates.length);
});

test.skipIf(files.length === 0)('sample profile names are unique and every one can be forced', () => {
  const candidates = loadCandidates();
  const names = candidates.map((c) => c.name);
  expect(new Set(names).size).toBe(names.length);
  const facts = buildHostFacts({ lscpu: readLscpuFixture('rk3588-a55-a76-tree'), uname: readUnameFixture('rk3588-a55-a76-tree') });
  for (const name of names) expect(selectProfile(facts, candidates, name).selected?.name).toBe(name);
});
