import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { loadValidators } from '../config/validate.js';
import type { Plan } from '../plan/types.js';
import { readJsonFile } from '../records/jsonFile.js';
import { isRunId, runDir } from '../records/layout.js';
import { describeInputsManifestShape, describePlanShape, describeRunSummaryShape } from '../records/recordShape.js';
import type { RunSummary } from '../records/recordTypes.js';
import { displayPath, loadWorkspace } from '../workspace/load.js';
import type { CommandContext } from './context.js';
import type { SweepInputs } from './sweepInputs.js';

/** A finished (or stopped) run as saved: its folder, plan and parent summary. */
export interface RecordedRun {
  dir: string;
  plan: Plan;
  summary: RunSummary;
}

/** Reads a run's plan.json and summary.json; exit 2 with what is missing otherwise. */
export function readRecordedRun(root: string, runId: string): RecordedRun {
  if (!isRunId(runId)) throw new UsageError(`"${runId}" is not a run id`, 'run ids look like rr-20260101T120000Z-1a2b3c; see road_runner runs list');
  const dir = runDir(root, runId);
  if (!existsSync(dir)) throw new UsageError(`no run ${runId} in ${path.dirname(dir)}`, 'see road_runner runs list');
  const planFile = path.join(dir, 'plan.json');
  const summaryFile = path.join(dir, 'summary.json');
  const plan = readJsonFile(planFile, `plan of run ${runId}`) as Plan;
  const summary = readJsonFile(summaryFile, `summary of run ${runId}`) as RunSummary;
  if ((plan as Partial<Plan> | null)?.format !== 'road_runner.plan/1') {
    throw new UsageError(`run ${runId} was planned by an incompatible road_runner (plan format ${String((plan as Partial<Plan> | null)?.format)})`, 'rerun it with the road_runner version that made it');
  }
  rejectWrongShape(planFile, `plan of run ${runId}`, describePlanShape(plan));
  rejectWrongShape(summaryFile, `summary of run ${runId}`, describeRunSummaryShape(summary));
  return { dir, plan, summary };
}

// A record that parses but lacks what this command needs: written by an older road_runner, or damaged.
function rejectWrongShape(file: string, what: string, problem: string | null): void {
  if (problem === null) return;
  throw new UsageError(`${what} has the wrong shape: ${file}: ${problem}`,
    'the record was written by an older road_runner or damaged; restore the file from a copy, or start a new run');
}

interface CopiedInput {
  path: string;
  source: string;
}

/**
 * Loads the workspace a run was planned from, out of the byte copies in its inputs/ folder
 * (not today's files). Executables still come from the current workspace's diags/.
 */
export async function loadRecordedInputs(ctx: CommandContext, run: RecordedRun): Promise<SweepInputs> {
  const inputsDir = path.join(run.dir, 'inputs');
  const manifestFile = path.join(inputsDir, '.manifest.json');
  const copies = existsSync(manifestFile) ? (readJsonFile(manifestFile, 'inputs manifest') as CopiedInput[]) : [];
  rejectWrongShape(manifestFile, `inputs manifest of run ${run.plan.run_id}`, describeInputsManifestShape(copies));
  const copyOf = (file: string): string => {
    const source = path.resolve(ctx.root, file);
    const entry = copies.find((c) => c.source === source);
    return path.join(inputsDir, entry ? entry.path : file);
  };
  const flowInput = run.plan.inputs.find((i) => i.role === 'flow');
  const marginInput = run.plan.inputs.find((i) => i.role === 'margin');
  if (!flowInput || !marginInput) throw new UsageError(`run ${run.plan.run_id} does not record its flow and margin inputs`);
  const validators = await loadValidators();
  const flowPath = copyOf(flowInput.file);
  const marginPath = copyOf(marginInput.file);
  const workspace = loadWorkspace(validators, inputsDir, { flows: [flowPath], margins: [marginPath], envPath: ctx.env.PATH ?? '', executableRoot: ctx.root });
  if (workspace.problems.length > 0) throw new ConfigError(workspace.problems);
  const flow = workspace.flows.find((f) => f.source.file === displayPath(inputsDir, flowPath));
  const margin = workspace.margins.find((m) => m.source.file === displayPath(inputsDir, marginPath));
  if (!flow || !margin) throw new UsageError(`the inputs/ copies of run ${run.plan.run_id} are incomplete`, 'use --from-files to plan from the current workspace instead');
  return { validators, workspace, flow, margin };
}
