import { compileLinearRegex, type LinearRegex } from './linearRegex.js';
import type { ParamSpec, Scalar } from './schemas/index.js';
import { argStringProblem } from './argLimits.js';

/** Why a value does not fit an adapter's parameter spec, or null when it fits. */
export function checkParamValue(spec: ParamSpec, value: Scalar): string | null {
  switch (spec.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `expected a whole number, got ${show(value)}`;
      if (!Number.isSafeInteger(value)) return `${value} is beyond ±(2^53 - 1), where whole numbers are not exact`;
      return checkRange(spec, value);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a number, got ${show(value)}`;
      return checkRange(spec, value);
    case 'boolean':
      return typeof value === 'boolean' ? null : `expected true or false, got ${show(value)}`;
    case 'enum': {
      const allowed = spec.values ?? [];
      return allowed.some((v) => v === value) ? null : `expected one of ${allowed.join(' | ')}, got ${show(value)}`;
    }
    case 'string': {
      if (typeof value !== 'string') return `expected a string, got ${show(value)}`;
      const unfit = argStringProblem(value);
      if (unfit) return unfit;
      if (value.startsWith('-') && spec.allow_dash !== true) {
        return `${show(value)} begins with "-", so the diagnostic could read it as an option`;
      }
      if (spec.pattern !== undefined && !matchesPattern(spec.pattern, value)) {
        return `${show(value)} does not match the pattern /${spec.pattern}/`;
      }
      return null;
    }
  }
}

function checkRange(spec: ParamSpec, value: number): string | null {
  if (spec.min !== undefined && value < spec.min) return `${value} is below the adapter's min ${spec.min}`;
  if (spec.max !== undefined && value > spec.max) return `${value} is above the adapter's max ${spec.max}`;
  return null;
}

function show(value: Scalar): string {
  if (typeof value !== 'string') return String(value);
  // Quoted; control characters escaped (a NUL or an escape sequence never reaches the terminal).
  const quote = (s: string) => (/[\u0000-\u001f\u007f]/.test(s) ? JSON.stringify(s) : `"${s}"`);
  return value.length > 60 ? `${quote(value.slice(0, 40))}… (${value.length} characters)` : quote(value);
}

// A param's pattern runs on the linear-time engine too, so a hostile pattern cannot stall
// `plan` on a long value. A pattern the engine refuses is reported on its own (crossCheck).
function matchesPattern(pattern: string, value: string): boolean {
  let regex: LinearRegex;
  try {
    regex = compileLinearRegex(pattern);
  } catch {
    return true;
  }
  return regex.test(value);
}
