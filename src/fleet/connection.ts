// Where the fleet database is and how to reach it, without ever showing its password: the URL
// comes from --db, RR_DATABASE_URL or --db-file, and every message that could carry it (pg's
// own errors echo host, user and sometimes the whole string) goes through redactSecrets.

import { readFileSync } from 'node:fs';
import { RuntimeAbortError, UsageError } from '../errors.js';

/** Where the URL came from, for messages (never the URL itself). */
export type DatabaseSource = '--db' | 'RR_DATABASE_URL' | '--db-file';

/** A database location: the URL (secret) and a printable form with the password masked. */
export interface DatabaseTarget {
  url: string;
  shown: string;
  source: DatabaseSource;
  /** The password, so that it can be masked wherever it might appear. */
  secrets: string[];
}

/** Picks the database URL: --db-file FILE, then --db URL, then RR_DATABASE_URL. */
export function resolveDatabase(opts: { db?: string; dbFile?: string; env: NodeJS.ProcessEnv }): DatabaseTarget {
  let url: string;
  let source: DatabaseSource;
  if (opts.dbFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.dbFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the database file ${opts.dbFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        'give --db-file a readable file holding one line: postgres://user:password@host:port/database');
    }
    url = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#')) ?? '';
    source = '--db-file';
  } else if (opts.db !== undefined) {
    url = opts.db;
    source = '--db';
  } else if (opts.env.RR_DATABASE_URL !== undefined && opts.env.RR_DATABASE_URL !== '') {
    url = opts.env.RR_DATABASE_URL;
    source = 'RR_DATABASE_URL';
  } else {
    throw new UsageError('no fleet database given',
      'set RR_DATABASE_URL, or pass --db-file FILE (a file holding postgres://user:password@host:port/db, mode 600), or --db URL without a password (use PGPASSWORD or ~/.pgpass for it)');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the database URL from ${source} is not a URL`, 'write it as postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`the database URL from ${source} must start with postgres:// (got ${parsed.protocol}//…)`, 'write it as postgres://user:password@host:port/database');
  }
  const password = decodeURIComponent(parsed.password);
  if (source === '--db' && password !== '') {
    // Anything in argv is visible to every user of the host (ps, /proc/PID/cmdline).
    throw new UsageError('--db must not carry a password: every user of this host can read a command line',
      'put the URL in a file (mode 600) and pass --db-file FILE, or set RR_DATABASE_URL, or use PGPASSWORD / ~/.pgpass');
  }
  const secrets = [password, parsed.password].filter((s) => s.length > 0);
  return { url, shown: maskUrl(parsed), source, secrets };
}

// The URL with its password replaced by ***.
function maskUrl(parsed: URL): string {
  const copy = new URL(parsed.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}

/** Replaces every secret (and any user:password@ in a URL) in a text by ***. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
  for (const s of secrets) if (s.length >= 1) out = out.split(s).join('***');
  return out;
}

/** A database error as road_runner's own error (exit 4), its text scrubbed of the password. */
export function databaseError(target: DatabaseTarget, err: unknown, doing: string): RuntimeAbortError {
  const e = err as { message?: string; code?: string };
  const detail = redactSecrets(String(e?.message ?? err), target.secrets);
  return new RuntimeAbortError(`fleet database ${target.shown}: ${doing} failed: ${detail}${e?.code ? ` (${e.code})` : ''}`,
    'check that PostgreSQL runs and that the URL (host, port, user, database) is right; `road_runner fleet init` creates the tables');
}
