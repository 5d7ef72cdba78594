// Host facts: the plain, serialisable description of a host that profile matching and the
// plan use, built from the saved or live text of `lscpu` and `uname -a`.

import { parseLscpu } from './lscpu.js';
import { parseUname } from './uname.js';

/** The raw texts host detection reads; also the shape of a saved host file. */
export interface HostTexts {
  lscpu: string;
  uname: string;
}

/** One core type of the host (several on big.LITTLE / multi-cluster parts). */
export interface HostCoreType {
  modelName?: string;
  cores?: number;
}

export interface HostFacts {
  /** From lscpu `Architecture`, else the machine field of `uname -a`. */
  arch?: string;
  vendor?: string;
  modelName?: string;
  modelNames: string[];
  sockets?: number;
  coresPerSocket?: number;
  threadsPerCore?: number;
  totalCores?: number;
  cpus?: number;
  flags: string[];
  kernelRelease?: string;
  hostname?: string;
  /** Extra detail for people; matching does not use these. */
  biosModelName?: string;
  clusters?: number;
  coresPerCluster?: number;
  hypervisorVendor?: string;
  coreTypes?: HostCoreType[];
}

/** Builds host facts from the texts of `lscpu` and `uname -a`. */
export function buildHostFacts(raw: HostTexts): HostFacts {
  const cpu = parseLscpu(raw.lscpu);
  const uname = parseUname(raw.uname);
  return {
    arch: cpu.arch ?? uname.machine,
    vendor: cpu.vendor,
    modelName: cpu.modelName,
    modelNames: cpu.modelNames,
    sockets: cpu.sockets,
    coresPerSocket: cpu.coresPerSocket,
    threadsPerCore: cpu.threadsPerCore,
    totalCores: cpu.totalCores,
    cpus: cpu.cpus,
    flags: cpu.flags,
    kernelRelease: uname.kernelRelease,
    hostname: uname.hostname,
    biosModelName: cpu.biosModelName,
    clusters: cpu.clusters,
    coresPerCluster: cpu.coresPerCluster,
    hypervisorVendor: cpu.hypervisorVendor,
    coreTypes: cpu.blocks
      .filter((b) => b.modelName !== undefined || b.cores !== undefined)
      .map((b) => ({ modelName: b.modelName, cores: b.cores })),
  };
}

const UNKNOWN = 'unknown';
const FLAG_PREVIEW = 12;

/** Readable lines describing the host, for `road_runner detect` and `policy show`. */
export function describeHostFacts(f: HostFacts): string[] {
  const lines = [
    `host:     ${f.hostname ?? UNKNOWN}`,
    `arch:     ${f.arch ?? UNKNOWN}`,
    `vendor:   ${f.vendor ?? UNKNOWN}`,
    `model:    ${describeModels(f)}`,
  ];
  if (f.biosModelName && f.biosModelName !== f.modelName) lines.push(`bios:     ${f.biosModelName}`);
  lines.push(`topology: ${describeTopology(f)}`);
  if (f.hypervisorVendor) lines.push(`virtual:  yes (${f.hypervisorVendor} guest)`);
  lines.push(`kernel:   ${f.kernelRelease ?? UNKNOWN}`);
  lines.push(`flags:    ${describeFlags(f.flags)}`);
  return lines;
}

function describeModels(f: HostFacts): string {
  const typed = (f.coreTypes ?? []).filter((t) => t.modelName !== undefined);
  if (typed.length > 1) {
    return typed.map((t) => (t.cores === undefined ? `${t.modelName}` : `${t.cores} × ${t.modelName}`)).join(' + ');
  }
  return f.modelName ?? UNKNOWN;
}

function describeTopology(f: HostFacts): string {
  const parts: string[] = [];
  if (f.sockets !== undefined && f.coresPerSocket !== undefined) {
    parts.push(pluralize(f.sockets, 'socket'), pluralize(f.coresPerSocket, 'core'));
  } else if (f.clusters !== undefined && f.coresPerCluster !== undefined && (f.coreTypes ?? []).length <= 1) {
    parts.push(pluralize(f.clusters, 'cluster'), pluralize(f.coresPerCluster, 'core'));
  }
  if (parts.length > 0 && f.threadsPerCore !== undefined) parts.push(pluralize(f.threadsPerCore, 'thread'));
  const totals = [
    f.totalCores === undefined ? 'cores unknown' : pluralize(f.totalCores, 'core'),
    f.cpus === undefined ? 'CPUs unknown' : pluralize(f.cpus, 'CPU'),
  ].join(', ');
  return parts.length > 0 ? `${parts.join(' × ')} = ${totals}` : totals;
}

function describeFlags(flags: string[]): string {
  if (flags.length === 0) return 'none reported';
  const preview = flags.slice(0, FLAG_PREVIEW).join(' ');
  return flags.length > FLAG_PREVIEW ? `${flags.length} (${preview} …)` : `${flags.length} (${preview})`;
}

function pluralize(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
