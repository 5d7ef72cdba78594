// The hash of every adapter executable a plan uses, as a run records it in sysinfo.json: made
// when an inputs bundle is packed, and on the replaying host to compare with the bundle's.

import path from 'node:path';
import type { Workspace } from '../config/workspaceTypes.js';
import { hashFile } from '../execute/executableGuard.js';
import type { Plan } from '../plan/types.js';
import { findOnPath } from '../workspace/executable.js';
import type { BundledExecutables } from './bundleInfo.js';

/** Hashes the executables of the adapters `plan` uses (diagnostics and rail actuators), resolved in `workspace`. */
export async function hashPlanExecutables(plan: Plan, workspace: Workspace, root: string, envPath: string): Promise<BundledExecutables> {
  const used = new Set(plan.subruns[0]?.steps.map((s) => s.adapter) ?? []);
  for (const r of Object.values(plan.rails)) if (r.adapter) used.add(r.adapter);
  const adapters: BundledExecutables['adapters'] = {};
  for (const name of [...used].sort()) {
    const ref = workspace.executables[name];
    if (!ref) continue;
    const file = ref.kind === 'diags' ? path.join(root, ref.ref) : findOnPath(ref.ref, envPath);
    let sha256 = 'missing';
    if (ref.found && file) {
      try {
        sha256 = await hashFile(file);
      } catch (error) {
        sha256 = `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
      }
    }
    adapters[name] = { executable: file ?? ref.ref, sha256 };
  }
  return { format: 'road_runner.executables/1', source: 'workspace', adapters };
}

/** One line per adapter whose executable differs between the bundle and this host (empty when all match). */
export function compareExecutables(bundled: BundledExecutables | null, here: BundledExecutables): string[] {
  if (bundled === null) return ['the bundle records no executable hashes; this host\'s executables run unchecked against it'];
  const lines: string[] = [];
  for (const name of [...new Set([...Object.keys(bundled.adapters), ...Object.keys(here.adapters)])].sort()) {
    const b = bundled.adapters[name];
    const h = here.adapters[name];
    if (!h) lines.push(`adapter ${name}: in the bundle (sha256 ${short(b!.sha256)}), not used here`);
    else if (!b) lines.push(`adapter ${name}: ${h.executable} (sha256 ${short(h.sha256)}) here, not recorded in the bundle`);
    else if (b.sha256 !== h.sha256) lines.push(`adapter ${name}: ${h.executable} here has sha256 ${short(h.sha256)}, the bundle's ${b.executable} had ${short(b.sha256)}`);
  }
  return lines;
}

function short(hash: string): string {
  return /^[0-9a-f]{64}$/.test(hash) ? `${hash.slice(0, 12)}…` : hash;
}
