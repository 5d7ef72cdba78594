import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const hostDir = fileURLToPath(new URL('../../src/host/', import.meta.url));
const sources = readdirSync(hostDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(hostDir + f, 'utf8') }));

function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
}

test('src/host never imports execa or systeminformation', () => {
  expect(sources.length).toBeGreaterThan(5);
  for (const { file, text } of sources) {
    for (const spec of importsOf(text)) {
      expect(spec, file).not.toMatch(/^(execa|systeminformation)(\/|$)/);
    }
  }
});

test('only live.ts starts processes, and nothing in src/host reads process.env', () => {
  for (const { file, text } of sources) {
    const spawns = importsOf(text).some((s) => s === 'node:child_process' || s === 'child_process');
    expect(spawns, file).toBe(file === 'live.ts');
    expect(text, file).not.toContain('process.env');
  }
});
