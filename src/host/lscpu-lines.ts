// Turns the text `lscpu` prints into `key → value` entries, whatever the layout: the flat
// layout (every key at column 0), the tree layout of util-linux ≥ 2.37 (sub-keys indented),
// and text copied from a terminal, where lscpu wraps long values (Flags, vulnerabilities)
// at the screen width and continues them, indented to the value column, sometimes mid-word.

/** One `Key: value` line of lscpu output, continuation lines already joined. */
export interface LscpuEntry {
  /** Key with inner whitespace collapsed, original case, e.g. `Core(s) per socket`. */
  key: string;
  /** Value trimmed; empty for section headers such as `Caches (sum of all):`. */
  value: string;
  /** Leading spaces before the key (0 in the flat layout, 2 or 4 for tree sub-keys). */
  indent: number;
}

interface OpenEntry {
  key: string;
  rawValue: string;
  indent: number;
  valueColumn: number;
}

const KEY_LINE = /^([ \t]*)([^:]+):([ \t]*)(.*)$/;

/** Splits lscpu text into entries in order; tolerates CRLF, blank lines and wrapped values. */
export function splitLscpuEntries(text: string): LscpuEntry[] {
  const entries: LscpuEntry[] = [];
  let open: OpenEntry | undefined;
  const close = (): void => {
    if (open) entries.push({ key: open.key, value: open.rawValue.trim(), indent: open.indent });
    open = undefined;
  };
  for (const rawLine of text.split(/\r?\n|\r/)) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') {
      close();
      continue;
    }
    const indent = countLeadingBlanks(line);
    if (open && isContinuation(line, indent, open)) {
      open.rawValue += readContinuation(line, open.valueColumn);
      continue;
    }
    const m = KEY_LINE.exec(line);
    if (!m) {
      // A stray line (banner, warning) that is neither a key nor a continuation.
      close();
      continue;
    }
    close();
    const lead = m[1] ?? '';
    const key = (m[2] ?? '').trim().replace(/\s+/g, ' ');
    const gap = m[3] ?? '';
    open = {
      key,
      rawValue: m[4] ?? '',
      indent: lead.length,
      valueColumn: lead.length + (m[2] ?? '').length + 1 + gap.length,
    };
  }
  close();
  return entries;
}

function countLeadingBlanks(line: string): number {
  return line.length - line.trimStart().length;
}

// lscpu indents wrapped text to the value column, which always lies right of every key's
// indentation; an unkeyed indented line also continues the value before it.
function isContinuation(line: string, indent: number, open: OpenEntry): boolean {
  if (open.rawValue.trim() === '') return false;
  if (indent >= open.valueColumn && open.valueColumn > open.indent) return true;
  return indent > 0 && !line.includes(':');
}

// lscpu breaks wrapped values at a fixed width, so the text after the value column joins
// the previous line without a separator (that is how `xtopology n` + `onstop_tsc` rejoin).
function readContinuation(line: string, valueColumn: number): string {
  const prefix = line.slice(0, valueColumn);
  if (prefix.length === valueColumn && prefix.trim() === '') return line.slice(valueColumn);
  return ' ' + line.trim();
}
