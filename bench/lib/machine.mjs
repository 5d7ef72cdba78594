// The machine a benchmark ran on, for the results file and docs/performance.md.

import os from 'node:os';

/** nproc, memory, CPU model, kernel, Node version and load average, as plain data. */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism?.() ?? cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gib: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    kernel: `${os.type()} ${os.release()} ${os.machine?.() ?? os.arch()}`,
    node: process.version,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

/** One line for the top of the table. */
export function formatMachine(m) {
  return `${m.nproc} CPUs (${m.cpu_model}), ${m.memory_gib} GiB, ${m.kernel}, Node ${m.node}, load average ${m.loadavg.join(' ')}`;
}
