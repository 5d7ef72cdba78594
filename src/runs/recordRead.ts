// Reading the JSON records of old runs without trusting them: a run folder may be damaged,
// half-written or from an older road_runner. Each reader returns the record or says, in one
// line, what is wrong with it, so listings can show the run instead of crashing.

import { existsSync, statSync } from 'node:fs';
import { RrError } from '../errors.js';
import { readJsonFile } from '../records/jsonFile.js';
import type { RunSummary, StatusCounts, SubrunSummary } from '../records/recordTypes.js';

/** A record that was read, or why it could not be. */
export type RecordRead<T> =
  | { ok: true; value: T }
  | { ok: false; missing: boolean; problem: string };

/** plan.json bigger than this is not parsed just to name its flow and margin. */
export const PLAN_HEAD_LIMIT_BYTES = 8 * 1024 * 1024;

const STATUS_KEYS: readonly (keyof StatusCounts)[] = ['passed', 'failed', 'timeout', 'error', 'interrupted', 'skipped'];
/** Every key of StatusCounts: the statuses, and `marginal` (a part of `passed`; 0 in runs recorded before it was kept). */
const COUNT_KEYS: readonly (keyof StatusCounts)[] = [...STATUS_KEYS, 'marginal'];

/** Reads a parent summary.json and checks the fields listings rely on. */
export function readRunSummary(path: string): RecordRead<RunSummary> {
  return readChecked(path, 'run summary', (v) => {
    if (typeof v.run_id !== 'string') return 'run_id is not a string';
    if (typeof v.status !== 'string') return 'status is not a string';
    if (typeof v.started_at !== 'string' || Number.isNaN(Date.parse(v.started_at))) return 'started_at is not a date';
    if (v.subruns !== undefined && !Array.isArray(v.subruns)) return 'subruns is not a list';
    return null;
  }) as RecordRead<RunSummary>;
}

/** Reads a sub-run summary.json and checks the fields listings and diffs rely on. */
export function readSubrunSummary(path: string): RecordRead<SubrunSummary> {
  return readChecked(path, 'sub-run summary', (v) => {
    if (typeof v.id !== 'string') return 'id is not a string';
    if (typeof v.status !== 'string') return 'status is not a string';
    if (!isNumberRecord(v.point)) return 'point is not an object of numbers';
    if (!Array.isArray(v.steps)) return 'steps is not a list';
    for (const [i, s] of (v.steps as unknown[]).entries()) {
      const step = s as Record<string, unknown> | null;
      if (typeof step !== 'object' || step === null || typeof step.step_id !== 'string' || !Number.isInteger(step.index) || typeof step.status !== 'string') {
        return `steps[${i}] lacks step_id, index or status`;
      }
    }
    return null;
  }) as RecordRead<SubrunSummary>;
}

/** Reads the flow and margin names of a plan.json when the file is not huge; null otherwise. */
export function readPlanHead(path: string): { flow: string | null; margin: string | null } | null {
  try {
    if (statSync(path).size > PLAN_HEAD_LIMIT_BYTES) return null;
  } catch {
    return null;
  }
  const read = readChecked(path, 'plan', () => null);
  if (!read.ok) return null;
  const v = read.value;
  return {
    flow: typeof v.flow === 'string' ? v.flow : null,
    margin: typeof v.margin === 'string' ? v.margin : null,
  };
}

/** Counts with every key present (missing or non-numeric ones read as 0). */
export function normalizeCounts(value: unknown): StatusCounts {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const counts = {} as StatusCounts;
  for (const key of COUNT_KEYS) counts[key] = typeof v[key] === 'number' ? v[key] : 0;
  return counts;
}

/** Formats counts as `76 passed (2 marginal), 8 failed, 24 skipped` (non-zero only; `no steps` when all are 0). */
export function formatCounts(counts: StatusCounts): string {
  const marginal = counts.marginal > 0 ? ` (${counts.marginal} marginal)` : '';
  const parts = STATUS_KEYS.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}${k === 'passed' ? marginal : ''}`);
  return parts.length === 0 ? 'no steps' : parts.join(', ');
}

function readChecked(path: string, what: string, check: (v: Record<string, unknown>) => string | null): RecordRead<Record<string, unknown>> {
  let value: unknown;
  try {
    value = readJsonFile(path, what);
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    return { ok: false, missing: !existsSync(path), problem: err.message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, missing: false, problem: `${what} ${path} is not a JSON object` };
  }
  const problem = check(value as Record<string, unknown>);
  if (problem !== null) return { ok: false, missing: false, problem: `${what} ${path}: ${problem}` };
  return { ok: true, value: value as Record<string, unknown> };
}

function isNumberRecord(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.values(value).every((x) => typeof x === 'number');
}
