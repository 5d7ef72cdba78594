// A run's sysinfo.json: the host snapshot, plus what the run itself knows (tool versions, and
// the executable, hash and version of every adapter it uses).

import path from 'node:path';
import type { DiagAdapter } from '../config/schemas/index.js';
import type { Workspace } from '../config/workspaceTypes.js';
import type { Plan } from '../plan/types.js';
import { assembleSysinfo, type PendingSysinfo, type Sysinfo } from '../records/sysinfo.js';
import { findOnPath } from '../workspace/executable.js';
import type { HostChoice } from '../workspace/host.js';
import { hashExecutable, runVersionCommand } from './toolVersions.js';

/** What completeSysinfo needs to know about the run. */
export interface SysinfoRequest {
  plan: Plan;
  root: string;
  workspace: Workspace;
  host: HostChoice;
  envPath: string;
}

/** sysinfo.json's content: the snapshot with the versions and every used adapter's executable, hash and version_cmd output. */
export async function completeSysinfo(snapshot: PendingSysinfo, req: SysinfoRequest, diags: Record<string, DiagAdapter>, versions: Record<string, string>): Promise<Sysinfo> {
  const used = new Set(req.plan.subruns[0]?.steps.map((s) => s.adapter) ?? []);
  for (const r of Object.values(req.plan.rails)) if (r.adapter) used.add(r.adapter);
  const adapters: Record<string, { executable: string; sha256: string; version?: string }> = {};
  await Promise.all([...used].map(async (name) => {
    const ref = req.workspace.executables[name];
    if (!ref) return;
    const file = ref.kind === 'diags' ? path.join(req.root, ref.ref) : findOnPath(ref.ref, req.envPath);
    const entry: { executable: string; sha256: string; version?: string } = {
      executable: file ?? ref.ref,
      sha256: ref.found && file ? await hashExecutable(file) : 'missing',
    };
    const versionCmd = diags[name]?.version_cmd;
    if (versionCmd && ref.found) entry.version = await runVersionCommand(versionCmd, req.root);
    adapters[name] = entry;
  }));
  return assembleSysinfo(await snapshot.result, req.host.texts, { versions, adapters, host_origin: req.host.origin });
}
