import { describe, expect, it } from 'vitest';
import { formatRecord, isHardwareErrorMessage, parseKernelLines, parseRecordLine } from '../../src/health/kernelLog.js';

describe('kernel log records', () => {
  it('parses the header: level from the priority, sequence, microseconds, message after the first ;', () => {
    expect(parseRecordLine('14,2041,1234567,-;EDAC MC0: 1 CE memory read error; on DIMM0')).toEqual({
      seq: 2041, level: 6, usec: 1234567, message: 'EDAC MC0: 1 CE memory read error; on DIMM0', properties: [],
    });
    expect(parseRecordLine('4,7,99,c,extra;text')).toMatchObject({ seq: 7, level: 4, message: 'text' });
  });

  it('refuses lines that are not records', () => {
    for (const line of ['', 'plain text', ' SUBSYSTEM=cpu', '1,2;no usec', 'a,b,c,-;x', '1,2,3,-'] ) expect(parseRecordLine(line)).toBeNull();
  });

  it('joins continuation lines to the record before them and drops orphans and garbage', () => {
    const records = parseKernelLines([
      ' DEVICE=orphan',
      '3,10,100,-;mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 5',
      ' SUBSYSTEM=machinecheck',
      ' DEVICE=+machinecheck:machinecheck0',
      'garbage in between',
      '6,11,200,-;usb 1-1: new device',
    ]);
    expect(records.map((r) => r.seq)).toEqual([10, 11]);
    expect(records[0]!.properties).toEqual(['SUBSYSTEM=machinecheck', 'DEVICE=+machinecheck:machinecheck0']);
    expect(records[1]!.properties).toEqual([]);
  });

  it('tells hardware-error messages from others', () => {
    for (const m of ['mce: [Hardware Error]: Machine check events logged', 'EDAC MC1: 1 UE memory error', '{1}[Hardware Error]: event severity: corrected',
      'Machine check: Processor context corrupt', 'MCE: killing process']) expect(isHardwareErrorMessage(m), m).toBe(true);
    for (const m of ['usb 1-1: new high-speed USB device', 'commerce server started', 'pcieport: AER: enabled']) expect(isHardwareErrorMessage(m), m).toBe(false);
  });

  it('formats a record with its time since boot and caps its length', () => {
    expect(formatRecord({ seq: 1, level: 3, usec: 1500000, message: 'EDAC x', properties: [] })).toBe('[1.500000] EDAC x');
    const long = formatRecord({ seq: 1, level: 3, usec: 0, message: 'x'.repeat(1000), properties: [] }, 50);
    expect(long).toHaveLength(50);
    expect(long.endsWith('…')).toBe(true);
  });
});
