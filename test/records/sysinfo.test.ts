import { describe, expect, it } from 'vitest';
import { assembleSysinfo, collectSysinfo, startSysinfoSnapshot, SYSINFO_SECTIONS } from '../../src/records/sysinfo.js';

const rawHost = { lscpu: 'Architecture: x86_64\nCPU(s): 2\n', uname: 'Linux vm 6.1.0 x86_64' };

describe('collectSysinfo', () => {
  it('collects every section of this machine within the limit', async () => {
    const started = Date.now();
    const info = await collectSysinfo({ timeoutMs: 10_000, rawHost, extra: { unit: 'SN123' } });
    const elapsed = Date.now() - started;
    for (const name of SYSINFO_SECTIONS) expect(info).toHaveProperty(name);
    expect(info.cpu).toMatchObject({ cores: expect.any(Number) });
    expect((info.mem as { total: number }).total).toBeGreaterThan(0);
    expect((info.osInfo as { platform: string }).platform).toBe(process.platform);
    expect(Array.isArray(info.memLayout) || 'error' in (info.memLayout as object)).toBe(true);
    expect(info.raw).toEqual(rawHost);
    expect(info.extra).toEqual({ unit: 'SN123' });
    expect(info.node).toBe(process.version);
    expect(info.systeminformation).toMatch(/^5\./);
    expect(info.timeout_ms).toBe(10_000);
    expect(new Date(info.collected_at).toISOString()).toBe(info.collected_at);
    expect(info.duration_ms).toBeLessThanOrEqual(elapsed + 5);
    expect(info.duration_ms).toBeLessThan(10_500);
    expect(() => JSON.stringify(info)).not.toThrow();
  });

  it('turns sections that miss a 1 ms limit into errors instead of waiting', async () => {
    // Warm up the import so the limit applies to the calls themselves.
    await collectSysinfo({ timeoutMs: 5_000, rawHost });
    const info = await collectSysinfo({ timeoutMs: 1, rawHost });
    const errors = SYSINFO_SECTIONS.filter((name) => {
      const section = info[name] as { error?: string } | null;
      return typeof section?.error === 'string';
    });
    expect(errors.length).toBeGreaterThan(0);
    for (const name of errors) expect((info[name] as { error: string }).error).toBe('timed out after 1 ms');
    // Far below a whole collection's time; generous for a loaded host.
    expect(info.duration_ms).toBeLessThan(4_000);
    expect(info.extra).toEqual({});
  });

  it('keeps the key order of sysinfo.json: header, raw texts, sections, extra', async () => {
    const snapshot = await startSysinfoSnapshot({ timeoutMs: 10_000 }).result;
    const info = assembleSysinfo(snapshot, rawHost, { unit: 'SN1' });
    expect(Object.keys(info)).toEqual(['collected_at', 'duration_ms', 'timeout_ms', 'node', 'systeminformation', 'raw', ...SYSINFO_SECTIONS, 'extra']);
    expect(info.cpu).toMatchObject({ cores: expect.any(Number) });
  });

  it('stops when cancelled, and says so', async () => {
    const pending = startSysinfoSnapshot({ timeoutMs: 10_000 });
    pending.cancel();
    const started = Date.now();
    await expect(pending.result).rejects.toThrow('sysinfo snapshot cancelled');
    expect(Date.now() - started).toBeLessThan(4_000); // not the 10 s limit
  });
});
