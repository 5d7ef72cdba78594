import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Problem } from '../errors.js';
import type { SchemaKind } from '../config/schemas/index.js';
import { validateSource, type Validators } from '../config/validate.js';
import type { Loaded } from '../config/workspaceTypes.js';
import { parseYamlSource, problemAt } from '../config/yamlSource.js';

/** Why a file's schema kind cannot be chosen: a message at a pointer of the document. */
export interface KindProblem {
  pointer: string;
  message: string;
  hint?: string;
}

/** Reads one YAML file and validates it against a schema kind; problems instead of throws. */
export function readSource<T>(
  validators: Validators,
  kind: SchemaKind | ((data: unknown) => SchemaKind | KindProblem),
  absPath: string,
  shownAs: string,
): { loaded: Loaded<T> | null; problems: Problem[] } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read (${code})`;
    return { loaded: null, problems: [{ file: shownAs, path: '', message, hint: 'check the path (relative to the current folder or --root)' }] };
  }
  const { source, problems } = parseYamlSource(bytes.toString('utf8'), shownAs);
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
