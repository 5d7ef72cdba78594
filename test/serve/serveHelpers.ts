// A workspace for the dashboard's tests: a 3 × 2 vcore × freq margin whose stub diagnostic
// prints hostile markup and fails below a threshold; a file in the workspace makes it slow
// (so a page visibly updates while the run goes on) and moves the threshold (so two runs differ).
// `serve` is the built CLI started as a real process on a free port.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createWorkspace, type CliProcess, type TestWorkspace } from '../run/workspace.js';

export const HOSTILE = '<script>alert(1)</script>';

const DIAG = `#!/bin/sh
# Slow and strict when the control file holds "SECONDS THRESHOLD"; fast, threshold 900, otherwise.
delay=0; threshold=900
if [ -f "$CONTROL_FILE" ]; then read delay threshold < "$CONTROL_FILE"; fi
[ "$delay" = 0 ] || sleep "$delay"
echo "${HOSTILE}"
echo "</script><img src=x onerror=alert(2)>"
echo "vcore=$RR_MARGIN_VCORE_MV freq=$RR_MARGIN_FREQ_MHZ gflops=12.5"
if [ "$RR_MARGIN_VCORE_MV" -lt "$threshold" ]; then echo "MISCOMPARE below $threshold" ; echo "${HOSTILE} on stderr" >&2; exit 1; fi
echo ok
`;

/** A workspace with the `shmoo` flow and the `grid` margin (6 sub-runs of one step). */
export function createServeWorkspace(): TestWorkspace & { control: string; setSlow: (seconds: number, threshold: number) => void } {
  const control = '/nonexistent';
  const ws = createWorkspace({
    scripts: { 'hostile-diag': DIAG },
    adapters: {
      hostile: {
        executable: 'hostile-diag', timeout_s: 30,
        pass: { exit_codes: [0], stdout_fail_regex: 'MISCOMPARE' },
        metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } },
        env: { CONTROL_FILE: control },
      },
    },
    flows: { shmoo: { steps: [{ id: 'probe', adapter: 'hostile' }] } },
    margins: { grid: { global_seed: 3, combine: 'grid', targets: { default: { vcore_mv: { values: [850, 900, 950] }, freq_mhz: { values: [2000, 2400] } } } } },
  });
  const file = path.join(ws.root, 'control');
  // The adapter names its control file by absolute path: rewrite it now that the root is known.
  const manifest = path.join(ws.root, 'adapters', 'hostile.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(control, file));
  return { ...ws, control: file, setSlow: (seconds, threshold) => writeFileSync(file, `${seconds} ${threshold}\n`) };
}

/** A started `road_runner serve` and the URL it printed. */
export interface ServeProcess {
  proc: CliProcess;
  url: string;
}

/** Starts `serve --port 0` (plus `extra`) and waits for its URL line. */
export async function startServe(ws: TestWorkspace, extra: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const proc = ws.startCli(['serve', '--port', '0', ...extra], { env, limitMs: 120_000 });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 20 s: ${out}`)), 20_000);
    proc.child.stdout!.on('data', (s: string) => {
      out += s;
      const m = /(http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.done.then((r) => reject(new Error(`serve ended with ${r.code}: ${r.stderr}`)), reject);
  });
  return { proc, url };
}
