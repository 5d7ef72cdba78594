// A readable summary of sysinfo.json: a few facts per section, and the reason for any
// section that could not be collected. Everything is optional; nothing here throws.

/** One section of the host summary. */
export interface SysinfoSectionView {
  name: string;
  facts: { label: string; value: string }[];
  error: string | null;
}

/** The host summary shown in the reports. */
export interface SysinfoView {
  collectedAt: string | null;
  sections: SysinfoSectionView[];
  uname: string | null;
  lscpu: string | null;
}

type Obj = Record<string, unknown>;

const PICKS: { name: string; title: string; pick: (s: Obj) => [string, unknown][] }[] = [
  { name: 'cpu', title: 'CPU', pick: (s) => [['model', join(s.manufacturer, s.brand)], ['cores', s.cores], ['physical cores', s.physicalCores], ['speed GHz', s.speed], ['max GHz', s.speedMax]] },
  { name: 'mem', title: 'Memory', pick: (s) => [['total', bytes(s.total)], ['available', bytes(s.available)], ['swap', bytes(s.swaptotal)]] },
  { name: 'memLayout', title: 'DIMMs', pick: (s) => listOf(s, (d) => join(bytes(d.size), d.type, d.clockSpeed ? `${String(d.clockSpeed)} MHz` : null, d.manufacturer, d.partNum)) },
  { name: 'osInfo', title: 'OS', pick: (s) => [['distro', join(s.distro, s.release)], ['kernel', s.kernel], ['arch', s.arch], ['hostname', s.hostname]] },
  { name: 'system', title: 'System', pick: (s) => [['model', join(s.manufacturer, s.model, s.version)], ['serial', s.serial]] },
  { name: 'baseboard', title: 'Board', pick: (s) => [['model', join(s.manufacturer, s.model, s.version)], ['serial', s.serial]] },
  { name: 'bios', title: 'BIOS', pick: (s) => [['version', join(s.vendor, s.version)], ['date', s.releaseDate]] },
  { name: 'cpuTemperature', title: 'Temperatures', pick: (s) => [['main °C', s.main], ['max °C', s.max], ['cores °C', Array.isArray(s.cores) ? s.cores.join(' ') : null]] },
  { name: 'diskLayout', title: 'Disks', pick: (s) => listOf(s, (d) => join(d.device, d.name, bytes(d.size), d.type)) },
];

/** Summarises sysinfo.json (null when there is none). */
export function summarizeSysinfo(sysinfo: Record<string, unknown> | null): SysinfoView | null {
  if (sysinfo === null) return null;
  const sections: SysinfoSectionView[] = [];
  for (const { name, title, pick } of PICKS) {
    const raw = sysinfo[name];
    if (raw === undefined) continue;
    const error = isObject(raw) && typeof raw.error === 'string' ? raw.error : null;
    const body = Array.isArray(raw) ? { items: raw } : isObject(raw) ? raw : {};
    const facts = error ? [] : pick(body)
      .map(([label, value]) => ({ label, value: show(value) }))
      .filter((f) => f.value !== '');
    sections.push({ name: title, facts, error });
  }
  const raw = isObject(sysinfo.raw) ? sysinfo.raw : {};
  return {
    collectedAt: typeof sysinfo.collected_at === 'string' ? sysinfo.collected_at : null,
    sections,
    uname: typeof raw.uname === 'string' ? raw.uname.trim() : null,
    lscpu: typeof raw.lscpu === 'string' ? raw.lscpu.trimEnd() : null,
  };
}

function listOf(s: Obj, describe: (item: Obj) => string): [string, unknown][] {
  const items = Array.isArray(s.items) ? s.items.filter(isObject) : [];
  return items.slice(0, 32).map((item, i) => [`#${i}`, describe(item)]);
}

function join(...parts: unknown[]): string {
  return parts.filter((p) => p !== null && p !== undefined && p !== '').map(String).join(' ');
}

function bytes(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = value;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u += 1;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[u]}`;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
