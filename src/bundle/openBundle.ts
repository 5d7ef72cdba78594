// Opens a road_runner bundle (a BagIt bag as .tar.gz) for use, checking it first.
//
//   const b = await openBundle('rr-….bundle.tar.gz');
//   try { read b.planPath, b.inputsDir, b.dataDir …; b.info.run_id, b.payloadSha256 }
//   finally { b.cleanup(); }
//
// API (also used by the fleet):
// - openBundle(file, options?) → OpenedBundle. Extracts only into a fresh temporary folder
//   (options.tempParent, default the OS temp folder) and refuses, as an input error
//   (BundleRefusedError: UsageError, exit 2, one line naming the bundle and the entry):
//   a wrong checksum; a file not in a manifest, or a manifest entry missing from the archive;
//   a path that is absolute or has `..`; a symlink, hard link, device, FIFO or any entry that
//   is neither a regular file nor a folder; an entry seen twice; more than options.maxEntries
//   entries or options.maxBytes bytes of content (defaults 100,000 and 2 GiB); a truncated or
//   corrupt archive; a Payload-Oxum that does not match; anything outside the one bag folder.
//   Entry types and paths are checked in the tar library's filter, before anything is written.
//   On refusal the temporary folder is removed; nothing is ever written outside it.
// - OpenedBundle.workDir is an empty scratch folder in the same temporary folder.
// - OpenedBundle.cleanup() removes the temporary folder (idempotent); call it when done.

import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import { BAG_FILES, PAYLOAD_DIR, parseBagInfo, parseManifest, payloadOxum, unsafePathReason } from './bagit.js';
import { BUNDLE_INFO_LABELS, type BundleInfo } from './bundleInfo.js';

/** Limits against archive bombs. */
export interface OpenOptions {
  tempParent?: string;
  maxEntries?: number;
  maxBytes?: number;
}

export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/** A checked bundle, extracted into its own temporary folder. */
export interface OpenedBundle {
  /** The bundle file as given. */
  file: string;
  /** The bag's folder (holds bagit.txt, bag-info.txt, the manifests and data/). */
  dir: string;
  dataDir: string;
  inputsDir: string;
  planPath: string;
  /** road_runner's fields of bag-info.txt. */
  info: BundleInfo;
  /** sha256 of manifest-sha256.txt: the identity of the payload. */
  payloadSha256: string;
  /** Payload files, `data/…`, sorted. */
  payload: string[];
  /** An empty scratch folder for the caller, beside the bag; removed by cleanup() too. */
  workDir: string;
  cleanup(): void;
}

/** A bundle that failed a check (exit 2). */
export class BundleRefusedError extends UsageError {}

// A refusal found inside the tar filter, carried out of the library's error path.
class Refusal extends Error {}

/** Checks and extracts `file`; see the top of this file. */
export async function openBundle(file: string, options: OpenOptions = {}): Promise<OpenedBundle> {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const refuse = (what: string): never => {
    throw new BundleRefusedError(`bundle ${file} refused: ${what}`, 'nothing was extracted outside a temporary folder; ask for the bundle again (road_runner bundle RUN_ID) and check it with sha256sum -c');
  };
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new UsageError(`cannot read bundle ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'name a .tar.gz made by road_runner bundle');
  }
  if (!st.isFile()) throw new UsageError(`bundle ${file} is not a regular file`, 'name a .tar.gz made by road_runner bundle');

  const temp = mkdtempSync(path.join(options.tempParent ?? tmpdir(), 'rr-bundle-'));
  const cleanup = () => rmSync(temp, { recursive: true, force: true });
  try {
    const root = path.join(temp, 'x');
    mkdirSync(root);
    const files = new Set<string>();
    const dirs = new Set<string>();
    let top: string | null = null;
    let count = 0;
    let bytes = 0;
    let refusal: string | null = null;
    const tar = await import('tar');
    const unpack = new tar.Unpack({
      cwd: root,
      strict: true,
      preserveOwner: false,
      noMtime: true,
      // No `keep`: the folder is fresh and duplicates are refused in the filter (and `keep` costs an lstat per entry).
      // Bombs are bounded by the entry and size limits below; gzip alone cannot exceed ~1032:1.
      maxDecompressionRatio: 2000,
      filter: (p, entry) => {
        if (refusal !== null) return false;
        const why = checkEntry(p, entry as { type: string; size?: number | undefined; mode?: number | undefined });
        if (why !== null) {
          refusal = why;
          unpack.abort(new Refusal(why));
          return false;
        }
        return true;
      },
    });
    // Types and paths are checked here, before the library writes anything.
    function checkEntry(p: string, entry: { type: string; size?: number | undefined; mode?: number | undefined }): string | null {
      count += 1;
      if (count > maxEntries) return `more than ${maxEntries.toLocaleString('en-US')} entries (an archive bomb?)`;
      bytes += entry.size ?? 0;
      if (bytes > maxBytes) return `more than ${maxBytes.toLocaleString('en-US')} bytes of content (an archive bomb?)`;
      const shown = JSON.stringify(p);
      const unsafe = unsafePathReason(p);
      if (unsafe !== null) return `entry ${shown}: ${unsafe}`;
      const kind = entryKind(entry.type);
      if (kind !== 'file' && kind !== 'dir') return `entry ${shown} is ${kind}; a bundle holds only regular files and folders`;
      const key = p.replace(/\/$/, '');
      const first = key.split('/')[0]!;
      if (top === null) top = first;
      if (first !== top) return `entry ${shown} is outside the bag folder ${top}/ (a bag has one top folder)`;
      if (key === top && kind === 'file') return `entry ${shown} is a file where the bag folder should be`;
      if (files.has(key) || dirs.has(key)) return `entry ${shown} appears twice`;
      (kind === 'file' ? files : dirs).add(key);
      // Whatever the archive says, extracted files are plain rw-r--r-- (no setuid, no odd modes).
      entry.mode = kind === 'file' ? 0o644 : 0o755;
      return null;
    }
    try {
      await pipeline(createReadStream(file), unpack);
    } catch (err) {
      if (refusal !== null) refuse(refusal);
      const e = err as NodeJS.ErrnoException & { tarCode?: string };
      if (e.code === 'ENOSPC' || e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EDQUOT') throw err;
      refuse(`not a readable .tar.gz (${oneLine(e.message)})`);
    }
    if (refusal !== null) refuse(refusal);
    if (top === null) refuse('the archive is empty');
    const bagName: string = top!;
    const bagDir = path.join(root, bagName);
    // Paths inside the bag, `/`-separated.
    const inBag = new Set([...files].map((f) => f.slice(bagName.length + 1)));
    const hashOf = (rel: string) => sha256File(path.join(bagDir, ...rel.split('/')));

    if (!inBag.has(BAG_FILES.declaration)) refuse(`${bagName}/${BAG_FILES.declaration} is missing: not a BagIt bag`);
    const declaration = parseBagInfo(readText(bagDir, BAG_FILES.declaration));
    if (!declaration.fields.has('BagIt-Version')) refuse(`${bagName}/${BAG_FILES.declaration} has no BagIt-Version`);
    if (!inBag.has(BAG_FILES.manifest)) refuse(`${bagName}/${BAG_FILES.manifest} is missing`);
    const manifestText = readText(bagDir, BAG_FILES.manifest);
    const manifest = parseManifest(manifestText);
    if (manifest.problems.length > 0) refuse(`${bagName}/${BAG_FILES.manifest}: ${manifest.problems[0]}`);
    const listed = new Set<string>();
    let payloadBytes = 0;
    for (const entry of manifest.entries) {
      const unsafe = unsafePathReason(entry.path);
      if (unsafe !== null) refuse(`${BAG_FILES.manifest} names ${JSON.stringify(entry.path)}: ${unsafe}`);
      if (!entry.path.startsWith(`${PAYLOAD_DIR}/`)) refuse(`${BAG_FILES.manifest} names ${JSON.stringify(entry.path)}, which is not under ${PAYLOAD_DIR}/`);
      if (listed.has(entry.path)) refuse(`${BAG_FILES.manifest} names ${entry.path} twice`);
      listed.add(entry.path);
      if (!inBag.has(entry.path)) refuse(`${bagName}/${entry.path} is in the manifest but missing from the archive`);
      const actual = await hashOf(entry.path);
      if (actual !== entry.sha256) refuse(`${bagName}/${entry.path}: checksum mismatch (sha256 ${actual.slice(0, 12)}…, manifest says ${entry.sha256.slice(0, 12)}…)`);
      payloadBytes += statSync(path.join(bagDir, ...entry.path.split('/'))).size;
    }
    const tagListed = new Set<string>();
    if (inBag.has(BAG_FILES.tagManifest)) {
      const tags = parseManifest(readText(bagDir, BAG_FILES.tagManifest));
      if (tags.problems.length > 0) refuse(`${bagName}/${BAG_FILES.tagManifest}: ${tags.problems[0]}`);
      for (const entry of tags.entries) {
        const unsafe = unsafePathReason(entry.path);
        if (unsafe !== null) refuse(`${BAG_FILES.tagManifest} names ${JSON.stringify(entry.path)}: ${unsafe}`);
        if (entry.path.startsWith(`${PAYLOAD_DIR}/`)) refuse(`${BAG_FILES.tagManifest} names the payload file ${entry.path}`);
        if (!inBag.has(entry.path)) refuse(`${bagName}/${entry.path} is in the tag manifest but missing from the archive`);
        const actual = await hashOf(entry.path);
        if (actual !== entry.sha256) refuse(`${bagName}/${entry.path}: checksum mismatch (sha256 ${actual.slice(0, 12)}…, tag manifest says ${entry.sha256.slice(0, 12)}…)`);
        tagListed.add(entry.path);
      }
    }
    const unchecked = new Set<string>([BAG_FILES.declaration, BAG_FILES.manifest, BAG_FILES.tagManifest]);
    for (const rel of [...inBag].sort()) {
      if (listed.has(rel) || tagListed.has(rel) || unchecked.has(rel)) continue;
      refuse(`${bagName}/${rel} is not in ${rel.startsWith(`${PAYLOAD_DIR}/`) ? BAG_FILES.manifest : BAG_FILES.tagManifest}`);
    }
    const infoText = inBag.has(BAG_FILES.info) ? readText(bagDir, BAG_FILES.info) : '';
    const bagInfo = parseBagInfo(infoText);
    if (bagInfo.problems.length > 0) refuse(`${bagName}/${BAG_FILES.info}: ${bagInfo.problems[0]}`);
    const oxum = bagInfo.fields.get('Payload-Oxum');
    const expectedOxum = payloadOxum(payloadBytes, listed.size);
    if (oxum !== undefined && oxum !== expectedOxum) refuse(`${bagName}/${BAG_FILES.info}: Payload-Oxum ${oxum} does not match the payload (${expectedOxum})`);

    const dataDir = path.join(bagDir, PAYLOAD_DIR);
    const planPath = path.join(dataDir, 'plan.json');
    if (!listed.has(`${PAYLOAD_DIR}/plan.json`)) refuse(`${bagName}/${PAYLOAD_DIR}/plan.json is missing: not a road_runner bundle`);
    const field = (label: string) => bagInfo.fields.get(label) ?? null;
    const info: BundleInfo = {
      bag_name: bagName,
      kind: field(BUNDLE_INFO_LABELS.kind) === 'inputs' ? 'inputs' : 'run',
      run_id: field(BUNDLE_INFO_LABELS.runId),
      unit: field(BUNDLE_INFO_LABELS.unit),
      flow: field(BUNDLE_INFO_LABELS.flow),
      margin: field(BUNDLE_INFO_LABELS.margin),
      road_runner_version: field(BUNDLE_INFO_LABELS.version),
      bagging_date: field('Bagging-Date'),
      payload_oxum: oxum ?? expectedOxum,
    };
    return {
      file, dir: bagDir, dataDir, inputsDir: path.join(dataDir, 'inputs'), planPath, info,
      payloadSha256: createHash('sha256').update(manifestText).digest('hex'),
      payload: [...listed].sort(),
      workDir: mkdirSync(path.join(temp, 'work'), { recursive: true }) ?? path.join(temp, 'work'),
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

// What a tar entry type is, in the words of a refusal.
function entryKind(type: string): string {
  switch (type) {
    case 'File': case 'OldFile': return 'file';
    case 'Directory': return 'dir';
    case 'SymbolicLink': return 'a symbolic link';
    case 'Link': return 'a hard link';
    case 'CharacterDevice': case 'BlockDevice': return 'a device';
    case 'FIFO': return 'a FIFO (named pipe)';
    default: return `a ${type} entry`;
  }
}

function readText(bagDir: string, name: string): string {
  return readFileSync(path.join(bagDir, name), 'utf8');
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}

// Small files (most records) are hashed in one read; large ones (logs) streamed.
function sha256File(file: string): Promise<string> {
  if (statSync(file).size <= 1024 * 1024) return Promise.resolve(createHash('sha256').update(readFileSync(file)).digest('hex'));
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('data', (c) => hash.update(c)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}
