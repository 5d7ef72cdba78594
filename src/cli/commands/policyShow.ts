import { ConfigError } from '../../errors.js';
import { loadValidators } from '../../config/validate.js';
import { describeHostFacts } from '../../host/facts.js';
import { decideBounds } from '../../plan/planSweep.js';
import { describeBounds } from '../../safety/bounds.js';
import { loadHost } from '../../workspace/host.js';
import { loadWorkspace } from '../../workspace/load.js';
import type { CommandContext } from '../context.js';

/** `road_runner policy show [--json]`: detected host, profile choice with reasons, effective bounds. */
export default async function policyShow(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const validators = await loadValidators();
  const ws = loadWorkspace(validators, ctx.root, { envPath: ctx.env.PATH ?? '', flows: [], margins: [] });
  if (ws.problems.length > 0) throw new ConfigError(ws.problems);
  const host = await loadHost(validators, ctx.cwd, ctx.hostFile, ctx.root);
  const { selection, bounds } = decideBounds(ws, host.facts, args.profile as string | undefined);
  if (args.json === true) {
    // README "JSON output": {host: {origin, facts}, profile: {name, file, priority} or null, reasons, considered, bounds}.
    const chosen = selection.selected;
    ctx.out(JSON.stringify({
      host: { origin: host.origin, facts: host.facts },
      profile: chosen ? { name: chosen.name, file: chosen.file, priority: chosen.priority } : null,
      reasons: selection.reasons,
      considered: selection.considered,
      bounds,
    }, null, 2));
    return 0;
  }
  ctx.out(`host: ${host.origin}`);
  for (const line of describeHostFacts(host.facts)) ctx.out(`  ${line}`);
  ctx.out('');
  ctx.out(`profile: ${selection.selected ? `${selection.selected.name} (${selection.selected.file})` : 'none'}`);
  for (const reason of selection.reasons) ctx.out(`  ${reason}`);
  if (selection.considered.length > 0) {
    ctx.out('considered:');
    for (const c of selection.considered) {
      ctx.out(`  ${c.matched ? 'match   ' : 'no match'} ${c.name} (priority ${c.priority}, ${c.file})`);
      for (const r of c.reasons) ctx.out(`             ${r}`);
    }
  }
  ctx.out('');
  ctx.out('effective bounds (site policy ∩ profile):');
  for (const line of describeBounds(bounds)) ctx.out(`  ${line}`);
  return 0;
}
