// sysinfo.json: one parallel snapshot of the host from systeminformation plus the raw
// lscpu/uname texts. Every section is raced against a time limit, so a hung sensor or a
// slow dmidecode cannot hold up a run; such a section records an error instead.
// The only module that imports systeminformation, and only when collecting.

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
  const now = opts.now ?? (() => new Date());
  const started = performance.now();
  const collectedAt = now().toISOString();
  const si = await import('systeminformation');
  const calls: Record<SysinfoSectionName, () => Promise<unknown>> = {
    cpu: () => si.cpu(),
    mem: () => si.mem(),
    memLayout: () => si.memLayout(),
    osInfo: () => si.osInfo(),
    system: () => si.system(),
    baseboard: () => si.baseboard(),
    bios: () => si.bios(),
    cpuTemperature: () => si.cpuTemperature(),
    diskLayout: () => si.diskLayout(),
  };
  const values = await Promise.all(SYSINFO_SECTIONS.map((name) => raceSection(calls[name], opts.timeoutMs)));
  const sections = Object.fromEntries(SYSINFO_SECTIONS.map((name, i) => [name, values[i]])) as Record<SysinfoSectionName, unknown>;
  return {
    collected_at: collectedAt,
    duration_ms: Math.round(performance.now() - started),
    timeout_ms: opts.timeoutMs,
    node: process.version,
    systeminformation: si.version(),
    raw: { lscpu: opts.rawHost.lscpu, uname: opts.rawHost.uname },
    ...sections,
    extra: opts.extra ?? {},
  };
}

// Runs one call against the time limit: its value, or {error} if it throws or is too slow.
async function raceSection(call: () => Promise<unknown>, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const attempt = Promise.resolve()
      .then(call)
      .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
