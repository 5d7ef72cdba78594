// How a rail actuator's `get` output becomes a number (the manifest's `read` rule, SPEC §3.1):
// a regex with exactly one capture group (linear-time engine, run over the whole output with
// ^ and $ matching at every line), or a JSON pointer into output that is one JSON document;
// then `hex` (the text is hexadecimal, 0x optional) and `scale` (multiplied in, to reach the
// rail's unit). Without a rule the whole output, trimmed, must be exactly one decimal number.

import { compileLinearRegex, linearRegexError } from './linearRegex.js';

/** The `read` key of a rail manifest. */
export interface ReadRule {
  regex?: string;
  json_pointer?: string;
  hex?: boolean;
  scale?: number;
}

/** Turns one `get` output into a value, or says why it cannot (never throws). */
export type ReadParser = (stdout: string) => { value: number; error: null } | { value: null; error: string };

const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const HEX = /^(?:0[xX])?[0-9a-fA-F]+$/;

/** What is wrong with a rule (one problem per entry: key and message), empty when it is sound. */
export function readRuleProblems(rule: ReadRule): { key: string; message: string; hint: string }[] {
  const out: { key: string; message: string; hint: string }[] = [];
  const given = (['regex', 'json_pointer'] as const).filter((k) => rule[k] !== undefined);
  if (given.length !== 1) {
    out.push({
      key: '', message: given.length === 0 ? 'read needs regex or json_pointer' : 'read has both regex and json_pointer',
      hint: 'give exactly one: `regex: "Vcore *\\\\| *([0-9.]+)"` (one capture group) or `json_pointer: /Reading`',
    });
  }
  if (rule.regex !== undefined) {
    const err = linearRegexError(rule.regex);
    if (err) out.push({ key: 'regex', message: `invalid regular expression ${err}`, hint: 'regexes use RE2 syntax (linear time): no backreferences or lookarounds' });
    else {
      const groups = compileLinearRegex(rule.regex, true).groupCount;
      if (groups !== 1) {
        out.push({
          key: 'regex', message: `the regex has ${groups} capture groups; it needs exactly one, around the value`,
          hint: groups === 0 ? 'put ( ) around the number, e.g. "Vcore: ([0-9.]+)"' : 'make the other groups non-capturing: (?:...)',
        });
      }
    }
  }
  if (rule.json_pointer !== undefined && pointerTokens(rule.json_pointer) === null) {
    out.push({ key: 'json_pointer', message: `"${rule.json_pointer}" is not a JSON pointer`, hint: 'start it with "/" and write ~ as ~0 and / inside a key as ~1, e.g. /Readings/0/Value' });
  }
  return out;
}

/** RFC 6901 reference tokens, or null for text that is not a JSON pointer. */
function pointerTokens(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return null;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~(?![01])/.test(t))) return null;
  return tokens.map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Builds the parser for a rule (undefined: the default, exactly one number). The rule must be sound (see readRuleProblems). */
export function readParser(adapter: string, rule: ReadRule | undefined): ReadParser {
  const show = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  const finish = (text: string, what: string): ReturnType<ReadParser> => {
    const t = text.trim();
    let value: number;
    if (rule?.hex) {
      if (!HEX.test(t)) return { value: null, error: `${adapter} get: ${what} ${show(t)} is not a hexadecimal number` };
      value = Number.parseInt(t.replace(/^0[xX]/, ''), 16);
    } else {
      if (!DECIMAL.test(t)) return { value: null, error: `${adapter} get: ${what} ${show(t)} is not a number` };
      value = Number(t);
    }
    if (rule?.scale !== undefined) value = Number((value * rule.scale).toPrecision(15));
    // "1e999" is Infinity: a read-back that is not a finite number is never accepted.
    if (!Number.isFinite(value)) return { value: null, error: `${adapter} get printed ${show(t)}, which is not a finite number` };
    return { value, error: null };
  };
  if (rule?.regex !== undefined) {
    const re = compileLinearRegex(rule.regex, true);
    return (stdout) => {
      const found = re.captureGroups(stdout, [1]);
      const g = found === null ? null : (found[0] ?? undefined);
      if (g === null) return { value: null, error: `${adapter} get: read.regex /${rule.regex}/ matched nothing in ${show(stdout)}` };
      if (g === undefined) return { value: null, error: `${adapter} get: read.regex /${rule.regex}/ matched, but its group took no part` };
      return finish(g, 'the captured text');
    };
  }
  if (rule?.json_pointer !== undefined) {
    const tokens = pointerTokens(rule.json_pointer) ?? [];
    return (stdout) => {
      let node: unknown;
      try {
        node = JSON.parse(stdout);
      } catch {
        return { value: null, error: `${adapter} get printed no JSON document (read.json_pointer needs one): ${show(stdout)}` };
      }
      for (const t of tokens) {
        if (Array.isArray(node) && /^(?:0|[1-9]\d*)$/.test(t) && Number(t) < node.length) node = node[Number(t)];
        else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, t)) node = (node as Record<string, unknown>)[t];
        else return { value: null, error: `${adapter} get: read.json_pointer ${rule.json_pointer} finds nothing in the output (no "${t}")` };
      }
      if (typeof node === 'number') return finish(String(node), 'the value');
      if (typeof node === 'string') return finish(node, 'the value');
      return { value: null, error: `${adapter} get: read.json_pointer ${rule.json_pointer} points at ${node === null ? 'null' : typeof node}, not a number` };
    };
  }
  return (stdout) => {
    const t = stdout.trim();
    const r = finish(t, 'output');
    if (r.error !== null && !/finite/.test(r.error)) {
      return { value: null, error: `${adapter} get printed ${show(t)}, not exactly one number; add a read rule to the manifest (read: {regex: "…(…)…"} or read: {json_pointer: /…}, with hex/scale if needed)` };
    }
    return r;
  };
}

/**
 * A rail value as text for an actuator's argv: plain decimal, never exponent notation (1e-7 →
 * 0.0000001, 1e21 → 1000000000000000000000), shortest digits that read back as the same number.
 */
export function formatRailValue(value: number): string {
  const s = String(value);
  if (!/e/i.test(s)) return s;
  const [mant, expText] = s.split(/e/i) as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '');
  const point = mant.replace(/^-/, '').indexOf('.');
  const intLen = (point === -1 ? digits.length : point) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}
