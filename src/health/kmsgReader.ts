// Reads the kernel log as it grows, without ever blocking: /dev/kmsg opened non-blocking (each
// read() returns one record; EAGAIN means "no more for now"; EPIPE means the ring buffer
// overwrote records before we read them), or a regular file in the same format (a fake for tests,
// selected by RR_KMSG_FILE). The descriptor stays open for the whole run, so each sub-run reads
// only what was logged since the last read. Every read is bounded in bytes and time.

import { closeSync, constants, openSync, readSync } from 'node:fs';
import { formatRecord, isHardwareErrorMessage, parseKernelLines } from './kernelLog.js';

/** Bounds of one drain. */
export interface DrainLimits {
  /** Bytes read per drain before it stops (checked between chunks of 64 KiB; the rest is read by the next drain). */
  maxBytes: number;
  /** Milliseconds spent at most per drain. */
  maxMs: number;
  /** Hardware-error lines kept per drain (all are counted). */
  maxLines: number;
}

export const DEFAULT_DRAIN_LIMITS: DrainLimits = { maxBytes: 4 * 1024 * 1024, maxMs: 250, maxLines: 20 };

/** What one drain found. */
export interface DrainResult {
  /** Hardware-error records read (all of them, not only those kept in `lines`). */
  matched: number;
  /** The first `maxLines` of them, formatted. */
  lines: string[];
  /** Sequence number of the last record read, or null before any. */
  lastSeq: number | null;
  /** The bound in bytes or time was reached: more may be waiting. */
  truncated: boolean;
  /** The kernel dropped records before they were read (EPIPE), or the sequence jumped. */
  lost: boolean;
}

/** An open kernel-log source. */
export interface KmsgReader {
  readonly path: string;
  /** Reads what is there now (up to the limits). */
  drain(limits?: DrainLimits): DrainResult;
  close(): void;
}

const CHUNK = 64 * 1024;
const MAX_PARTIAL = 64 * 1024;

/** Opens a kernel-log source; throws the system error when it cannot be opened (ENOENT, EACCES, EPERM). */
export function openKmsg(file: string, now: () => number = () => performance.now()): KmsgReader {
  let fd: number | null = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let partial = '';
  let lastSeq: number | null = null;
  const buffer = Buffer.alloc(CHUNK);
  return {
    path: file,
    drain(limits = DEFAULT_DRAIN_LIMITS) {
      const result: DrainResult = { matched: 0, lines: [], lastSeq, truncated: false, lost: false };
      if (fd === null) return result;
      const started = now();
      let bytes = 0;
      const take = (text: string) => {
        const whole = partial + text;
        const cut = whole.lastIndexOf('\n');
        partial = cut === -1 ? whole : whole.slice(cut + 1);
        if (partial.length > MAX_PARTIAL) partial = ''; // a "line" this long is not a record
        if (cut === -1) return;
        for (const r of parseKernelLines(whole.slice(0, cut).split('\n'))) {
          if (lastSeq !== null && r.seq <= lastSeq) continue;
          if (lastSeq !== null && r.seq > lastSeq + 1) result.lost = true;
          lastSeq = r.seq;
          if (!isHardwareErrorMessage(r.message)) continue;
          result.matched += 1;
          if (result.lines.length < limits.maxLines) result.lines.push(formatRecord(r));
        }
      };
      for (;;) {
        if (bytes >= limits.maxBytes || now() - started >= limits.maxMs) {
          result.truncated = true;
          break;
        }
        let n: number;
        try {
          // A whole chunk each time: /dev/kmsg refuses (EINVAL) a buffer smaller than its record.
          n = readSync(fd, buffer, 0, CHUNK, null);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') break;
          if (code === 'EPIPE') {
            result.lost = true;
            continue;
          }
          throw error;
        }
        if (n === 0) break;
        bytes += n;
        take(buffer.toString('utf8', 0, n));
      }
      result.lastSeq = lastSeq;
      return result;
    },
    close() {
      if (fd === null) return;
      try {
        closeSync(fd);
      } catch {
        /* nothing more to read from it */
      }
      fd = null;
    },
  };
}
