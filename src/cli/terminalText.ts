// Text that reaches a terminal comes partly from records, file names, manifests and what a
// diagnostic printed; an escape sequence in any of them could recolour, retitle or rewrite
// the operator's screen. Everything printed is passed through here: control characters are
// shown as visible escapes (`\x1b`, `\u202e`); line feeds and tabs stay as they are.
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

// C0 controls but \t and \n, DEL, C1 controls, and the bidirectional overrides and isolates
// (they reorder what the reader sees), plus the line and paragraph separators.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HAS_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The text with every control character replaced by a visible escape; unchanged (same string) when it has none. */
export function neutraliseControls(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A stream that writes what it is given to `dest` with control characters neutralised. */
export function createTerminalSafeStream(dest: NodeJS.WritableStream): Writable {
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text === '' || dest.write(neutraliseControls(text))) callback();
      else dest.once('drain', () => callback());
    },
    final(callback) {
      const rest = decoder.end();
      if (rest !== '') dest.write(neutraliseControls(rest));
      callback();
    },
  });
}
