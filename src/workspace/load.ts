import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { checkAdapters, checkFlow } from '../config/crossCheck.js';
import type { DiagAdapter, Flow, HardwareProfile, Margin, RailAdapter, SafetyPolicy, SchemaKind } from '../config/schemas/index.js';
import { suggestionFor } from '../config/suggest.js';
import type { Validators } from '../config/validate.js';
import { isRailAdapter, type Workspace } from '../config/workspaceTypes.js';
import { checkMargin } from '../plan/checkMargin.js';
import { resolveExecutable } from './executable.js';
import { readSource, type KindProblem } from './readSource.js';

export const policyFile = 'policy/safety.yaml';

export interface LoadOptions {
  /** Flow files to load (absolute paths); undefined = every file in flows/. */
  flows?: string[];
  /** Margin files to load (absolute paths); undefined = every file in margins/. */
  margins?: string[];
  /** PATH used to resolve `search_path: true` executables. */
  envPath: string;
  /** Folder whose diags/ holds the executables; default the root (differs for a run's inputs/ copies). */
  executableRoot?: string;
}

/**
 * Lists the YAML files of a workspace folder, sorted by name. Every entry named *.yaml or
 * *.yml counts, whatever it is (a symlink, a FIFO, a folder): reading it then loads it or says
 * why not. Skipping one would silently drop a manifest (a rail left passive).
 */
export function listYamlFiles(root: string, folder: string): string[] {
  const dir = path.join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => /\.ya?ml$/.test(d.name))
    .map((d) => path.join(dir, d.name))
    .sort();
}

/** How a file is shown in messages: relative to the workspace root when inside it. */
export function displayPath(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
}

function adapterKind(data: unknown): SchemaKind | KindProblem {
  const kind = (data as { kind?: unknown }).kind ?? 'diag';
  if (kind === 'diag') return 'diag-adapter';
  if (kind === 'rail') return 'rail-adapter';
  return { pointer: '/kind', message: `expected diag or rail, got ${JSON.stringify(kind)}`, hint: suggestionFor(String(kind), ['diag', 'rail'], 'kind') };
}

/** Reads and validates the workspace: every adapter, the policy, profiles, and the chosen flows and margins. */
export function loadWorkspace(validators: Validators, root: string, options: LoadOptions): Workspace {
  const problems: Problem[] = [];
  function load<T>(kind: Parameters<typeof readSource>[1], abs: string) {
    const shown = displayPath(root, abs);
    const { loaded, problems: found } = readSource<T>(validators, kind, abs, shown, root);
    problems.push(...found);
    return loaded;
  }
  const present = <T>(x: T | null): x is T => x !== null;

  const adapterFiles = listYamlFiles(root, 'adapters');
  const adapterLoads = adapterFiles.map((f) => load<DiagAdapter | RailAdapter>(adapterKind, f));
  const adapters = adapterLoads.filter(present);
  // Adapters named by a file that failed to load (adapters/<name>.yaml): their problems are
  // reported already, so flows and margins naming them are not flagged a second time.
  const unloaded = adapterFiles.filter((_, i) => adapterLoads[i] === null).map((f) => path.basename(f).replace(/\.ya?ml$/, ''));
  const policyAbs = path.join(root, policyFile);
  const policy = existsSync(policyAbs) ? load<SafetyPolicy>('safety-policy', policyAbs) : null;
  if (!existsSync(policyAbs)) {
    problems.push({ file: policyFile, path: '', message: 'the workspace has no safety policy', hint: 'create policy/safety.yaml with the bounds of every rail (see road_runner schema safety-policy)' });
  }
  const profiles = listYamlFiles(root, 'policy/profiles').map((f) => load<HardwareProfile>('hardware-profile', f)).filter(present);
  const flows = (options.flows ?? listYamlFiles(root, 'flows')).map((f) => load<Flow>('flow', f)).filter(present);
  const margins = (options.margins ?? listYamlFiles(root, 'margins')).map((f) => load<Margin>('margin', f)).filter(present);

  const profileNames = new Map<string, string>();
  for (const p of profiles) {
    const other = profileNames.get(p.data.name);
    if (other !== undefined) problems.push({ file: p.source.file, path: 'name', line: p.source.positions['/name']?.line, col: p.source.positions['/name']?.col, message: `profile name "${p.data.name}" is already used by ${other}`, hint: 'give each profile a unique name' });
    else profileNames.set(p.data.name, p.source.file);
  }

  problems.push(...checkAdapters(adapters));
  const executables: Workspace['executables'] = {};
  for (const adapter of adapters) {
    const { ref, problem } = resolveExecutable(options.executableRoot ?? root, adapter, options.envPath);
    if (problem) problems.push(problem);
    if (ref) executables[adapter.data.name] = ref;
  }
  for (const flow of flows) problems.push(...checkFlow(flow, adapters, unloaded));
  const diagNames = adapters.filter((a) => !isRailAdapter(a.data)).map((a) => a.data.name);
  for (const margin of margins) problems.push(...checkMargin(margin, diagNames, unloaded));

  // Grouped by file, top to bottom, however the checks found them.
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0)));
  return { root, adapters, flows, margins, policy, profiles, executables, problems };
}

/** Where shipped actuators wait to be switched on: checked by `validate`, never loaded as adapters. */
export const availableAdaptersFolder = 'adapters/available';

/**
 * Checks the manifests of adapters/available/ one by one (schema, read rules, executable),
 * each on its own: they are alternatives to the workspace's own adapters (a real cpufreq
 * actuator for the simulated freq_mhz one), so a rail they share with adapters/ is no problem
 * here. Moving one into adapters/ switches it on; then the one-actuator-per-rail check applies.
 */
export function checkAvailableAdapters(validators: Validators, root: string, envPath: string): { files: number; problems: Problem[] } {
  const problems: Problem[] = [];
  const files = listYamlFiles(root, availableAdaptersFolder);
  for (const abs of files) {
    const { loaded, problems: found } = readSource<DiagAdapter | RailAdapter>(validators, adapterKind, abs, displayPath(root, abs), root);
    problems.push(...found);
    if (loaded === null) continue;
    problems.push(...checkAdapters([loaded]));
    const { problem } = resolveExecutable(root, loaded, envPath);
    if (problem) problems.push(problem);
  }
  return { files: files.length, problems };
}

/**
 * Finds an input file named on the command line: as given (relative to the current folder),
 * then relative to the root, then as a bare name inside the kind's folder.
 */
export function locateInput(root: string, cwd: string, given: string, folder: string): string {
  const candidates = [path.resolve(cwd, given), path.resolve(root, given)];
  if (!given.includes('/')) {
    candidates.push(path.join(root, folder, given), path.join(root, folder, `${given}.yaml`), path.join(root, folder, `${given}.yml`));
  }
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
