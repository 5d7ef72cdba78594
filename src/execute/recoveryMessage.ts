// What a recovery that could not put a rail back tells the operator: per rail, the manifest
// and executable it used, every actuator call it made and how each ended, the read-back, and
// the two ways on (`recover --with-current-adapters`, `recover --clear --yes`).

import { RuntimeAbortError } from '../errors.js';
import type { ActuatorCallRecord } from './rails.js';
import type { AdapterSource } from './recoveryActuators.js';

/** What recovery did for one rail of the journal. */
export interface RailRecovery {
  rail: string;
  nominal: number;
  ok: boolean;
  read_back: number | null;
  error: string | null;
  adapter: string | null;
  /** The manifest used, relative to the workspace root (a copy in inputs/, or adapters/). */
  manifest: string | null;
  manifest_sha256: string | null;
  /** The executable called, or null when no actuator could be built. */
  executable: string | null;
  /** Every actuator call made for this rail, in order. */
  calls: ActuatorCallRecord[];
}

/** The two ways on when the recorded actuator cannot restore, by name. */
export const RECOVERY_OPTIONS = [
  '`road_runner recover --with-current-adapters` restores with today\'s rail manifests in adapters/ (fix or replace the actuator there first; nominal is still checked against the bounds)',
  'or put the rails back to nominal yourself (or power-cycle the host), then `road_runner recover --clear --yes`: no actuator is called and the run records that road_runner did not restore them',
];

/** A recovery that could not restore every rail (exit 4): the journal is kept. */
export class RecoveryFailedError extends RuntimeAbortError {
  readonly runId: string;
  readonly rails: RailRecovery[];
  constructor(runId: string, rails: RailRecovery[], source: AdapterSource) {
    const failed = rails.filter((r) => !r.ok);
    const from = source === 'recorded' ? 'the rail manifests recorded in its inputs/' : 'today\'s rail manifests in adapters/';
    const restored = rails.filter((r) => r.ok).map((r) => `${r.rail} (read back ${r.read_back})`);
    super(
      [`recovery of crashed run ${runId} could not restore ${failed.map((r) => r.rail).join(', ')} with ${from}; the crash journal is kept. What was tried:`,
        ...failed.flatMap(explainRail),
        ...(restored.length > 0 ? [`  back at nominal: ${restored.join(', ')}`] : [])].join('\n'),
      `fix the actuator and run \`road_runner recover\` again; or ${RECOVERY_OPTIONS.join('; ')}`,
    );
    this.runId = runId;
    this.rails = rails;
  }
}

/** The lines that say what was tried for one rail that is not back at nominal. */
export function explainRail(r: RailRecovery): string[] {
  const lines = [`  ${r.rail} (nominal ${r.nominal}): NOT RESTORED`];
  if (r.manifest) lines.push(`    adapter ${r.adapter ?? '?'}, manifest ${r.manifest}${r.manifest_sha256 ? ` (sha256 ${r.manifest_sha256.slice(0, 12)})` : ''}`);
  if (r.executable) lines.push(`    executable ${r.executable}`);
  if (r.calls.length === 0) lines.push('    no actuator call was made');
  for (const c of r.calls) lines.push(`    ran ${c.argv.map(quoteArg).join(' ')}: ${describeCall(c)}`);
  lines.push(`    read back: ${r.read_back ?? 'nothing'}`);
  // A call that failed already says why; otherwise (read-back off, refused, no actuator) the error does.
  const callFailed = r.calls.some((c) => c.spawn_error !== null || c.timed_out || c.exit_code !== 0);
  if (r.error && !callFailed) lines.push(`    why: ${r.error}`);
  return lines;
}

/** How one actuator call ended, in a few words. */
export function describeCall(c: ActuatorCallRecord): string {
  if (c.spawn_error !== null) return `never started (${c.spawn_error})`;
  const end = c.timed_out ? 'timed out' : c.exit_code !== null ? `exit ${c.exit_code}` : `killed by ${c.signal ?? 'a signal'}`;
  return c.stderr ? `${end}, stderr ${JSON.stringify(c.stderr.slice(0, 200))}` : end;
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}
