import type { ProgressEvent } from '../execute/runContext.js';
import { neutraliseControls } from './terminalText.js';

/** Something that shows progress: a live bar on a terminal, one line per step otherwise. */
export interface ProgressView {
  update: (event: ProgressEvent) => void;
  stop: () => void;
}

/** One line per finished step, for logs and pipes. */
export function createLineProgress(out: (line: string) => void): ProgressView {
  return {
    update(e) {
      if (e.kind === 'subrun_start') {
        const margins = Object.entries(e.margins).map(([r, v]) => `${r}=${v}`).join(' ');
        out(`sub-run ${e.index + 1}/${e.total} ${e.id}${margins ? ` (${margins})` : ''}`);
      } else if (e.kind === 'step_end') {
        out(`  [${e.subrun + 1}/${e.total}] step ${e.index} ${e.step_id}: ${e.status} in ${e.duration_ms} ms (passed ${e.counts.passed}, failed ${e.counts.failed + e.counts.timeout + e.counts.error})`);
      } else if (e.kind === 'subrun_end' && e.status !== 'passed') {
        out(`  sub-run ${e.id}: ${e.status}`);
      } else if (e.kind === 'rail') {
        out(e.message);
      }
    },
    stop() {},
  };
}

/** A live bar (cli-progress) with sub-run i/N, the current step, pass/fail counts and ETA. */
export async function createBarProgress(totalSteps: number): Promise<ProgressView> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    format: 'sub-run {subrun}/{subruns} | {step} | passed {passed} failed {failed} | {value}/{total} steps | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  bar.start(totalSteps, 0, { subrun: 0, subruns: 0, step: 'starting', passed: 0, failed: 0 });
  let done = 0;
  let perSubrun = 0;
  return {
    update(e) {
      if (e.kind === 'step_start') bar.update(done, { subrun: e.subrun + 1, subruns: e.total, step: neutraliseControls(e.step_id) });
      if (e.kind === 'step_end') {
        done += 1;
        bar.update(done, { passed: e.counts.passed, failed: e.counts.failed + e.counts.timeout + e.counts.error });
      }
      if (e.kind === 'step_start') perSubrun = e.steps;
      if (e.kind === 'subrun_end') {
        // A sub-run that stopped early skipped its other steps: they count as done.
        done = Math.max(done, (e.index + 1) * perSubrun);
        bar.update(done);
      }
    },
    stop() {
      bar.stop();
    },
  };
}
