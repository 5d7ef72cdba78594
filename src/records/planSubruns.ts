// Streams the sub-runs of a plan.json one at a time. writePlanFile puts each sub-run on a
// line of its own after the line `  "subruns": [`, so a plan of any size is read a line at a
// time. A plan.json in any other shape (pretty-printed or edited by hand) is parsed whole.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ExitCode, RrError } from '../errors.js';
import type { PlannedSubrun } from '../plan/types.js';
import { readJsonFile } from './jsonFile.js';

const listStart = '  "subruns": [';

/** Yields the planned sub-runs of `planPath` in plan order. */
export async function* readPlannedSubruns(planPath: string): AsyncGenerator<PlannedSubrun> {
  const lines = createInterface({ input: createReadStream(planPath, { encoding: 'utf8' }), crlfDelay: Infinity });
  let inList = false;
  let yielded = 0;
  let lineNo = 0;
  let wholeFile = false;
  try {
    for await (const line of lines) {
      lineNo += 1;
      if (!inList) {
        if (!line.startsWith(listStart)) continue;
        if (line.slice(listStart.length).trim() === ']') return;
        inList = true;
        continue;
      }
      const text = line.trim().replace(/,$/, '');
      if (text === ']' || text === '') return;
      let sub: unknown;
      try {
        sub = JSON.parse(text);
      } catch {
        if (yielded > 0) throw new RrError(`${planPath}:${lineNo}: damaged sub-run line`, ExitCode.usage, 'restore plan.json from a copy');
        wholeFile = true;
        break;
      }
      yielded += 1;
      yield sub as PlannedSubrun;
    }
    if (!inList) wholeFile = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RrError(`plan not found: ${planPath}`, ExitCode.usage, 'plan.json is written before anything runs; restore it from a copy');
    }
    throw err;
  } finally {
    lines.close();
  }
  if (!wholeFile) return;
  const plan = readJsonFile(planPath, 'plan') as { subruns?: unknown };
  if (!Array.isArray(plan?.subruns)) throw new RrError(`${planPath} holds no sub-run list`, ExitCode.usage, 'restore plan.json from a copy');
  yield* plan.subruns as PlannedSubrun[];
}
