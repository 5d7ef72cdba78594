import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadValidators } from '../../config/validate.js';
import { describeHostFacts } from '../../host/facts.js';
import { loadHost } from '../../workspace/host.js';
import type { CommandContext } from '../context.js';

/** `road_runner detect [--save FILE]`: host facts, and optionally the raw texts saved. */
export default async function detect(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const host = await loadHost(await loadValidators(), ctx.cwd, ctx.hostFile, ctx.root);
  ctx.out(`host: ${host.origin}`);
  for (const line of describeHostFacts(host.facts)) ctx.out(`  ${line}`);
  const save = args.save as string | undefined;
  if (save !== undefined) {
    const file = path.resolve(ctx.cwd, save);
    const body = /\.json$/i.test(file) ? `${JSON.stringify(host.texts, null, 2)}\n` : stringify(host.texts, { blockQuote: 'literal', lineWidth: 0 });
    writeFileSync(file, body);
    ctx.out(`saved lscpu and uname texts to ${save}; plan against it with --host ${save}`);
  }
  return 0;
}
