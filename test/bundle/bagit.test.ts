// The BagIt text helpers (pure): manifests round-trip any path, bag-info parses what it formats,
// and every path that could leave the bag is named as such.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBagInfo, formatManifest, parseBagInfo, parseManifest, unsafePathReason } from '../../src/bundle/bagit.js';

describe('bagit text', () => {
  it('a manifest round-trips any path (CR, LF and % percent-encoded) and sorts by path', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    fc.assert(fc.property(fc.uniqueArray(fc.record({ path: fc.string({ minLength: 1 }).map((s) => `data/${s}`), sha256: hex }), { selector: (e) => e.path, maxLength: 8 }), (entries) => {
      const text = formatManifest(entries);
      expect(text.split('\n').filter(Boolean)).toHaveLength(entries.length);
      const back = parseManifest(text);
      expect(back.problems).toEqual([]);
      expect(back.entries).toEqual([...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
    }));
    expect(formatManifest([{ path: 'data/a\nb%', sha256: 'a'.repeat(64) }])).toBe(`${'a'.repeat(64)}  data/a%0Ab%25\n`);
    expect(parseManifest('nonsense\n').problems).toEqual(['line 1 is not "<sha256>  <path>"']);
    expect(parseManifest(`${'B'.repeat(64)} *data/x\n`).entries).toEqual([{ sha256: 'b'.repeat(64), path: 'data/x' }]);
  });

  it('bag-info parses what it formats; control characters never break a line', () => {
    const text = formatBagInfo([['Road-Runner-Unit', 'SN\n1'], ['Payload-Oxum', '10.2']]);
    expect(text).toBe('Road-Runner-Unit: SN 1\nPayload-Oxum: 10.2\n');
    expect(Object.fromEntries(parseBagInfo(text).fields)).toEqual({ 'Road-Runner-Unit': 'SN 1', 'Payload-Oxum': '10.2' });
    expect(parseBagInfo('no colon here\n').problems).toEqual(['line 1 is not "Label: value"']);
  });

  it.each([
    ['/etc/passwd', 'an absolute path'],
    ['bag/../../x', 'a ".." segment that escapes the bag'],
    ['..', 'a ".." segment that escapes the bag'],
    ['bag/./x', 'an empty or "." segment'],
    ['bag//x', 'an empty or "." segment'],
    ['bag\\..\\x', 'a backslash in the path'],
    ['C:/x', 'a drive-letter path'],
    ['bag/\u001b[2Jx', 'a control character in the path'],
    ['', 'an empty path'],
  ])('%j is unsafe: %s', (p, why) => {
    expect(unsafePathReason(p)).toBe(why);
  });

  it('plain relative paths (and a folder\'s trailing slash) are safe', () => {
    for (const p of ['bag', 'bag/', 'bag/data/plan.json', 'bag/data/..x/y..', 'bag/data/.manifest.json']) expect(unsafePathReason(p)).toBeNull();
  });
});
