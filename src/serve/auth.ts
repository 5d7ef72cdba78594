// The token check of `road_runner serve`: a request carries the token as
// `Authorization: Bearer T`, or as the cookie a browser got on its first visit with ?token=T.
// Tokens are compared in constant time (digests of equal length, timingSafeEqual).

import { createHash, timingSafeEqual } from 'node:crypto';

/** The cookie a browser keeps the token in (HttpOnly, SameSite=Strict, path /). */
export const TOKEN_COOKIE = 'rr_serve_token';

/** Whether `given` is the token, without leaking how much of it matched. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(token, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer T` header, or null. */
export function readBearer(header: string | null | undefined): string | null {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
