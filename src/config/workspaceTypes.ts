import type { Problem } from '../errors.js';
import type { DiagAdapter, Flow, HardwareProfile, Margin, RailAdapter, SafetyPolicy } from './schemas/index.js';
import type { SourceFile } from './yamlSource.js';

/** A validated input file: its data, typed, and the source it came from (for positions). */
export interface Loaded<T> {
  source: SourceFile;
  data: T;
  /** sha256 of the file's bytes, recorded in summaries. */
  sha256: string;
}

/** Where an adapter's executable resolves: inside `diags/`, or a bare name on PATH. */
export type ExecutableRef =
  | { kind: 'diags'; ref: string; found: boolean }
  | { kind: 'path'; ref: string; found: boolean };

/** Everything read from a workspace folder, plus every problem met while reading it. */
export interface Workspace {
  root: string;
  adapters: Loaded<DiagAdapter | RailAdapter>[];
  flows: Loaded<Flow>[];
  margins: Loaded<Margin>[];
  policy: Loaded<SafetyPolicy> | null;
  profiles: Loaded<HardwareProfile>[];
  /** Adapter name → resolved executable (only adapters whose executable is acceptable). */
  executables: Record<string, ExecutableRef>;
  problems: Problem[];
}

export function isRailAdapter(a: DiagAdapter | RailAdapter): a is RailAdapter {
  return a.kind === 'rail';
}
