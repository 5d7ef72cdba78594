import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { buildScaffold, findConflicts, packageRoot, writeScaffold } from '../../workspace/scaffold.js';
import type { CommandContext } from '../context.js';

/** `road_runner init [DIR] [--templates]`: a new workspace with the samples, schema files and editor settings. */
export default async function init(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const dir = path.resolve(ctx.cwd, typeof args.dir === 'string' && args.dir !== '' ? args.dir : '.');
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`cannot init ${dir}: it is not a folder`, 'name a new or existing folder');
  const scaffold = buildScaffold(packageRoot(), { withTemplates: args.templates === true });
  const conflicts = findConflicts(dir, scaffold);
  if (conflicts.length > 0) {
    for (const rel of conflicts) ctx.err(`  exists: ${path.join(dir, rel)}`);
    throw new UsageError(
      `init would overwrite ${conflicts.length} path${conflicts.length === 1 ? '' : 's'} in ${dir} (listed above); nothing was written`,
      'run init in an empty folder (road_runner init NEW_FOLDER), or move those files away first',
    );
  }
  writeScaffold(dir, scaffold);
  const shown = path.relative(ctx.cwd, dir) || '.';
  ctx.out(`created a road_runner workspace in ${shown}: ${scaffold.files.length} files`);
  ctx.out('  adapters/ diags/ flows/ margins/ policy/   the samples: stub diagnostics, a simulated rail controller, a 27-point sweep');
  ctx.out(`  templates/                                 report templates here override the package's (${args.templates === true ? 'copies of them written' : 'empty: init --templates copies them'})`);
  ctx.out('  schemas/ .vscode/settings.json             JSON Schemas, mapped onto the YAML files for editors (yaml-language-server)');
  ctx.out('next:');
  const cd = shown === '.' ? '' : `cd ${shown} && `;
  ctx.out(`  ${cd}road_runner validate`);
  ctx.out(`  ${cd}road_runner run --flow sample_flow --margin sample_margin --unit SN123 --yes`);
  return 0;
}
