import { describe, expect, it } from 'vitest';
import { createLineSplitter, forEachLine } from '../../src/execute/lineScanner.js';
import { compileScanRules, createOutputScanner, readMetricValue } from '../../src/execute/scanRules.js';
import { compactTerminalLine, renderTerminalLine } from '../../src/execute/terminalLine.js';

function splitAll(chunks: Buffer[], maxLineChars?: number, compact?: (s: string) => string): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter({ onLines: (block) => forEachLine(block, (line) => void lines.push(line)), maxLineChars, compact });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('createLineSplitter', () => {
  it('joins lines across chunks and emits a last line without newline', () => {
    expect(splitAll([Buffer.from('ab'), Buffer.from('c\nd\n\ne'), Buffer.from('f')])).toEqual(['abc', 'd', '', 'ef']);
  });

  it('keeps a UTF-8 character split between chunks whole', () => {
    const bytes = Buffer.from('é€\n');
    expect(splitAll([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)])).toEqual(['é€']);
  });

  it('cuts an endless line at the cap and recovers at the next newline', () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const chunks = Array.from({ length: 160 }, () => chunk); // 10 MiB without newline
    const lines = splitAll([...chunks, Buffer.from('\nnext\n')], 1000);
    expect(lines.map((line) => line.length)).toEqual([1000, 4]);
    expect(lines[1]).toBe('next');
  });

  it('compacts an over-long spinner line instead of cutting it', () => {
    const spin = Buffer.from('\b'.repeat(7) + 'setting');
    const chunks = [Buffer.from('testing'), ...Array.from({ length: 20_000 }, () => spin), Buffer.from('\b'.repeat(7) + 'ok     \n')];
    const [line] = splitAll(chunks, 1000, compactTerminalLine);
    expect(line).toBeDefined();
    expect(renderTerminalLine(line ?? '')).toBe('ok');
  });
});

describe('renderTerminalLine', () => {
  it('replays backspaces and carriage returns', () => {
    expect(renderTerminalLine('testing 0\b\b\b\b\b\b\b\b\bok       ')).toBe('ok');
    expect(renderTerminalLine('10%\r50%\r100%')).toBe('100%');
    expect(renderTerminalLine('\b\bab\rc')).toBe('cb');
    expect(renderTerminalLine('plain')).toBe('plain');
  });

  it('compacts to text that renders the same when more output follows', () => {
    const partial = 'abcdef\b\b\bXY\b';
    const rest = 'Z tail';
    expect(renderTerminalLine(compactTerminalLine(partial) + rest)).toBe(renderTerminalLine(partial + rest));
  });
});

describe('scan rules', () => {
  it('returns null when there is nothing to scan and rejects a bad regex', () => {
    expect(compileScanRules(undefined)).toBeNull();
    expect(compileScanRules({ stream: 'stderr' })).toBeNull();
    expect(() => compileScanRules({ failRegex: '(' })).toThrow(/stdout_fail_regex/);
  });

  it('strips a trailing carriage return before matching', () => {
    const rules = compileScanRules({ passRegex: 'ok$' });
    expect(rules).not.toBeNull();
    const scanner = createOutputScanner(rules!);
    scanner.scanLines('all ok\r');
    expect(scanner.readOutcome().passMatched).toBe(true);
  });

  it('screens blocks without missing a line match, also at a line ending in a carriage return', () => {
    const rules = compileScanRules({
      failRegex: '^MISCOMPARE',
      passRegex: 'done$',
      metrics: [{ name: 'n', regex: '^n=(\\d+)$', type: 'integer' }],
    });
    const scanner = createOutputScanner(rules!);
    scanner.scanLines('a\nn=1\r\nb');
    scanner.scanLines('x MISCOMPARE\nn=2x');
    expect(scanner.readOutcome()).toEqual({ failMatched: false, failLine: null, passMatched: false, metrics: { n: 1 } });
    scanner.scanLines('n=3\nMISCOMPARE at 0\nall done\ntail');
    expect(scanner.readOutcome()).toEqual({ failMatched: true, failLine: 'MISCOMPARE at 0', passMatched: true, metrics: { n: 3 } });
  });

  it('runs patterns in linear time: catastrophic backtracking patterns cannot stall a scan', () => {
    // With a backtracking engine each of these lines takes longer than the test run allows.
    const rules = compileScanRules({ failRegex: '(a+)+$', metrics: [{ name: 'x', regex: '^(\\w+\\s?)*:$', type: 'string' }] });
    const scanner = createOutputScanner(rules!);
    const hostile = `${'a'.repeat(60_000)}!`;
    for (let i = 0; i < 20; i++) scanner.scanLines(`${hostile}\n${'word '.repeat(10_000)}?`);
    expect(scanner.readOutcome()).toEqual({ failMatched: false, failLine: null, passMatched: false, metrics: {} });
    scanner.scanLines('aaa');
    expect(scanner.readOutcome().failMatched).toBe(true);
  });

  it('refuses patterns the linear-time engine cannot run, with the fix', () => {
    expect(() => compileScanRules({ failRegex: '(x)\\1' })).toThrow(/invalid stdout_fail_regex \/\(x\)\\1\/: .*invalid escape sequence/);
    expect(() => compileScanRules({ passRegex: 'a(?=b)' })).toThrow(/unsupported Perl syntax/);
  });

  it('reads typed metric values', () => {
    expect(readMetricValue(' 42 ', 'integer')).toBe(42);
    expect(readMetricValue('4.2', 'integer')).toBeUndefined();
    expect(readMetricValue('4.2e3', 'number')).toBe(4200);
    expect(readMetricValue('', 'number')).toBeUndefined();
    expect(readMetricValue('1.2.3', 'number')).toBeUndefined();
    expect(readMetricValue(' walk', 'string')).toBe(' walk');
  });
});
