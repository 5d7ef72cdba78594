// Where hardware health is read from. Only the CLI reads the environment; this names the variables.

/** `/sys` and `/dev/kmsg`, or fakes (RR_SYSFS_ROOT replaces `/sys`; RR_KMSG_FILE is a regular file in the /dev/kmsg record format). */
export interface HealthSources {
  sysfsRoot: string;
  kmsgFile: string;
}

/** The sources named by the environment, or the real ones. */
export function healthSourcesFrom(env: Readonly<Record<string, string | undefined>>): HealthSources {
  return { sysfsRoot: env.RR_SYSFS_ROOT || '/sys', kmsgFile: env.RR_KMSG_FILE || '/dev/kmsg' };
}
