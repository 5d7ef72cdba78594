// Facts about the CPU, read from the text `lscpu` prints (English keys, any util-linux
// layout). lscpu prints one group of per-model keys (Model name, topology, Flags) for each
// distinct core type; big.LITTLE and multi-cluster aarch64 parts have several.

import { splitLscpuEntries, type LscpuEntry } from './lscpu-lines.js';

/** The keys lscpu prints for one core type, in the order lscpu printed the groups. */
export interface LscpuModelBlock {
  modelName?: string;
  /** From DMI, printed only when lscpu can read it (usually as root). */
  biosModelName?: string;
  cpuFamily?: string;
  model?: string;
  stepping?: string;
  threadsPerCore?: number;
  coresPerSocket?: number;
  coresPerCluster?: number;
  /** Undefined when lscpu prints `-` (aarch64 without socket information). */
  sockets?: number;
  clusters?: number;
  maxMhz?: number;
  flags: string[];
  /** Cores of this type: cores per socket × sockets, or cores per cluster × clusters. */
  cores?: number;
}

export interface LscpuFacts {
  arch?: string;
  vendor?: string;
  biosVendor?: string;
  /** First model name lscpu printed. */
  modelName?: string;
  /** Every distinct model name, in order. */
  modelNames: string[];
  biosModelName?: string;
  cpuFamily?: string;
  model?: string;
  stepping?: string;
  /** Topology fields as lscpu prints them for the first model. */
  sockets?: number;
  coresPerSocket?: number;
  coresPerCluster?: number;
  clusters?: number;
  threadsPerCore?: number;
  /** Physical cores over all models; see deriveTotalCores. */
  totalCores?: number;
  /** Logical CPUs (`CPU(s)`). */
  cpus?: number;
  onlineCpus?: string;
  /** Every flag of every model, de-duplicated, in first-seen order. */
  flags: string[];
  hypervisorVendor?: string;
  numaNodes?: number;
  /** Highest `CPU max MHz` of any model. */
  maxMhz?: number;
  blocks: LscpuModelBlock[];
}

// Keys lscpu prints once per core type. A key seen again starts the next type's group: in
// the flat layout the groups are simply repeated, and old util-linux prints the topology
// keys before `Model name`, so a group cannot be assumed to start at `Model name`.
const BLOCK_KEYS = new Set([
  'model name', 'bios model name', 'bios cpu family', 'cpu family', 'model', 'stepping',
  'thread(s) per core', 'core(s) per socket', 'core(s) per cluster', 'socket(s)', 'cluster(s)',
  'cpu mhz', 'cpu max mhz', 'cpu min mhz', 'cpu(s) scaling mhz', 'frequency boost', 'bogomips', 'flags',
]);

/** Parses `lscpu` output; fields lscpu did not print are undefined. */
export function parseLscpu(text: string): LscpuFacts {
  const entries = splitLscpuEntries(text);
  const global = new Map<string, string>();
  const groups = groupModelKeys(entries, global);
  const blocks = groups.map(toModelBlock);
  const first = blocks[0];
  const cpus = toCount(global.get('cpu(s)'));
  const maxima = blocks.map((b) => b.maxMhz).filter((v): v is number => v !== undefined);
  return {
    arch: toText(global.get('architecture')),
    vendor: toText(global.get('vendor id')),
    biosVendor: toText(global.get('bios vendor id')),
    modelName: blocks.find((b) => b.modelName)?.modelName,
    modelNames: dedupe(blocks.flatMap((b) => (b.modelName ? [b.modelName] : []))),
    biosModelName: blocks.find((b) => b.biosModelName)?.biosModelName,
    cpuFamily: first?.cpuFamily,
    model: first?.model,
    stepping: first?.stepping,
    sockets: first?.sockets,
    coresPerSocket: first?.coresPerSocket,
    coresPerCluster: first?.coresPerCluster,
    clusters: first?.clusters,
    threadsPerCore: blocks.find((b) => b.threadsPerCore !== undefined)?.threadsPerCore,
    totalCores: deriveTotalCores(blocks, cpus),
    cpus,
    onlineCpus: toText(global.get('on-line cpu(s) list')),
    flags: dedupe(blocks.flatMap((b) => b.flags)),
    hypervisorVendor: toText(global.get('hypervisor vendor')),
    numaNodes: toCount(global.get('numa node(s)')),
    maxMhz: maxima.length > 0 ? Math.max(...maxima) : undefined,
    blocks,
  };
}

function groupModelKeys(entries: LscpuEntry[], global: Map<string, string>): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  for (const { key, value } of entries) {
    const k = key.toLowerCase();
    if (!BLOCK_KEYS.has(k)) {
      if (!global.has(k)) global.set(k, value);
      continue;
    }
    if (!current || current.has(k)) {
      current = new Map();
      groups.push(current);
    }
    current.set(k, value);
  }
  return groups;
}

function toModelBlock(group: Map<string, string>): LscpuModelBlock {
  const block: LscpuModelBlock = {
    modelName: toText(group.get('model name')),
    biosModelName: toText(group.get('bios model name')),
    cpuFamily: toText(group.get('cpu family')),
    model: toText(group.get('model')),
    stepping: toText(group.get('stepping')),
    threadsPerCore: toCount(group.get('thread(s) per core')),
    coresPerSocket: toCount(group.get('core(s) per socket')),
    coresPerCluster: toCount(group.get('core(s) per cluster')),
    sockets: toCount(group.get('socket(s)')),
    clusters: toCount(group.get('cluster(s)')),
    maxMhz: toNumber(group.get('cpu max mhz')),
    flags: (group.get('flags') ?? '').split(/\s+/).filter((f) => f !== ''),
  };
  block.cores = countBlockCores(block);
  return block;
}

// Cores per socket go with sockets, cores per cluster with clusters; when lscpu prints `-`
// for one, the other unit count is the best remaining information.
function countBlockCores(b: LscpuModelBlock): number | undefined {
  if (b.coresPerSocket !== undefined) {
    const units = b.sockets ?? b.clusters;
    return units === undefined ? undefined : b.coresPerSocket * units;
  }
  if (b.coresPerCluster !== undefined) {
    const units = b.clusters ?? b.sockets;
    return units === undefined ? undefined : b.coresPerCluster * units;
  }
  return undefined;
}

/**
 * Physical cores: the sum over models when every model's count is known; otherwise
 * CPU(s) ÷ threads per core; otherwise the per-unit core counts taken as one unit each.
 */
function deriveTotalCores(blocks: LscpuModelBlock[], cpus: number | undefined): number | undefined {
  const withCores = blocks.filter((b) => b.coresPerSocket !== undefined || b.coresPerCluster !== undefined);
  if (withCores.length > 0 && withCores.every((b) => b.cores !== undefined)) {
    return withCores.reduce((sum, b) => sum + (b.cores ?? 0), 0);
  }
  const threads = blocks.find((b) => b.threadsPerCore !== undefined)?.threadsPerCore;
  if (cpus !== undefined && threads !== undefined && threads > 0 && cpus % threads === 0) {
    return cpus / threads;
  }
  if (withCores.length > 0) {
    return withCores.reduce((sum, b) => sum + (b.cores ?? b.coresPerSocket ?? b.coresPerCluster ?? 0), 0);
  }
  return undefined;
}

function toText(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value === '-' ? undefined : value;
}

function toCount(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number.parseInt(value, 10) : undefined;
}

function toNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number.parseFloat(value) : undefined;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
