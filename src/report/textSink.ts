// Text written to a stream in large pieces: the exports produce many short strings (a CSV line,
// a JSON object, a testcase), and handing each to the stream on its own cost more than making
// it. Pieces are joined until about CHUNK_CHARS, then written; the stream's back-pressure is
// honoured (a full stream is waited on), so memory stays bounded, and an error or an early
// close of the stream (`| head`) ends the writing with that error.

import type { Writable } from 'node:stream';

const CHUNK_CHARS = 256 * 1024;

/** A buffered writer of text to one stream; `close()` writes what is left (it does not end the stream). */
export class TextSink {
  private parts: string[] = [];
  private size = 0;
  private failure: Error | null = null;
  private readonly onError = (err: Error) => {
    this.failure ??= err;
  };

  constructor(private readonly out: Writable, private readonly chunkChars = CHUNK_CHARS) {
    out.on('error', this.onError);
  }

  /** Adds text; writes when enough has gathered (and then waits while the stream is full). */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) await this.flush();
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
    this.parts = [];
    this.size = 0;
    this.out.off('error', this.onError);
  }

  private async flush(): Promise<void> {
    this.check();
    if (this.size === 0) return;
    const chunk = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.size = 0;
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
