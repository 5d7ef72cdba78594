import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { edacFolder } from '../../src/health/edacCounts.js';
import { openHealthMonitor, type HealthMonitor } from '../../src/health/healthMonitor.js';
import { healthSourcesFrom } from '../../src/health/healthSources.js';

let root: string;
let monitor: HealthMonitor | null = null;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'rr-health-'));
});
afterEach(() => {
  monitor?.close();
  monitor = null;
  rmSync(root, { recursive: true, force: true });
});

function setCounts(name: string, ce: number, ue: number): void {
  const dir = path.join(edacFolder(path.join(root, 'sys')), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'ce_count'), `${ce}\n`);
  writeFileSync(path.join(dir, 'ue_count'), `${ue}\n`);
}

describe('health monitor', () => {
  it('names the real sources unless the environment names fakes', () => {
    expect(healthSourcesFrom({})).toEqual({ sysfsRoot: '/sys', kmsgFile: '/dev/kmsg' });
    expect(healthSourcesFrom({ RR_SYSFS_ROOT: '/tmp/s', RR_KMSG_FILE: '/tmp/k' })).toEqual({ sysfsRoot: '/tmp/s', kmsgFile: '/tmp/k' });
  });

  it('gives the deltas between before and after, per controller, and the new kernel lines only', () => {
    setCounts('mc0', 5, 0);
    setCounts('mc1', 0, 0);
    const kmsg = path.join(root, 'kmsg');
    writeFileSync(kmsg, '3,1,1,-;EDAC MC0: old\n');
    monitor = openHealthMonitor({ sysfsRoot: path.join(root, 'sys'), kmsgFile: kmsg });
    expect(monitor.sources.edac.available).toBe(true);
    expect(monitor.sources.kernel_log).toEqual({ available: true, detail: kmsg });
    const mark = monitor.before();
    setCounts('mc1', 2, 1);
    appendFileSync(kmsg, '3,2,2,-;EDAC MC1: 2 CE\n');
    expect(monitor.after(mark)).toEqual({
      ce_delta: 2, ue_delta: 1, controllers: { mc0: { ce: 0, ue: 0 }, mc1: { ce: 2, ue: 1 } }, kernel_lines: 1, lines: ['[0.000002] EDAC MC1: 2 CE'], notes: [],
    });
    // The next sub-run starts from there.
    const next = monitor.before();
    expect(monitor.after(next)).toMatchObject({ ce_delta: 0, ue_delta: 0, kernel_lines: 0, lines: [] });
  });

  it('a counter reset is no new error, with a note; a controller that appears is noted', () => {
    setCounts('mc0', 5, 0);
    monitor = openHealthMonitor({ sysfsRoot: path.join(root, 'sys'), kmsgFile: path.join(root, 'none') });
    const mark = monitor.before();
    setCounts('mc0', 0, 0);
    setCounts('mc1', 1, 0);
    const r = monitor.after(mark);
    expect(r).toMatchObject({ ce_delta: 0, ue_delta: 0, kernel_lines: null });
    expect(r.notes).toEqual(['mc0 counters went down (reset during the sub-run)', 'memory controller mc1 appeared during the sub-run']);
  });

  it('sources that are not there are unavailable from the start and give null deltas', () => {
    monitor = openHealthMonitor({ sysfsRoot: path.join(root, 'sys'), kmsgFile: path.join(root, 'none') });
    expect(monitor.sources.edac).toMatchObject({ available: false, detail: expect.stringMatching(/no EDAC driver/) });
    expect(monitor.sources.kernel_log).toMatchObject({ available: false, detail: expect.stringMatching(/does not exist/) });
    setCounts('mc0', 1, 0); // appearing later changes nothing: the state is said once, as found
    expect(monitor.after(monitor.before())).toEqual({ ce_delta: null, ue_delta: null, controllers: {}, kernel_lines: null, lines: [], notes: [] });
  });

  it('skips a kernel-log backlog bigger than one drain when the run starts: the first sub-run sees only its own records', () => {
    const kmsg = path.join(root, 'kmsg');
    const old = Array.from({ length: 30_000 }, (_, i) => `3,${i + 1},${i},-;mce: [Hardware Error]: old record ${i}\n`).join(''); // about 1.5 MiB
    writeFileSync(kmsg, old);
    monitor = openHealthMonitor({ sysfsRoot: path.join(root, 'sys'), kmsgFile: kmsg }, { maxBytes: 256 * 1024, maxMs: 5000, maxLines: 5 });
    const mark = monitor.before();
    expect(mark.kmsgBacklog).toBe(false);
    appendFileSync(kmsg, '3,30001,1,-;EDAC MC0: new\n');
    expect(monitor.after(mark)).toMatchObject({ kernel_lines: 1, lines: ['[0.000001] EDAC MC0: new'], notes: [] });
  });
});
