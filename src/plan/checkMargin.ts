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
  if (data.search) problems.push(...checkSearch(margin));
  return problems;
}

// The search block against the targets: its rail must be an axis of the `default` target, the
// points must form a grid, coarse_step belongs to coarse-fine alone, screen and trend_min to
// explore: single (trend_min to edge).
function checkSearch(margin: Loaded<Margin>): Problem[] {
  const { source, data } = margin;
  const search = data.search!;
  const problems: Problem[] = [];
  const settings = listRailSettings(data);
  const own = settings.find((s) => s.target === 'default' && s.rail === search.rail);
  if (!own) {
    const swept = settings.filter((s) => s.target === 'default' && s.count > 1).map((s) => s.rail);
    const elsewhere = settings.find((s) => s.rail === search.rail);
    problems.push(problemAt(source, '/search/rail',
      elsewhere ? `search.rail "${search.rail}" is set only in target "${elsewhere.target}"; the searched rail must be swept in the default target`
        : `search.rail "${search.rail}" is not set by any target`,
      swept.length > 0 ? suggestionFor(search.rail, swept, 'rail') : `sweep it under targets.default, e.g. ${search.rail}: {sweep: {start: 1000, stop: 800, step: -5}}`));
  } else if (own.count < 2 && !Number.isNaN(own.count)) {
    problems.push(problemAt(source, `/targets/default/${escapePointer(search.rail)}`,
      `the searched rail "${search.rail}" has a single value here; a search needs its sweep (the lattice)`,
      'give it a sweep or a list of values'));
  }
  if ((data.combine ?? 'grid') !== 'grid') {
    problems.push(problemAt(source, '/combine', 'a search needs combine: grid (each column is searched along the whole lattice)', 'remove combine: zip, or remove the search block'));
  }
  if (search.strategy === 'coarse-fine' && search.coarse_step === undefined) {
    problems.push(problemAt(source, '/search', 'strategy coarse-fine needs coarse_step', `add coarse_step: the coarse step from the safe end in rail units, e.g. ${search.resolution * 5}`, true));
  }
  if (search.strategy !== 'coarse-fine' && search.coarse_step !== undefined) {
    problems.push(problemAt(source, '/search/coarse_step', `coarse_step is used only by strategy coarse-fine (this search is ${search.strategy})`, 'remove coarse_step, or use strategy: coarse-fine', true));
  }
  if (search.screen !== undefined && search.screen > 0 && search.explore !== 'single') {
    problems.push(problemAt(source, '/search/screen', 'screen is used only with explore: single (it screens the points of the confirming walk)', 'add explore: single, or remove screen', true));
  }
  if (search.trend_min !== undefined && (search.strategy !== 'edge' || search.explore !== 'single')) {
    problems.push(problemAt(source, '/search/trend_min', `trend_min is used only by strategy edge with explore: single (this search is ${search.strategy}${search.explore === 'single' ? ', explore single' : ''})`, 'remove trend_min, or use strategy: edge with explore: single', true));
  }
  if (search.coarse_step !== undefined && search.coarse_step < search.resolution) {
    problems.push(problemAt(source, '/search/coarse_step', `coarse_step ${search.coarse_step} is finer than resolution ${search.resolution}`, 'make coarse_step several times the resolution'));
  }
  return problems;
}
