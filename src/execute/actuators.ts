import path from 'node:path';
import type { RailAdapter } from '../config/schemas/index.js';
import type { ExecutableRef } from '../config/workspaceTypes.js';
import { actuatorTimeoutMs, type RailActuator } from './rails.js';

/** Actuators for the given rails, from their rail adapters and resolved executables. */
export function buildActuators(
  root: string,
  rails: string[],
  adapters: RailAdapter[],
  executables: Record<string, ExecutableRef>,
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
      nominal: a.nominal,
      tolerance: a.tolerance ?? 0,
      settleMs: a.settle_ms ?? 0,
      timeoutMs: actuatorTimeoutMs(a.timeout_s),
      env: { ...(a.env ?? {}) },
      cwd: root,
    };
  }
  return out;
}
