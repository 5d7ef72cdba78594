// Packs a run folder as a bundle (SPEC §12): data/ holds the run's records as they lie in
// runs/<RUN_ID>/ (plan, summaries, steps.ldjson, sysinfo, boundary, reports, inputs/ with its
// .manifest.json), the stdout/stderr logs only when asked, and data/executables.json with the
// hash of every adapter executable the run used (taken from its sysinfo.json).

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { toolVersions } from '../execute/toolVersions.js';
import { RECORD_DIRS, RECORD_FILES } from '../records/layout.js';
import { BUNDLE_INFO_LABELS, PAYLOAD_FILES, type BundledExecutables } from './bundleInfo.js';
import { writeBagFile, writeBagTarGz, type BagRequest, type BagWritten, type PayloadFile } from './writeBag.js';

/** What to pack: the run folder and its id; logs only with `withLogs`. */
export interface RunBundleRequest {
  runDir: string;
  runId: string;
  withLogs: boolean;
  now: Date;
}

/** The bag and what was left out (symlinks and special files are never packed). */
export interface RunBundlePlan {
  bag: BagRequest;
  skipped: string[];
  logs: number;
  /** The run's status as its summary says (`unknown` when unreadable): `planned` means it has not finished. */
  status: string;
}

/** Lists what a run's bundle holds; reads the run's plan and summary for bag-info. */
export function planRunBundle(req: RunBundleRequest): RunBundlePlan {
  const skipped: string[] = [];
  const files: PayloadFile[] = [];
  let logs = 0;
  const walk = (dir: string, rel: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const relPath = rel === '' ? d.name : `${rel}/${d.name}`;
      const abs = path.join(dir, d.name);
      if (d.isSymbolicLink()) {
        skipped.push(`${relPath} (a symlink)`);
      } else if (d.isDirectory()) {
        const isLogFolder = (d.name === RECORD_DIRS.stdout || d.name === RECORD_DIRS.stderr) && rel !== '' && !relPath.startsWith(`${RECORD_DIRS.inputs}/`);
        if (isLogFolder && !req.withLogs) continue;
        walk(abs, relPath);
      } else if (d.isFile()) {
        if (relPath.split('/').some((s) => s === RECORD_DIRS.stdout || s === RECORD_DIRS.stderr) && !relPath.startsWith(`${RECORD_DIRS.inputs}/`)) logs += 1;
        files.push({ from: abs, to: relPath });
      } else {
        skipped.push(`${relPath} (not a regular file)`);
      }
    }
  };
  walk(req.runDir, '');
  const plan = readJsonQuietly(path.join(req.runDir, RECORD_FILES.plan)) as { flow?: unknown; margin?: unknown } | null;
  const summary = readJsonQuietly(path.join(req.runDir, RECORD_FILES.summary)) as { unit?: unknown; status?: unknown } | null;
  const executables = executablesFromSysinfo(path.join(req.runDir, RECORD_FILES.sysinfo));
  const version = toolVersions().road_runner ?? 'unknown';
  const text = (v: unknown) => (typeof v === 'string' ? v : 'unknown');
  return {
    skipped,
    logs,
    status: text(summary?.status),
    bag: {
      name: req.runId,
      files,
      texts: executables ? [{ to: PAYLOAD_FILES.executables, text: `${JSON.stringify(executables, null, 2)}\n` }] : [],
      now: req.now,
      info: [
        [BUNDLE_INFO_LABELS.kind, 'run'],
        [BUNDLE_INFO_LABELS.runId, req.runId],
        [BUNDLE_INFO_LABELS.unit, text(summary?.unit)],
        [BUNDLE_INFO_LABELS.flow, text(plan?.flow)],
        [BUNDLE_INFO_LABELS.margin, text(plan?.margin)],
        ['Road-Runner-Status', text(summary?.status)],
        ['Road-Runner-Logs', req.withLogs ? 'included' : 'not included'],
        [BUNDLE_INFO_LABELS.version, version],
        [BUNDLE_INFO_LABELS.agent, `road_runner ${version}`],
      ],
    },
  };
}

/** Writes a run's bundle to a file (atomically) or a stream. */
export async function bundleRun(req: RunBundleRequest, to: { file: string } | { stream: Writable }): Promise<BagWritten & { skipped: string[]; logs: number; executables: boolean; status: string }> {
  const planned = planRunBundle(req);
  const written = 'file' in to ? await writeBagFile(planned.bag, to.file) : await writeBagTarGz(planned.bag, to.stream);
  return { ...written, skipped: planned.skipped, logs: planned.logs, executables: (planned.bag.texts ?? []).length > 0, status: planned.status };
}

/** The executables a run hashed at its start (sysinfo.json `extra.adapters`); null when it recorded none. */
export function executablesFromSysinfo(file: string): BundledExecutables | null {
  const sysinfo = readJsonQuietly(file) as { extra?: { adapters?: unknown } } | null;
  const adapters = sysinfo?.extra?.adapters;
  if (typeof adapters !== 'object' || adapters === null) return null;
  const out: BundledExecutables = { format: 'road_runner.executables/1', source: 'sysinfo', adapters: {} };
  for (const [name, v] of Object.entries(adapters as Record<string, unknown>)) {
    const rec = v as { executable?: unknown; sha256?: unknown } | null;
    if (typeof rec?.executable === 'string' && typeof rec.sha256 === 'string') out.adapters[name] = { executable: rec.executable, sha256: rec.sha256 };
  }
  return Object.keys(out.adapters).length > 0 ? out : null;
}

// A JSON record, or null when it is missing or unreadable (bag-info then says `unknown`).
function readJsonQuietly(file: string): unknown {
  try {
    if (!lstatSync(file).isFile()) return null;
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
