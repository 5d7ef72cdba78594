// Facts from `uname -a`: `kernel-name nodename kernel-release kernel-version… machine
// [processor] [hardware-platform] [operating-system]`. The kernel version contains spaces
// and its length varies, so the machine is found by looking for a known architecture
// token from the end of the line.

export interface UnameFacts {
  kernelName?: string;
  hostname?: string;
  kernelRelease?: string;
  machine?: string;
}

// Values `uname -m` reports on the Linux architectures a lab may meet.
const MACHINES = new Set([
  'x86_64', 'i386', 'i486', 'i586', 'i686', 'aarch64', 'aarch64_be', 'arm64', 'armv6l', 'armv7l',
  'armv8l', 'riscv64', 'riscv32', 'ppc64le', 'ppc64', 'ppc', 's390x', 'mips', 'mips64', 'loongarch64', 'ia64',
]);

/** Parses the first non-empty line of `uname -a` output; missing parts are undefined. */
export function parseUname(text: string): UnameFacts {
  const line = text.split(/\r?\n|\r/).find((l) => l.trim() !== '') ?? '';
  const tokens = line.trim().split(/\s+/).filter((t) => t !== '');
  return {
    kernelName: tokens[0],
    hostname: tokens[1],
    kernelRelease: tokens[2],
    machine: findMachine(tokens.slice(3)),
  };
}

function findMachine(tokens: string[]): string | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i];
    if (token !== undefined && MACHINES.has(token.toLowerCase())) return token;
  }
  return undefined;
}
