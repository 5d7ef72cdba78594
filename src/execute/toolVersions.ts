import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const recordedDependencies = ['ajv', 'execa', 'nunjucks', 'systeminformation', 'yaml', 'yargs', 'inquirer'];

function readVersion(file: string): string | null {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** road_runner's own version, Node's, and the installed versions of its main dependencies. */
export function toolVersions(): Record<string, string> {
  const out: Record<string, string> = {
    road_runner: readVersion(path.join(packageRoot, 'package.json')) ?? 'unknown',
    node: process.version,
  };
  for (const dep of recordedDependencies) {
    const v = readVersion(path.join(packageRoot, 'node_modules', dep, 'package.json'));
    if (v) out[dep] = v;
  }
  return out;
}

/** First line of an adapter's `version_cmd` output, bounded in time; never throws. */
export async function runVersionCommand(argv: string[], cwd: string): Promise<string> {
  const [file, ...args] = argv;
  if (!file) return 'no version_cmd';
  // execa is a large module graph: loaded only for adapters that have a version_cmd.
  const { execa } = await import('execa');
  const r = await execa(file, args, { cwd, timeout: 5000, reject: false, stdin: 'ignore', all: true, maxBuffer: 1_000_000 });
  const text = String(r.all ?? '').trim().split('\n')[0] ?? '';
  return r.failed ? `version_cmd failed: ${(r.shortMessage ?? '').split('\n')[0]}` : text;
}
