/** Turns SIGINT/SIGTERM into an abort of the run; later signals cannot cut the rail restore short. */
export function trapInterrupts(err: (line: string) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      err(`\nroad_runner: ${name} received: stopping the running diagnostic and restoring rails to nominal…`);
      controller.abort(name);
    } else {
      err(`road_runner: ${name} again: still restoring rails to nominal; road_runner exits as soon as they are back`);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
