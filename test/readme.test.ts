// The README is a user's guide first (issue 11): it starts with the two commands that install
// and run the sample and run the tests, then explains, in a user's order, what the tool is,
// installing, init, a first sweep, reading the results, the commands and the exit codes; the
// contributor part comes after. It must name every command the CLI has, and the exit codes
// the code uses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitCode } from '../src/errors.js';
import { repoRoot, runCli } from './cli/helpers.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const headings = [...readme.matchAll(/^(#{1,3}) (.+)$/gm)].map((m) => ({ level: m[1]!.length, text: m[2]!, at: m.index! }));

describe('README', () => {
  test('starts with the sample-run command and the test command, as its first two code lines', () => {
    const code = [...readme.matchAll(/^ {4}(\S.*)$/gm)].map((m) => m[1]!);
    expect(code[0]).toBe('npm ci && npm run build && node dist/cli/main.js run --flow flows/sample_flow.yaml --margin margins/sample_margin.yaml --unit SN123 --yes');
    expect(code[1]).toBe('npm test');
    expect(readme.indexOf(code[1]!)).toBeLessThan(headings.find((h) => h.level === 2)!.at);
  });

  test("user sections come first, in a user's order, and the contributor part after them", () => {
    const order = ['What it is', 'Install', 'Start a workspace', 'A first sweep', 'Reading the results', 'Commands', 'Exit codes', 'Contributing'];
    const at = order.map((title) => headings.find((h) => h.text === title)?.at ?? -1);
    expect(at.every((i) => i >= 0), `missing one of ${order.join(', ')}`).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(headings.find((h) => h.text === 'Contributing')!.level).toBe(1);
    expect(headings.find((h) => h.text === 'Development')!.at).toBeGreaterThan(at.at(-1)!);
  });

  test('the Commands table names every command of `road_runner --help`', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    const commands = [...help.stdout.matchAll(/^ {2}road_runner ([a-z-]+)/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['init', 'run', 'report', 'export', 'completion']));
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('## Exit codes'));
    const missing = [...new Set(commands)].filter((c) => !new RegExp(`\\| \`${c}[ \`]`).test(table) && !table.includes(`\`${c} `) && !table.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  }, 60_000);

  test('the exit code table lists every exit code the code uses', () => {
    const table = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## ', readme.indexOf('## Exit codes') + 5));
    for (const code of Object.values(ExitCode)) expect(table, `exit code ${code}`).toMatch(new RegExp(`\\b${code}\\b`));
  });
});
