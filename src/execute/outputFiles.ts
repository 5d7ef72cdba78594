// The files a diagnostic's stdout and stderr go to. A stream nobody scans is handed to the
// child as a file descriptor (no data passes through Node); a scanned stream is piped and
// copied here chunk by chunk, one write in flight, so memory stays bounded whatever the size.

import { closeSync, constants, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface OutputFiles {
  stdout: FileHandle;
  stderr: FileHandle;
  close: () => Promise<void>;
}

/** The two log files as plain descriptors, for a child that writes them itself. */
export interface OutputFds {
  stdout: { fd: number };
  stderr: { fd: number };
  close: () => Promise<void>;
}

/**
 * Creates or truncates both files and returns their descriptors, synchronously: when nothing is
 * scanned this is all a step needs, and it saves two thread-pool round trips per step.
 */
export function openOutputFds(stdoutPath: string, stderrPath: string): OutputFds {
  if (stdoutPath === stderrPath) {
    const fd = openSync(stdoutPath, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o644);
    return { stdout: { fd }, stderr: { fd }, close: async () => closeSync(fd) };
  }
  const out = openSync(stdoutPath, 'w');
  let err: number;
  try {
    err = openSync(stderrPath, 'w');
  } catch (error) {
    closeSync(out);
    throw error;
  }
  return {
    stdout: { fd: out },
    stderr: { fd: err },
    close: async () => {
      closeSync(out);
      closeSync(err);
    },
  };
}

/** Creates or truncates both files; one shared append-mode handle when both paths are the same. */
export async function openOutputFiles(stdoutPath: string, stderrPath: string): Promise<OutputFiles> {
  if (stdoutPath === stderrPath) {
    // Two writers (child and Node, or two streams) share the file; O_APPEND keeps them from
    // overwriting each other.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND;
    const shared = await open(stdoutPath, flags, 0o644);
    return { stdout: shared, stderr: shared, close: () => shared.close() };
  }
  const [stdout, stderr] = await Promise.allSettled([open(stdoutPath, 'w'), open(stderrPath, 'w')]);
  if (stdout.status === 'rejected' || stderr.status === 'rejected') {
    if (stdout.status === 'fulfilled') await stdout.value.close();
    if (stderr.status === 'fulfilled') await stderr.value.close();
    throw stdout.status === 'rejected' ? stdout.reason : (stderr as PromiseRejectedResult).reason;
  }
  return {
    stdout: stdout.value,
    stderr: stderr.value,
    close: async () => {
      await Promise.all([stdout.value.close(), stderr.value.close()]);
    },
  };
}

/** Bytes read ahead of the disk before reading pauses (the child then blocks on a full pipe). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * Copies a stream into a file, passing each chunk to inspect as well. Resolves when the stream
 * ends or is destroyed; returns the first write error (later chunks are drained, not written).
 */
export async function copyStreamToFile(
  stream: Readable,
  file: FileHandle,
  inspect: (chunk: Buffer) => void,
): Promise<string | null> {
  const writer = createQueuedWriter(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      writer.enqueue(chunk);
      inspect(chunk);
      if (writer.queuedBytes() >= MAX_QUEUED_BYTES) await writer.flushed();
    }
  } catch {
    // Destroyed after its writers escaped the process group: keep what was read.
  }
  await writer.flushed();
  return writer.error();
}

interface QueuedWriter {
  enqueue: (chunk: Buffer) => void;
  queuedBytes: () => number;
  flushed: () => Promise<void>;
  error: () => string | null;
}

/**
 * Writes queued chunks in the background, everything queued so far in one writev, so reading
 * and scanning overlap with the disk and few calls cross to the thread pool.
 */
function createQueuedWriter(file: FileHandle): QueuedWriter {
  let queue: Buffer[] = [];
  let queued = 0;
  let writing: Promise<void> | null = null;
  let writeError: string | null = null;

  const drainQueue = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        if (writeError === null) await writeAll(file, batch);
      } catch (error) {
        writeError = `cannot write output: ${(error as Error).message}`;
      }
      queued -= batch.reduce((sum, chunk) => sum + chunk.length, 0);
    }
    writing = null;
  };

  return {
    enqueue: (chunk) => {
      // After a failed write (disk full) later chunks are dropped here. Queuing them would start
      // a drain that finishes synchronously, before `writing` is set, leaving it set for good:
      // flushed() would then spin on a settled promise and stall the event loop.
      if (writeError !== null) return;
      queue.push(chunk);
      queued += chunk.length;
      writing ??= drainQueue();
    },
    queuedBytes: () => queued,
    flushed: async () => {
      while (writing !== null) await writing;
    },
    error: () => writeError,
  };
}

async function writeAll(file: FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest);
    // A short write (rare on files) leaves a tail: drop what was written and go on.
    while (rest.length > 0 && bytesWritten >= (rest[0] as Buffer).length) {
      bytesWritten -= (rest[0] as Buffer).length;
      rest = rest.slice(1);
    }
    if (rest.length > 0 && bytesWritten > 0) rest = [(rest[0] as Buffer).subarray(bytesWritten), ...rest.slice(1)];
  }
}
