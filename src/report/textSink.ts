// Text written to a stream in large pieces: the exports produce many short strings (a CSV line,
// a JSON object, a testcase), and handing each to the stream on its own cost more than making
// it. Pieces are encoded (UTF-8) straight into a buffer of CHUNK_BYTES, which is written when
// full; the stream's back-pressure is honoured (a full stream is waited on), so memory stays
// bounded, and an error or an early close of the stream (`| head`) ends the writing with it.

import type { Writable } from 'node:stream';

const CHUNK_BYTES = 256 * 1024;

/** A buffered writer of text to one stream; `close()` writes what is left (it does not end the stream). */
export class TextSink {
  private buffer: Buffer;
  private used = 0;
  private failure: Error | null = null;
  private readonly onError = (err: Error) => {
    this.failure ??= err;
  };

  constructor(private readonly out: Writable, private readonly chunkBytes = CHUNK_BYTES) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
    out.on('error', this.onError);
  }

  /** Adds text; writes when the buffer is full (and then waits while the stream is full). */
  async write(text: string): Promise<void> {
    // At most 3 bytes per UTF-16 unit: when that fits, the text is encoded in place.
    if (text.length * 3 <= this.chunkBytes - this.used) {
      this.used += this.buffer.write(text, this.used);
      return;
    }
    await this.flush();
    if (text.length * 3 <= this.chunkBytes) this.used = this.buffer.write(text, 0);
    else await this.send(Buffer.from(text, 'utf8'));
  }

  /** Writes what is left and lets go of the stream. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.release();
    }
  }

  /** Lets go of the stream without writing what is left (the export failed). */
  release(): void {
    this.used = 0;
    this.out.off('error', this.onError);
  }

  private async flush(): Promise<void> {
    this.check();
    if (this.used === 0) return;
    // The stream keeps the chunk until it is written: a new buffer for what comes next.
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
    await this.send(chunk);
  }

  private async send(chunk: Buffer): Promise<void> {
    this.check();
    if (!this.out.write(chunk)) await this.drained();
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.out.destroyed) throw prematureClose();
  }

  // Resolves when the stream has room again; rejects when it fails or closes first.
  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err: Error | null) => {
        this.out.off('drain', onDrain);
        this.out.off('error', onFail);
        this.out.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done(null);
      const onFail = (err: Error) => done(err);
      const onClose = () => done(this.failure ?? prematureClose());
      this.out.on('drain', onDrain);
      this.out.on('error', onFail);
      this.out.on('close', onClose);
    });
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('the output closed before the export was written'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
