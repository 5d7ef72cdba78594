import type { Plan } from '../plan/types.js';
import { renderTable } from '../runs/text.js';

/** Rows shown before the matrix is elided (the JSON always has all of them). */
const maxRows = 40;

/** The expansion matrix `plan` prints: one row per sub-run, one column per rail, then the steps. */
export function renderPlanMatrix(plan: Plan): string[] {
  const railLabel = (rail: string) => (plan.rails[rail]?.passive ? `${rail} (passive)` : rail);
  const defaultRails = Object.keys(plan.subruns[0]?.margins ?? {});
  const adapterRails = Object.entries(plan.subruns[0]?.adapter_margins ?? {}).flatMap(([adapter, rails]) =>
    Object.keys(rails).map((rail) => [adapter, rail] as const));
  const header = [plan.search ? 'point' : 'sub-run', 'seed', ...defaultRails.map(railLabel), ...adapterRails.map(([a, r]) => `${railLabel(r)} @${a}`)];
  const toRow = (s: Plan['subruns'][number]) => [
    s.id.slice(plan.run_id.length + 1),
    String(s.seed),
    ...defaultRails.map((r) => String(s.margins[r])),
    ...adapterRails.map(([a, r]) => String(s.adapter_margins[a]?.[r])),
  ];
  const subs = plan.subruns;
  const shown = subs.length <= maxRows ? subs.map(toRow) : [...subs.slice(0, maxRows - 5).map(toRow), ['…'], ...subs.slice(-4).map(toRow)];
  const steps = plan.subruns[0]?.steps ?? [];
  const stepRows = steps.map((s) => [String(s.index), s.step_id + (s.expansions > 1 ? ` #${s.expansion}` : ''), s.adapter, `${s.timeout_s}s`, s.argv.map(quoteArg).join(' ')]);
  const passive = Object.values(plan.rails).filter((r) => r.passive).map((r) => r.rail);
  return [
    `run ${plan.run_id}: flow ${plan.flow} × margin ${plan.margin} (${plan.combine})`,
    `profile: ${plan.profile ?? 'none (site policy only)'}`,
    `seed: ${plan.seed} (${plan.seed_source})`,
    ...(plan.search ? describeSearch(plan) : [`${plan.subruns.length} sub-run${plan.subruns.length === 1 ? '' : 's'} × ${steps.length} step${steps.length === 1 ? '' : 's'} = ${plan.subruns.length * steps.length} invocations`]),
    ...(passive.length > 0 ? [`passive rails (no actuator; reach diagnostics only as RR_MARGIN_*): ${passive.join(', ')}`] : []),
    '',
    ...renderTable(header, shown),
    '',
    'steps (every sub-run):',
    ...renderTable(['#', 'step', 'adapter', 'timeout', 'argv'], stepRows).map((l) => `  ${l}`),
  ];
}

// A search: its strategy, the lattice of every column, and the probe estimates against the grid.
function describeSearch(plan: Plan): string[] {
  const search = plan.search!;
  const { spec, columns } = search;
  const lattice = columns[0]?.lattice ?? [];
  const latticeText = lattice.length <= 12 ? lattice.join(', ') : `${lattice.slice(0, 5).join(', ')}, … ${lattice.slice(-3).join(', ')}`;
  const extras = [
    spec.coarse_step !== undefined ? `coarse_step ${spec.coarse_step}` : null,
    `confirm ${spec.confirm}`, `retest ${spec.retest}`, `guard_band ${spec.guard_band}`,
    spec.explore === 'single' ? 'explore single' : null,
    spec.screen !== undefined && spec.screen > 0 ? `screen ${spec.screen}` : null,
    spec.trend_min !== undefined ? `trend_min ${spec.trend_min}` : null,
  ].filter((x): x is string => x !== null);
  const steps = plan.subruns[0]?.steps.length ?? 0;
  const percent = (n: number) => (plan.subruns.length === 0 ? '' : ` (${Math.round((n / plan.subruns.length) * 1000) / 10}% of the grid)`);
  return [
    `search: ${spec.strategy} for the ${spec.direction === 'down' ? 'lowest' : 'highest'} passing ${spec.rail}, resolution ${spec.resolution}; ${extras.join(', ')}`,
    `lattice (${lattice.length} values of ${spec.rail}, from the safe end): ${latticeText}`,
    `columns: ${columns.length}${columns.length > 0 && columns[0]!.key !== '' ? ` (${columns.map((c) => c.key).slice(0, 6).join('; ')}${columns.length > 6 ? '; …' : ''})` : ''}`,
    `candidate points: ${plan.subruns.length} (every one checked against the bounds); each probe runs ${steps} step${steps === 1 ? '' : 's'}`,
    `probes: expected ${search.expected}${percent(search.expected)}, worst case ${search.worst_case}${percent(search.worst_case)}`,
  ];
}

function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
