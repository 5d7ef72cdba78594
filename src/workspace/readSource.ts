import { createHash } from 'node:crypto';
import type { Problem } from '../errors.js';
import type { SchemaKind } from '../config/schemas/index.js';
import { validateSource, type Validators } from '../config/validate.js';
import type { Loaded } from '../config/workspaceTypes.js';
import { parseYamlSource, problemAt } from '../config/yamlSource.js';
import { INPUT_LIMIT_BYTES, readInputFile } from '../records/inputFile.js';

/** Why a file's schema kind cannot be chosen: a message at a pointer of the document. */
export interface KindProblem {
  pointer: string;
  message: string;
  hint?: string;
}

/**
 * Reads one YAML file and validates it against a schema kind; problems instead of throws.
 * The file is read as hostile (inputFile.ts): a regular file of at most 10 MiB, UTF-8, and a
 * symlink only when it leads inside `linksWithin` (the workspace).
 */
export function readSource<T>(
  validators: Validators,
  kind: SchemaKind | ((data: unknown) => SchemaKind | KindProblem),
  absPath: string,
  shownAs: string,
  linksWithin: string | undefined,
): { loaded: Loaded<T> | null; problems: Problem[] } {
  const read = readInputFile(absPath, { limitBytes: INPUT_LIMIT_BYTES, linksWithin });
  if (read.problem) {
    const { message, hint, line, col } = read.problem;
    return { loaded: null, problems: [{ file: shownAs, line, col, path: '', message, hint }] };
  }
  const bytes = read.file.bytes;
  const { source, problems } = parseYamlSource(read.file.text, shownAs);
  if (!source) return { loaded: null, problems };
  if (source.data === null || typeof source.data !== 'object' || Array.isArray(source.data)) {
    return { loaded: null, problems: [{ file: shownAs, line: 1, col: 1, path: '', message: 'expected a YAML mapping (key: value lines) at the top of the file' }] };
  }
  const chosen = typeof kind === 'function' ? kind(source.data) : kind;
  if (typeof chosen !== 'string') return { loaded: null, problems: [problemAt(source, chosen.pointer, chosen.message, chosen.hint)] };
  const invalid = validateSource(validators, chosen, source);
  if (invalid.length > 0) return { loaded: null, problems: invalid };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { loaded: { source, data: source.data as T, sha256 }, problems: [] };
}
