// sysinfo.json: one parallel snapshot of the host from systeminformation plus the raw
// lscpu/uname texts. Every section is raced against a time limit, so a hung sensor or a
// slow dmidecode cannot hold up a run; such a section records an error instead.
// systeminformation runs in a worker thread: many of its calls use execSync (dmidecode,
// dmesg, hostname…), which would otherwise block the run's own thread for ~0.2 s, and a
// hung one could not be timed out. The only module that uses systeminformation.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as systeminformation from 'systeminformation';

/** A section as systeminformation returned it, or the reason it is missing. */
export type SysinfoSection = unknown;

/** The sections collected, named after the systeminformation calls. */
export const SYSINFO_SECTIONS = [
  'cpu',
  'mem',
  'memLayout',
  'osInfo',
  'system',
  'baseboard',
  'bios',
  'cpuTemperature',
  'diskLayout',
] as const;
export type SysinfoSectionName = (typeof SYSINFO_SECTIONS)[number];

/** Time limit of each section in a run's snapshot. */
export const SYSINFO_TIMEOUT_MS = 3000;

/** The content of sysinfo.json. */
export type Sysinfo = {
  collected_at: string;
  duration_ms: number;
  timeout_ms: number;
  node: string;
  systeminformation: string;
  raw: { lscpu: string; uname: string };
  extra: Record<string, unknown>;
} & Record<SysinfoSectionName, SysinfoSection>;

/** The host snapshot alone: sysinfo.json before the raw texts and the extras are added. */
export type SysinfoSnapshot = Omit<Sysinfo, 'raw' | 'extra'>;

/** Options of collectSysinfo. */
export interface CollectSysinfoOptions {
  /** Time limit for each section (they run in parallel, so also for the whole). */
  timeoutMs: number;
  rawHost: { lscpu: string; uname: string };
  extra?: Record<string, unknown>;
  now?: () => Date;
}

/** Collects sysinfo.json's content; never throws for a section that fails or is too slow. */
export async function collectSysinfo(opts: CollectSysinfoOptions): Promise<Sysinfo> {
  const snapshot = await startSysinfoSnapshot({ timeoutMs: opts.timeoutMs, now: opts.now }).result;
  return assembleSysinfo(snapshot, opts.rawHost, opts.extra ?? {});
}

/** A host snapshot being taken. */
export interface PendingSysinfo {
  /** The snapshot; rejects only when systeminformation fails to load (or after cancel). */
  result: Promise<SysinfoSnapshot>;
  /** Stops the worker (a call inside execSync still finishes); `result` rejects if still pending. */
  cancel(): void;
}

/** sysinfo.json's content from a snapshot, the raw lscpu/uname texts and the extras (key order as written). */
export function assembleSysinfo(snapshot: SysinfoSnapshot, rawHost: { lscpu: string; uname: string }, extra: Record<string, unknown>): Sysinfo {
  const { collected_at, duration_ms, timeout_ms, node, systeminformation, ...sections } = snapshot;
  return {
    collected_at, duration_ms, timeout_ms, node, systeminformation,
    raw: { lscpu: rawHost.lscpu, uname: rawHost.uname },
    ...sections,
    extra,
  };
}

// Every section names a call of systeminformation (this fails to compile otherwise)…
type SectionCalls = { [K in SysinfoSectionName]: (typeof systeminformation)[K] };
// …defined in this file of its lib/: the worker loads only those (its index loads all 20 parts, ~30 ms).
const SECTION_FILES: Record<keyof SectionCalls, string> = {
  cpu: 'cpu.js',
  mem: 'memory.js',
  memLayout: 'memory.js',
  osInfo: 'osinfo.js',
  system: 'system.js',
  baseboard: 'system.js',
  bios: 'system.js',
  cpuTemperature: 'cpu.js',
  diskLayout: 'filesystem.js',
};

// The worker: loads systeminformation's parts, says so, then starts every section at once and
// posts each result as it comes. A part that moved is taken from the index instead. Plain
// CommonJS, so that it runs from the built CLI and from tests alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { dirname, join } = require('node:path');
const lib = dirname(workerData.index);
let index = null;
const callOf = (name, file) => {
  try {
    const part = require(join(lib, file));
    if (typeof part[name] === 'function') return part[name];
  } catch {}
  index = index || require(workerData.index);
  return index[name];
};
const calls = workerData.sections.map(([name, file]) => [name, callOf(name, file)]);
parentPort.postMessage({ kind: 'ready', version: require(join(lib, '..', 'package.json')).version });
for (const [name, call] of calls) {
  Promise.resolve()
    .then(() => call())
    .then((value) => parentPort.postMessage({ kind: 'section', name, value }),
      (err) => parentPort.postMessage({ kind: 'section', name, value: { error: err instanceof Error ? err.message : String(err) } }));
}
`;

type WorkerMessage = { kind: 'ready'; version: string } | { kind: 'section'; name: SysinfoSectionName; value: unknown };

/**
 * Starts the host snapshot in a worker thread and resolves with it once every section has
 * answered or run out of time (`timeoutMs` from the moment systeminformation is loaded;
 * loading gets the same limit).
 */
export function startSysinfoSnapshot(opts: { timeoutMs: number; now?: () => Date }): PendingSysinfo {
  const started = performance.now();
  const collectedAt = (opts.now ?? (() => new Date()))().toISOString();
  const timedOut = { error: `timed out after ${opts.timeoutMs} ms` };
  let cancel = () => {};
  const result = new Promise<SysinfoSnapshot>((resolve, reject) => {
    const values = new Map<SysinfoSectionName, unknown>();
    let version: string | null = null;
    let isDone = false;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { index: createRequire(import.meta.url).resolve('systeminformation'), sections: SYSINFO_SECTIONS.map((n) => [n, SECTION_FILES[n]]) },
    });
    // The pending timer keeps the process alive meanwhile; a call stuck in execSync must not.
    worker.unref();
    const finish = (failure?: unknown) => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      void worker.terminate();
      if (version === null && failure !== undefined) {
        reject(failure instanceof Error ? failure : new Error(`systeminformation could not be loaded: ${String(failure)}`));
        return;
      }
      const missing = failure === undefined ? timedOut : { error: `sysinfo worker failed: ${failure instanceof Error ? failure.message : String(failure)}` };
      const sections = Object.fromEntries(SYSINFO_SECTIONS.map((name) => [name, values.has(name) ? values.get(name) : missing]));
      resolve({
        collected_at: collectedAt,
        duration_ms: Math.round(performance.now() - started),
        timeout_ms: opts.timeoutMs,
        node: process.version,
        systeminformation: version ?? 'unknown (not loaded within the time limit)',
        ...(sections as Record<SysinfoSectionName, unknown>),
      });
    };
    let timer = setTimeout(() => finish(), opts.timeoutMs);
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') {
        version = message.version;
        clearTimeout(timer);
        timer = setTimeout(() => finish(), opts.timeoutMs);
        return;
      }
      values.set(message.name, message.value);
      if (values.size === SYSINFO_SECTIONS.length) finish();
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`sysinfo worker exited with code ${code}`)));
    cancel = () => {
      version = null;
      finish(new Error('sysinfo snapshot cancelled'));
    };
  });
  result.catch(() => undefined); // a snapshot cancelled and never awaited is not an unhandled rejection
  return { result, cancel: () => cancel() };
}
