import path from 'node:path';
import type { RailAdapter } from '../config/schemas/index.js';
import type { ExecutableRef } from '../config/workspaceTypes.js';
import { readParser } from '../config/railRead.js';
import { actuatorTimeoutMs, type RailActuator } from './rails.js';

/** Settle polling every 100 ms unless the manifest says otherwise. */
const defaultPollMs = 100;

/** The manifest's nominal when it is a number; null for `nominal: read` (read at the start of the run). */
export function fixedNominal(a: RailAdapter): number | null {
  return typeof a.nominal === 'number' ? a.nominal : null;
}

/**
 * Actuators for the given rails, from their rail adapters and resolved executables. A rail
 * whose manifest says `nominal: read` takes its value from `readNominals` (what the run read
 * at its start); until then its nominal is NaN, which no bounds check accepts, so it can never
 * be applied (crash recovery replaces it with the journal's recorded value).
 */
export function buildActuators(
  root: string,
  rails: string[],
  adapters: RailAdapter[],
  executables: Record<string, ExecutableRef>,
  readNominals: Record<string, number> = {},
): Record<string, RailActuator> {
  const out: Record<string, RailActuator> = {};
  for (const rail of rails) {
    const a = adapters.find((x) => x.rail === rail);
    const ref = a ? executables[a.name] : undefined;
    if (!a || !ref) continue;
    out[rail] = {
      rail,
      adapter: a.name,
      file: ref.kind === 'diags' ? path.join(root, ref.ref) : ref.ref,
      set: [...a.set],
      get: [...a.get],
      nominal: fixedNominal(a) ?? readNominals[rail] ?? Number.NaN,
      tolerance: a.tolerance ?? 0,
      settleMs: a.settle_ms ?? 0,
      settle: a.settle ? { timeoutMs: a.settle.timeout_ms, pollMs: a.settle.poll_ms ?? Math.min(defaultPollMs, a.settle.timeout_ms) } : null,
      preflight: a.preflight ? [...a.preflight] : null,
      parse: readParser(a.name, a.read),
      timeoutMs: actuatorTimeoutMs(a.timeout_s),
      env: { ...(a.env ?? {}) },
      cwd: root,
    };
  }
  return out;
}
