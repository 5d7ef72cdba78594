import { ConfigError } from '../../errors.js';
import { loadValidators } from '../../config/validate.js';
import { problemAt } from '../../config/yamlSource.js';
import { countPoints, listAxes, listRailSettings } from '../../plan/axes.js';
import { intersectPolicies } from '../../safety/bounds.js';
import { loadWorkspace, locateInput } from '../../workspace/load.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../../errors.js';

/** `road_runner margins list` and `road_runner margins validate --file F`. */
export default async function margins(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const action = args.action as 'list' | 'validate';
  const file = args.file as string | undefined;
  if (action === 'validate' && file === undefined) throw new UsageError('margins validate needs --file F', 'e.g. road_runner margins validate --file margins/sample_margin.yaml');
  const only = file === undefined ? undefined : [locateInput(ctx.root, ctx.cwd, file, 'margins')];
  const ws = loadWorkspace(await loadValidators(), ctx.root, { envPath: ctx.env.PATH ?? '', flows: [], margins: only });
  const marginFiles = new Set([...ws.margins.map((m) => m.source.file), ...(file ? [file] : [])]);
  const problems = action === 'validate' ? [...ws.problems] : ws.problems.filter((p) => p.file.startsWith('margins/') || marginFiles.has(p.file));
  const limits = ws.policy ? intersectPolicies({ body: ws.policy.data, file: ws.policy.source.file }, null).limits : null;
  for (const m of ws.margins) {
    const count = countPoints(m.data);
    const axes = listAxes(listRailSettings(m.data)).map((a) => `${a.target === 'default' ? '' : `${a.target}:`}${a.rail}×${a.count}`);
    if (limits && count > limits.max_subruns) {
      problems.push(problemAt(m.source, '/targets', `${count} margin points exceed max_subruns ${limits.max_subruns} set by ${limits.max_subruns_source}`,
        'use fewer values or a coarser step'));
    }
    if (action === 'list') {
      ctx.out(`${m.data.name}  (${m.source.file})  ${m.data.combine ?? 'grid'}, ${count} point${count === 1 ? '' : 's'}${axes.length ? `: ${axes.join(' × ')}` : ''}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (action === 'validate') ctx.out(`ok: ${ws.margins.map((m) => `${m.source.file} (${countPoints(m.data)} points)`).join(', ')}`);
  if (action === 'list' && ws.margins.length === 0) ctx.out('no margin profiles in margins/');
  return 0;
}
