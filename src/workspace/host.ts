import path from 'node:path';
import { ConfigError, formatProblem } from '../errors.js';
import type { HostFile } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import { buildHostFacts, type HostFacts, type HostTexts } from '../host/facts.js';
import { readLiveHostTexts } from '../host/live.js';
import { readSource } from './readSource.js';

/** The host a command plans for: a saved host file (`--host`), or this machine. */
export interface HostChoice {
  texts: HostTexts;
  facts: HostFacts;
  /** `this machine` or the saved file's path. */
  origin: string;
}

/**
 * Reads the host facts from a saved file when given, else from lscpu/uname on this machine.
 * A saved file that is a symlink is followed only inside the workspace `root`.
 */
export async function loadHost(validators: Validators, cwd: string, hostFile: string | undefined, root: string): Promise<HostChoice> {
  if (hostFile === undefined) {
    const texts = await readLiveHostTexts();
    return { texts, facts: buildHostFacts(texts), origin: 'this machine (lscpu, uname -a)' };
  }
  const abs = path.resolve(cwd, hostFile);
  const { loaded, problems } = readSource<HostFile>(validators, 'host', abs, hostFile, root);
  if (!loaded) throw new ConfigError(problems, `saved host file ${hostFile} is invalid:\n${problems.map(formatProblem).join('\n')}`);
  const texts = { lscpu: loaded.data.lscpu, uname: loaded.data.uname };
  return { texts, facts: buildHostFacts(texts), origin: `saved host ${hostFile}` };
}
