// The margin points of a run and the outcome of each, for `diff`: read from the parent
// summary (one small list), with sub-run summaries filling in what it lacks. Steps are not
// loaded here; the diff reads them one matched sub-run at a time.

import { join } from 'node:path';
import { RECORD_FILES } from '../records/layout.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { readRunSummary, readSubrunSummary } from './recordRead.js';
import { resolveRunFolder } from './runFolders.js';

/** Who a run is, as shown at the top of a diff. */
export interface RunSide {
  run_id: string;
  dir: string;
  status: string;
  unit: string | null;
  flow: string | null;
  margin: string | null;
  started_at: string | null;
}

/** One sub-run of a run: its margin point and outcome. */
export interface PointOutcome {
  subrun_id: string;
  point: Record<string, number>;
  status: string;
}

/** The points of one run. */
export interface RunPoints {
  side: RunSide;
  points: PointOutcome[];
  warnings: string[];
}

/** Loads the points of run `id` of the workspace at `root`; UsageError (exit 2) for an unknown or malformed id. */
export function loadRunPoints(root: string, id: string): RunPoints {
  return loadRunPointsAt(resolveRunFolder(root, id).path, id);
}

/** Loads the points of run `id` whose records are in folder `dir` (e.g. a bundle's data/). */
export function loadRunPointsAt(dir: string, id: string): RunPoints {
  const warnings: string[] = [];
  const side: RunSide = { run_id: id, dir, status: 'unknown', unit: null, flow: null, margin: null, started_at: null };
  const byId = new Map<string, PointOutcome>();
  const summary = readRunSummary(join(dir, RECORD_FILES.summary));
  if (summary.ok) {
    const s = summary.value;
    Object.assign(side, {
      status: s.status,
      unit: typeof s.unit === 'string' ? s.unit : null,
      flow: typeof s.flow === 'string' ? s.flow : null,
      margin: typeof s.margin === 'string' ? s.margin : null,
      started_at: s.started_at,
    });
    for (const sub of s.subruns ?? []) {
      if (typeof sub?.id === 'string' && isPoint(sub.point) && typeof sub.status === 'string') {
        byId.set(sub.id, { subrun_id: sub.id, point: sub.point, status: sub.status });
      }
    }
  } else {
    warnings.push(`run ${id}: ${summary.problem}; points taken from the sub-run summaries`);
  }
  const layout = runFolderLayout(dir, id);
  for (const name of layout.listSubrunIds()) {
    if (byId.has(name)) continue;
    const sub = readSubrunSummary(join(layout.subrunDir(name), RECORD_FILES.summary));
    if (sub.ok) byId.set(name, { subrun_id: name, point: sub.value.point, status: sub.value.status });
    else warnings.push(`run ${id}: sub-run ${name} skipped: ${sub.problem}`);
  }
  const points = [...byId.values()].sort((x, y) => (x.subrun_id < y.subrun_id ? -1 : x.subrun_id > y.subrun_id ? 1 : 0));
  return { side, points, warnings };
}

function isPoint(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'number');
}
