import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadValidators } from '../../config/validate.js';
import { describeHostFacts } from '../../host/facts.js';
import { loadHost } from '../../workspace/host.js';
import type { CommandContext } from '../context.js';

/** `road_runner detect [--save FILE] [--json]`: host facts, and optionally the raw texts saved. */
export default async function detect(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const host = await loadHost(await loadValidators(), ctx.cwd, ctx.hostFile, ctx.root);
  const json = args.json === true;
  if (!json) {
    ctx.out(`host: ${host.origin}`);
    for (const line of describeHostFacts(host.facts)) ctx.out(`  ${line}`);
  }
  const save = args.save as string | undefined;
  if (save !== undefined) {
    const file = path.resolve(ctx.cwd, save);
    const body = /\.json$/i.test(file) ? `${JSON.stringify(host.texts, null, 2)}\n` : stringify(host.texts, { blockQuote: 'literal', lineWidth: 0 });
    writeFileSync(file, body);
    if (!json) ctx.out(`saved lscpu and uname texts to ${save}; plan against it with --host ${save}`);
  }
  // README "JSON output": {origin, facts, saved: file or null}.
  if (json) ctx.out(JSON.stringify({ origin: host.origin, facts: host.facts, saved: save === undefined ? null : path.resolve(ctx.cwd, save) }, null, 2));
  return 0;
}
