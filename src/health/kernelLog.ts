// The kernel log's record format (/dev/kmsg, Documentation/ABI/testing/dev-kmsg):
// `pri,seq,usec,flags[,…];message` on one line, followed by zero or more continuation lines
// that start with a space (` SUBSYSTEM=…`, ` DEVICE=…`) and belong to that record. Pure text
// functions; kmsgReader.ts does the reading.

/** One record of the kernel log. */
export interface KernelRecord {
  seq: number;
  /** Syslog level 0–7 (priority & 7). */
  level: number;
  /** Microseconds since boot. */
  usec: number;
  /** The message, with the kernel's `\xNN` escapes left as they are (one line). */
  message: string;
  /** Continuation lines (`KEY=value`), without their leading space. */
  properties: string[];
}

const HEADER = /^([0-9]{1,20}),([0-9]{1,20}),([0-9]{1,20}),[^;]{0,64};/;

/** Parses one record's header line; null for a line that is not one (garbage, or a continuation). */
export function parseRecordLine(line: string): KernelRecord | null {
  const m = HEADER.exec(line);
  if (!m) return null;
  return { seq: Number(m[2]), level: Number(m[1]) & 7, usec: Number(m[3]), message: line.slice(m[0].length), properties: [] };
}

/** Parses whole lines into records; a continuation line joins the record before it, and one with no record before it is dropped. */
export function parseKernelLines(lines: Iterable<string>): KernelRecord[] {
  const out: KernelRecord[] = [];
  for (const line of lines) {
    if (line.startsWith(' ')) {
      const last = out[out.length - 1];
      if (last && last.properties.length < 16) last.properties.push(line.slice(1));
      continue;
    }
    const r = parseRecordLine(line);
    if (r) out.push(r);
  }
  return out;
}

// Machine checks (mce), firmware-reported hardware errors (GHES/APEI print "[Hardware Error]"),
// and the EDAC driver's own reports. Alternation of literals only: linear on any input.
const HARDWARE_ERROR = /machine[ -]check|\bmce\b|hardware error|\bedac\b/i;

/** Tells whether a kernel message reports a hardware error. */
export function isHardwareErrorMessage(message: string): boolean {
  return HARDWARE_ERROR.test(message);
}

/** A record as kept in the records: `[seconds since boot] message`, bounded in length. */
export function formatRecord(r: KernelRecord, maxChars = 300): string {
  const text = `[${(r.usec / 1e6).toFixed(6)}] ${r.message}`;
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
