// The text files of a BagIt bag (RFC 8493) as road_runner writes and reads them: pure helpers,
// no I/O. A bag is `bagit.txt`, `bag-info.txt`, `manifest-sha256.txt` (one `<sha256>  <path>`
// line per payload file under `data/`) and `tagmanifest-sha256.txt` (the same for the tag
// files). The two spaces make every manifest a valid `sha256sum -c` input.

/** Tag files at the top of a bag (the only files allowed outside data/). */
export const BAG_FILES = {
  declaration: 'bagit.txt',
  info: 'bag-info.txt',
  manifest: 'manifest-sha256.txt',
  tagManifest: 'tagmanifest-sha256.txt',
} as const;

/** The payload folder of a bag. */
export const PAYLOAD_DIR = 'data';

/** The BagIt version road_runner writes. */
export const BAGIT_VERSION = '1.0';

/** One file of a manifest: its path inside the bag (`/`-separated) and its sha256 (hex). */
export interface ManifestEntry {
  path: string;
  sha256: string;
}

/** `bagit.txt`: version and tag-file encoding. */
export function formatDeclaration(): string {
  return `BagIt-Version: ${BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n`;
}

/** RFC 8493 §2.1.3: CR, LF and % in a manifest path are percent-encoded. */
export function encodeManifestPath(p: string): string {
  return p.replace(/%/g, '%25').replace(/\n/g, '%0A').replace(/\r/g, '%0D');
}

function decodeManifestPath(p: string): string {
  return p.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');
}

/** A manifest: one `<sha256>  <path>` line per entry, sorted by path. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.sha256}  ${encodeManifestPath(e.path)}\n`).join('');
}

/** Parses a manifest; each problem is a one-line message naming the line. */
export function parseManifest(text: string): { entries: ManifestEntry[]; problems: string[] } {
  const entries: ManifestEntry[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    // `sha256sum` writes `<hex>  <path>` (text mode) or `<hex> *<path>` (binary mode).
    const m = /^([0-9a-fA-F]{64})[ \t]+\*?(.+)$/.exec(line.replace(/\r$/, ''));
    if (!m) {
      problems.push(`line ${i + 1} is not "<sha256>  <path>"`);
      continue;
    }
    entries.push({ sha256: m[1]!.toLowerCase(), path: decodeManifestPath(m[2]!) });
  }
  return { entries, problems };
}

/** Payload-Oxum: `<total octets>.<file count>` of the payload. */
export function payloadOxum(bytes: number, files: number): string {
  return `${bytes}.${files}`;
}

/** `bag-info.txt` from ordered label → value pairs (values on one line; control characters become spaces). */
export function formatBagInfo(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([label, value]) => `${label}: ${value.replace(/[\u0000-\u001f\u007f]/g, ' ')}\n`).join('');
}

/** Parses `bag-info.txt` (or `bagit.txt`): labels → values (a label seen twice keeps its first value); continuation lines join. */
export function parseBagInfo(text: string): { fields: Map<string, string>; problems: string[] } {
  const fields = new Map<string, string>();
  const problems: string[] = [];
  let last: string | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    if (/^[ \t]/.test(line) && last !== null) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([^:\s][^:]*?)\s*:\s?(.*)$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1} is not "Label: value"`);
      continue;
    }
    last = m[1]!;
    if (!fields.has(last)) fields.set(last, m[2]!.trim());
    else last = null;
  }
  return { fields, problems };
}

/**
 * Why a path found in a tar entry or a manifest may not be used inside a bag, or null when it is
 * a plain relative path: no absolute path, no `..`, `.` or empty segment, no backslash, NUL or
 * control character.
 */
export function unsafePathReason(p: string): string | null {
  if (p === '') return 'an empty path';
  if (p.startsWith('/')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(p)) return 'a drive-letter path';
  if (p.includes('\\')) return 'a backslash in the path';
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'a control character in the path';
  const segments = p.replace(/\/$/, '').split('/');
  if (segments.includes('..')) return 'a ".." segment that escapes the bag';
  if (segments.some((s) => s === '' || s === '.')) return 'an empty or "." segment';
  return null;
}
