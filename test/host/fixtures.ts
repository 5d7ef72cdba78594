// Reads the captured lscpu / uname texts in test/fixtures/lscpu/.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixtureDir = fileURLToPath(new URL('../fixtures/lscpu/', import.meta.url));

export function readLscpuFixture(name: string): string {
  return readFileSync(`${fixtureDir}${name}.txt`, 'utf8');
}

export function readUnameFixture(name: string): string {
  return readFileSync(`${fixtureDir}${name}.uname`, 'utf8');
}

export function listFixtureNames(): string[] {
  return readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();
}
