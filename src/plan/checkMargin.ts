import type { Problem } from '../errors.js';
import type { Margin } from '../config/schemas/index.js';
import { suggestionFor } from '../config/suggest.js';
import type { Loaded } from '../config/workspaceTypes.js';
import { escapePointer, problemAt } from '../config/yamlSource.js';
import { listAxes, listRailSettings, sweepProblem } from './axes.js';

/**
 * Checks a margin profile on its own and against the diagnostic adapter names; targets naming
 * an adapter in `unloaded` (a file that failed to load, reported already) are accepted.
 */
export function checkMargin(margin: Loaded<Margin>, diagNames: string[], unloaded: string[] = []): Problem[] {
  const { source, data } = margin;
  const problems: Problem[] = [];
  for (const target of Object.keys(data.targets)) {
    if (target !== 'default' && !diagNames.includes(target) && !unloaded.includes(target)) {
      problems.push(problemAt(source, `/targets/${escapePointer(target)}`,
        `target "${target}" is neither "default" nor a diagnostic adapter`,
        suggestionFor(target, ['default', ...diagNames], 'target'), true));
    }
  }
  const settings = listRailSettings(data);
  for (const s of settings) {
    if (s.spec.sweep) {
      const why = sweepProblem(s.spec.sweep);
      const { start, stop, step } = s.spec.sweep;
      const hint = step === 0 ? `from ${start} to ${stop} the step must be ${stop >= start ? 'positive' : 'negative'}` : undefined;
      if (why) problems.push(problemAt(source, `/targets/${escapePointer(s.target)}/${escapePointer(s.rail)}/sweep/step`, why, hint));
    }
  }
  const axes = listAxes(settings);
  if ((data.combine ?? 'grid') === 'zip' && axes.length > 1 && axes.every((a) => !Number.isNaN(a.count))) {
    const lengths = new Set(axes.map((a) => a.count));
    if (lengths.size > 1) {
      const described = axes.map((a) => `${a.target}.${a.rail}: ${a.count}`).join(', ');
      problems.push(problemAt(source, '/combine', `zip needs every swept rail to have the same number of values (${described})`,
        'give the axes equal lengths, or use combine: grid'));
    }
  }
  const rails = [...new Set(settings.map((s) => s.rail))];
  for (const rail of Object.keys(data.jitter ?? {})) {
    if (!rails.includes(rail)) {
      problems.push(problemAt(source, `/jitter/${escapePointer(rail)}`, `jitter names rail "${rail}", which no target sets`,
        suggestionFor(rail, rails, 'rail'), true));
    }
  }
  return problems;
}
