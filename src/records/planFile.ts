// plan.json can hold hundreds of thousands of sub-runs. It is written as a stream: top-level
// fields pretty-printed, one sub-run per line, the (shared) step list serialised once, into
// a temp file that is renamed into place, so a failed write leaves nothing behind.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Plan } from '../plan/types.js';

const flushBytes = 1 << 20;

/** Writes a plan to `file` (its folder is created), one sub-run per line. */
export function writePlanFile(file: string, plan: Plan): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    let buffer = '';
    const emit = (text: string) => {
      buffer += text;
      if (buffer.length >= flushBytes) {
        writeSync(fd, buffer);
        buffer = '';
      }
    };
    const { subruns, ...head } = plan;
    const headText = JSON.stringify(head, null, 2);
    emit(`${headText.slice(0, -2)},\n  "subruns": [`);
    const stepsJson = new Map<unknown, string>();
    subruns.forEach((sub, i) => {
      const { steps, ...rest } = sub;
      let stepsText = stepsJson.get(steps);
      if (stepsText === undefined) {
        stepsText = JSON.stringify(steps);
        stepsJson.set(steps, stepsText);
      }
      const restText = JSON.stringify(rest);
      emit(`${i === 0 ? '' : ','}\n    ${restText.slice(0, -1)},"steps":${stepsText}}`);
    });
    emit(subruns.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
    writeSync(fd, buffer);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(temp, { force: true });
    throw error;
  }
}
