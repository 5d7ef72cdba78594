// The options of `road_runner serve`, checked before anything listens: where to bind, which
// port, and the token every request must carry when the dashboard is reachable from elsewhere.
// Pure: the command passes argv options and the environment in.

import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

/** How the dashboard listens. */
export interface ServeOptions {
  bind: string;
  /** 0 lets the system pick a free port (the URL printed names it). */
  port: number;
  /** Required for any address but the loopback one; null means no token is asked for. */
  token: string | null;
}

/** The address served when --bind is not given. */
export const DEFAULT_BIND = '127.0.0.1';
/** The port served when --port is not given. */
export const DEFAULT_PORT = 8720;

/** Whether an address only accepts connections from this host. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === 'localhost' || a === '::1' || a === '[::1]' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** Checks --bind, --port and --token (or RR_SERVE_TOKEN); UsageError (exit 2) names the fix. */
export function resolveServeOptions(args: { bind?: unknown; port?: unknown; token?: unknown }, env: NodeJS.ProcessEnv): ServeOptions {
  const bind = args.bind === undefined ? DEFAULT_BIND : String(args.bind).trim();
  if (bind === '' || (bind !== 'localhost' && isIP(bind.replace(/^\[|\]$/g, '')) === 0)) {
    throw new UsageError(`--bind ${JSON.stringify(String(args.bind))} is not an IP address`, 'give an address of this host, e.g. --bind 127.0.0.1 (default) or --bind 0.0.0.0 with --token');
  }
  const portText = args.port === undefined ? String(DEFAULT_PORT) : String(args.port).trim();
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(`--port ${JSON.stringify(portText)} is not a port number`, 'give --port 0 to 65535 (0: any free port)');
  }
  const given = args.token !== undefined ? String(args.token) : env.RR_SERVE_TOKEN;
  const token = given === undefined || given === '' ? null : given;
  if (token !== null && (token.length < 16 || /[^\x21-\x7e]/.test(token))) {
    throw new UsageError('the serve token must be at least 16 printable characters without spaces', 'generate one, e.g. --token "$(openssl rand -hex 24)", or set RR_SERVE_TOKEN');
  }
  if (token === null && !isLoopback(bind)) {
    throw new UsageError(`refusing to serve on ${bind} without a token: anyone who can reach this host could read the runs`,
      'add --token T (or set RR_SERVE_TOKEN); browsers then open the printed URL once with ?token=T');
  }
  return { bind: bind.replace(/^\[|\]$/g, ''), port, token };
}
