// A run's sysinfo.json: the host snapshot, plus what the run itself knows (tool versions, and
// the executable, hash and version of every adapter it uses).

import path from 'node:path';
import type { DiagAdapter } from '../config/schemas/index.js';
import type { Workspace } from '../config/workspaceTypes.js';
import type { Plan } from '../plan/types.js';
import { assembleSysinfo, type PendingSysinfo, type Sysinfo } from '../records/sysinfo.js';
import { findOnPath } from '../workspace/executable.js';
import type { HostChoice } from '../workspace/host.js';
import { recordExecutable, type RecordedExecutable } from './executableGuard.js';
import { runVersionCommand } from './toolVersions.js';

/** What completeSysinfo needs to know about the run. */
export interface SysinfoRequest {
  plan: Plan;
  root: string;
  workspace: Workspace;
  host: HostChoice;
  envPath: string;
}

/**
 * sysinfo.json's content: the snapshot with the versions and every used adapter's executable,
 * hash and version_cmd output. Each hashed executable is also put in `recorded` (adapter name →
 * hash and file identity): steps check against it before every launch (executableGuard.ts).
 */
export async function completeSysinfo(
  snapshot: PendingSysinfo,
  req: SysinfoRequest,
  diags: Record<string, DiagAdapter>,
  versions: Record<string, string>,
  recorded: Map<string, RecordedExecutable> = new Map(),
): Promise<Sysinfo> {
  const used = new Set(req.plan.subruns[0]?.steps.map((s) => s.adapter) ?? []);
  for (const r of Object.values(req.plan.rails)) if (r.adapter) used.add(r.adapter);
  const adapters: Record<string, { executable: string; sha256: string; version?: string }> = {};
  await Promise.all([...used].map(async (name) => {
    const ref = req.workspace.executables[name];
    if (!ref) return;
    const file = ref.kind === 'diags' ? path.join(req.root, ref.ref) : findOnPath(ref.ref, req.envPath);
    let sha256 = 'missing';
    if (ref.found && file) {
      try {
        const rec = await recordExecutable(file, ref.kind === 'diags' ? ref.ref : file);
        recorded.set(name, rec);
        sha256 = rec.sha256;
      } catch (error) {
        sha256 = `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
      }
    }
    const entry: { executable: string; sha256: string; version?: string } = { executable: file ?? ref.ref, sha256 };
    const versionCmd = diags[name]?.version_cmd;
    if (versionCmd && ref.found) entry.version = await runVersionCommand(versionCmd, req.root);
    adapters[name] = entry;
  }));
  return assembleSysinfo(await snapshot.result, req.host.texts, { versions, adapters, host_origin: req.host.origin });
}
