// Planning a replay (SPEC §12): the bundle's flow, margin and adapters (its inputs/ copies),
// this host's facts, this host's safety policy and profiles, and the bundle's seed. The result
// is compared with the bundled plan point by point.

import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UsageError, type Problem } from '../errors.js';
import type { Flow, HardwareProfile, Margin, SafetyPolicy } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import type { Loaded, Workspace } from '../config/workspaceTypes.js';
import { comparablePlan } from '../plan/comparablePlan.js';
import type { Plan } from '../plan/types.js';
import { describeInputsManifestShape, describePlanShape } from '../records/recordShape.js';
import { listYamlFiles, loadWorkspace, policyFile } from '../workspace/load.js';
import { readSource } from '../workspace/readSource.js';
import { PAYLOAD_FILES, type BundledExecutables } from './bundleInfo.js';
import { executablesFromSysinfo } from './bundleRun.js';
import type { OpenedBundle } from './openBundle.js';

/** The workspace a replay plans with, its flow and margin picked out. */
export interface ReplayInputs {
  validators: Validators;
  workspace: Workspace;
  flow: Loaded<Flow>;
  margin: Loaded<Margin>;
}

/** The bundled plan.json, checked for format and shape (exit 2 otherwise). */
export function readBundledPlan(b: OpenedBundle): Plan {
  const where = `${b.file}: ${b.info.bag_name}/data/plan.json`;
  let plan: unknown;
  try {
    plan = JSON.parse(readFileSync(b.planPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`${where} is not JSON (${(err as Error).message})`, 'the bundle was damaged before it was bagged; bundle the run again');
  }
  if ((plan as Partial<Plan> | null)?.format !== 'road_runner.plan/1') {
    throw new UsageError(`${where} has plan format ${String((plan as Partial<Plan> | null)?.format)}, not road_runner.plan/1`, 'replay it with the road_runner version that made it');
  }
  const problem = describePlanShape(plan);
  if (problem !== null) throw new UsageError(`${where} has the wrong shape: ${problem}`, 'the bundle was made by an older road_runner or damaged');
  return plan as Plan;
}

/**
 * The workspace a replay plans with, assembled in the bundle's scratch folder: the bundle's
 * inputs/ copies (flow, margin, adapters) and this host's policy/safety.yaml and
 * policy/profiles/ (today's files, checked first). Executables are this host's (diags/ of
 * `root`). Everything the new run records in its inputs/ is then what it planned with.
 * Problems in the bundle's files are named `<bundle>: data/inputs/<file>`.
 */
export function loadReplayInputs(b: OpenedBundle, plan: Plan, validators: Validators, root: string, envPath: string): ReplayInputs {
  const manifestFile = path.join(b.inputsDir, '.manifest.json');
  let copies: unknown = [];
  if (existsSync(manifestFile)) {
    try {
      copies = JSON.parse(readFileSync(manifestFile, 'utf8'));
    } catch (err) {
      throw new UsageError(`${b.file}: data/inputs/.manifest.json is not JSON (${(err as Error).message})`, 'bundle the run again');
    }
  }
  const shape = describeInputsManifestShape(copies);
  if (shape !== null) throw new UsageError(`${b.file}: data/inputs/.manifest.json has the wrong shape: ${shape}`, 'bundle the run again');
  const entries = copies as { path: string; sha256?: string }[];
  // A copy is found by its hash (the source paths are the bundling host's), else by the planned path.
  const copyOf = (input: { file: string; sha256: string } | undefined): string => {
    if (!input) throw new UsageError(`${b.file}: the bundled plan does not record its flow and margin inputs`, 'bundle a run made by this road_runner version');
    const entry = entries.find((e) => e.sha256 === input.sha256) ?? entries.find((e) => e.path === input.file);
    const rel = entry ? entry.path : input.file;
    const abs = path.resolve(b.inputsDir, ...rel.split('/'));
    const inside = path.relative(b.inputsDir, abs);
    if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside) || inside.split(path.sep)[0] === 'policy' || !existsSync(abs)) {
      throw new UsageError(`${b.file}: data/inputs/ has no copy of ${input.file}`, 'bundle the run again; its inputs/ folder is incomplete');
    }
    return inside;
  };
  const flowRel = copyOf(plan.inputs.find((i) => i.role === 'flow'));
  const marginRel = copyOf(plan.inputs.find((i) => i.role === 'margin'));
  const here = readHostPolicy(validators, root);
  if (here.problems.length > 0) throw new ConfigError(here.problems);

  const ws = path.join(b.workDir, 'workspace');
  // The bundle holds only regular files and folders (openBundle checked); its own policy copies stay out.
  cpSync(b.inputsDir, ws, { recursive: true, filter: (src) => {
    const rel = path.relative(b.inputsDir, src);
    return rel !== '.manifest.json' && rel !== 'policy' && !rel.startsWith(`policy${path.sep}`);
  } });
  mkdirSync(path.join(ws, 'policy', 'profiles'), { recursive: true });
  for (const f of here.files) writeFileSync(path.join(ws, f.rel), readFileSync(f.abs), { flag: 'wx' });

  const loaded = loadWorkspace(validators, ws, { flows: [path.join(ws, flowRel)], margins: [path.join(ws, marginRel)], envPath, executableRoot: root });
  const problems = loaded.problems.map((p) => (p.file.startsWith('policy/') ? p : { ...p, file: `${b.file}: data/inputs/${p.file}` }));
  if (problems.length > 0) throw new ConfigError(problems);
  const flow = loaded.flows[0];
  const margin = loaded.margins[0];
  if (!flow || !margin) throw new UsageError(`${b.file}: the flow or margin copy in data/inputs/ could not be loaded`, 'bundle the run again');
  return { validators, workspace: loaded, flow, margin };
}

// This host's site policy and profiles, read now (as the bounds in force now are).
// Checked with the same reader as every input (size, type, symlink and schema rules); returns the files to copy.
function readHostPolicy(validators: Validators, root: string): { files: { abs: string; rel: string }[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const files: { abs: string; rel: string }[] = [];
  const read = (kind: 'safety-policy' | 'hardware-profile', abs: string, rel: string) => {
    const { loaded, problems: found } = readSource<SafetyPolicy | HardwareProfile>(validators, kind, abs, path.relative(root, abs), root);
    problems.push(...found);
    if (loaded) files.push({ abs, rel });
  };
  const policyAbs = path.join(root, policyFile);
  if (!existsSync(policyAbs)) {
    problems.push({ file: policyFile, path: '', message: 'this workspace has no safety policy, and a replay runs under this host\'s policy', hint: 'create policy/safety.yaml (road_runner init makes one)' });
    return { files, problems };
  }
  read('safety-policy', policyAbs, policyFile);
  for (const f of listYamlFiles(root, 'policy/profiles')) read('hardware-profile', f, path.join('policy', 'profiles', path.basename(f)));
  return { files, problems };
}

/** The bundle's executable hashes: data/executables.json, else the run's sysinfo.json; null when it has neither. */
export function readBundledExecutables(b: OpenedBundle): BundledExecutables | null {
  const file = path.join(b.dataDir, PAYLOAD_FILES.executables);
  if (existsSync(file)) {
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<BundledExecutables> | null;
      if (v?.format === 'road_runner.executables/1' && typeof v.adapters === 'object' && v.adapters !== null) return v as BundledExecutables;
    } catch {
      /* reported as "records no executable hashes" */
    }
    return null;
  }
  return executablesFromSysinfo(path.join(b.dataDir, 'sysinfo.json'));
}


/** Every difference between the bundled plan and the one made here, one line each (at most `limit`, then a count). */
export function planDifferences(bundled: Plan, here: Plan, limit = 40): string[] {
  const out: string[] = [];
  diffValues(comparablePlan(bundled, { ignoreProfileReasons: true }), comparablePlan(here, { ignoreProfileReasons: true }), '', out);
  if (out.length <= limit) return out;
  return [...out.slice(0, limit), `… and ${out.length - limit} more difference(s)`];
}

function diffValues(a: unknown, b: unknown, at: string, out: string[]): void {
  if (Object.is(a, b)) return;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length) out.push(`${at}[${i}]: not in the bundle, here ${show(b[i])}`);
      else if (i >= b.length) out.push(`${at}[${i}]: bundle ${show(a[i])}, not here`);
      else diffValues(a[i], b[i], `${at}[${i}]`, out);
    }
    return;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (a[key] === undefined && b[key] === undefined) continue;
      diffValues(a[key], b[key], at === '' ? key : `${at}.${key}`, out);
    }
    return;
  }
  out.push(`${at || '(plan)'}: bundle ${show(a)}, here ${show(b)}`);
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
