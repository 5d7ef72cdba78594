// Text for `clean`: each run removed (or that would be), each kept, and the space freed.

import type { CleanResult } from './clean.js';
import { formatBytes } from './treeSize.js';
import { formatTime, plural } from './text.js';

/** Lines describing a clean result, for `older_than_days` days. */
export function renderCleanResult(r: CleanResult, olderThanDays: number, recent: number): string[] {
  const verb = r.dry_run ? 'would remove' : 'removed';
  const lines: string[] = [];
  for (const c of r.removed) {
    const link = c.kind === 'symlink' ? ' (symlink: unlinked only, its target is not touched)' : '';
    const when = `${formatTime(c.started_at)}${c.start_source === 'mtime' ? ' (folder time)' : ''}`;
    lines.push(`${verb} ${c.id}  started ${when}  ${formatBytes(c.size_bytes)}${link}`);
  }
  for (const k of r.kept) lines.push(`kept ${k.id}  started ${formatTime(k.started_at)}: ${k.reason}`);
  for (const f of r.failed) lines.push(`could not remove ${f.id}: ${f.error}`);
  if (r.removed.length === 0) lines.push(`no run started more than ${olderThanDays} day${olderThanDays === 1 ? '' : 's'} ago${r.kept.length ? ' can go' : ''}`);
  const freed = `${r.freed_bytes} bytes (${formatBytes(r.freed_bytes)})`;
  lines.push(
    r.dry_run
      ? `dry run: ${plural(r.removed.length, 'run')} would go, freeing ${freed}; nothing was removed`
      : `${plural(r.removed.length, 'run')} removed, ${freed} freed`,
  );
  if (recent > 0) lines.push(`${plural(recent, 'more recent run')} left in place`);
  return lines;
}
