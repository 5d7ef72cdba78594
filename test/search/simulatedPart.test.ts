import { describe, expect, it } from 'vitest';
import { alwaysPassVoltage, FLAKY_BAND, makeSimulatedPart, simulateRun } from '../../src/search/simulatedPart.js';

const freqs = [1000, 2000, 3000, 4000];

describe('simulated part', () => {
  it('is the same part for the same seed and a different one for another seed', () => {
    expect([...makeSimulatedPart(5, freqs, FLAKY_BAND).vmin]).toEqual([...makeSimulatedPart(5, freqs, FLAKY_BAND).vmin]);
    expect([...makeSimulatedPart(5, freqs, FLAKY_BAND).vmin]).not.toEqual([...makeSimulatedPart(6, freqs, FLAKY_BAND).vmin]);
  });

  it('fails below Vmin, passes above the band, and fails about 20% of attempts inside it', () => {
    const part = makeSimulatedPart(11, freqs, FLAKY_BAND);
    const vmin = part.vmin.get(2000)!;
    for (let attempt = 0; attempt < 50; attempt++) {
      expect(simulateRun(part, 'freq_mhz=2000', 2000, vmin - 0.5, attempt)).toBe('fail');
      expect(simulateRun(part, 'freq_mhz=2000', 2000, alwaysPassVoltage(part, 2000), attempt)).toBe('pass');
    }
    let fails = 0;
    const tries = 4000;
    for (let attempt = 0; attempt < tries; attempt++) if (simulateRun(part, 'freq_mhz=2000', 2000, vmin + 7, attempt) === 'fail') fails++;
    expect(fails / tries).toBeGreaterThan(0.17);
    expect(fails / tries).toBeLessThan(0.23);
    // The draw belongs to the attempt: replaying it gives the same outcome.
    expect(simulateRun(part, 'freq_mhz=2000', 2000, vmin + 7, 17)).toBe(simulateRun(part, 'freq_mhz=2000', 2000, vmin + 7, 17));
  });

  it('Vmin rises with frequency overall', () => {
    const part = makeSimulatedPart(3, freqs, FLAKY_BAND);
    expect(part.vmin.get(4000)!).toBeGreaterThan(part.vmin.get(1000)!);
  });
});
