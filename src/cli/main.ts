#!/usr/bin/env node
// The road_runner command line. The only place that reads process.argv/env and sets the exit
// code; command modules are imported lazily so that start-up stays fast.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, RrError, UsageError, type ExitCodeValue } from '../errors.js';
import { resolveRoot, type CommandContext } from './context.js';
import { checkNumberOptions } from './numberOptions.js';
import { neutraliseControls } from './terminalText.js';
import { detachHungUpTerminal, isHangUpError } from './deadTerminal.js';
import { installSignalDesk } from './signals.js';

interface GlobalArgs {
  root?: string;
  host?: string;
}

type Handler = (ctx: CommandContext, args: Record<string, unknown>) => Promise<number>;

function makeContext(args: GlobalArgs): CommandContext {
  const cwd = process.cwd();
  return {
    root: resolveRoot(cwd, args.root, process.env),
    cwd,
    hostFile: args.host ?? process.env.RR_HOST_FILE,
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    // Lines may quote records, file names and manifests: no raw escape sequence reaches the terminal.
    out: (line) => writeQuietly(process.stdout, neutraliseControls(line)),
    err: (line) => writeQuietly(process.stderr, neutraliseControls(line)),
    guard: (stopping) => desk.guard(stopping),
  };
}

// After a hang-up (ssh dropped) or a closed pipe, writes fail (EIO, EPIPE): output is lost, but
// nothing may throw, least of all while rails are being restored.
function writeQuietly(stream: NodeJS.WriteStream, line: string): void {
  try {
    if (!stream.destroyed) stream.write(`${line}\n`);
  } catch {
    /* the terminal is gone */
  }
}

// Runs a lazily imported command and records its exit code.
function lazy(load: () => Promise<{ default: Handler }>) {
  return async (args: Record<string, unknown>) => {
    checkNumberOptions(args);
    const ctx = makeContext(args as GlobalArgs);
    const { default: handler } = await load();
    process.exitCode = await handler(ctx, args);
  };
}

// A run is named the same way by every command (SPEC §9): RUN_ID, or the older --run-id/--run.
const runIdOptions = (y: Argv) =>
  y.positional('run_id', { type: 'string', describe: 'Run id (rr-…), or "latest" for the newest run' })
    .option('run-id', { type: 'string', alias: 'run', requiresArg: true, describe: 'The run id as an option (older spelling; same as RUN_ID)' });

const jsonOption = (what: string) => ({ type: 'boolean' as const, describe: `Print ${what} as JSON on stdout (README: "JSON output")` });

// The fleet database (SPEC §13): a URL with a password belongs in RR_DATABASE_URL or a file, never in argv.
const dbOptions = (y: Argv) =>
  y.option('db', { type: 'string', requiresArg: true, describe: 'Fleet database URL without a password (default RR_DATABASE_URL)' })
    .option('db-file', { type: 'string', requiresArg: true, describe: 'File holding the fleet database URL (mode 600)' });

const sweepOptions = (y: Argv) =>
  y
    .option('flow', { type: 'string', describe: 'Flow file (or its name in flows/)' })
    .option('margin', { type: 'string', describe: 'Margin profile file (or its name in margins/)' })
    .option('profile', { type: 'string', describe: 'Force a hardware profile by name, or "none" for the site policy alone' })
    .option('seed', { type: 'string', requiresArg: true, describe: 'Global seed, 0 to 4294967295 (overrides the margin profile\'s global_seed)' });

// yargs lays out (and caches) the help text before it runs any command, though it prints it
// only for --help (every failure goes through .fail below): laid out for the terminal only
// then, unwrapped otherwise (~50–100 ms less at the start of every command).
function helpWidth(argv: string[]): number | null {
  return argv.includes('--help') ? Math.min(110, process.stdout.columns ?? 100) : null;
}

function buildParser(argv: string[]) {
  return yargs(argv)
    .scriptName('road_runner')
    .usage('$0 <command> [options]\n\nPlan and run voltage/frequency margin sweeps described in YAML.')
    .option('root', { type: 'string', describe: 'Workspace folder (default: RR_ROOT or the current folder)', global: true })
    .option('host', { type: 'string', describe: 'Plan against a saved host file (detect --save) instead of this machine; also RR_HOST_FILE', global: true })
    .command('init [dir]', 'Create a workspace in DIR (default: here) with the samples, the JSON Schemas and editor settings; never overwrites', (y) =>
      y.positional('dir', { type: 'string', describe: 'Folder to create the workspace in (created if missing)' })
        .option('templates', { type: 'boolean', describe: 'Also copy the report templates into templates/ for editing' }),
      lazy(() => import('./commands/init.js')))
    .command('plan', 'Expand a sweep into a checked plan (writes runs/<RUN_ID>/plan.json)', (y) =>
      sweepOptions(y).demandOption(['flow', 'margin']).option('json', { type: 'boolean', describe: 'Print the plan as JSON' }),
      lazy(() => import('./commands/plan.js')))
    .command('validate', 'Validate every file of the workspace; list all problems', (y) =>
      y.option('json', jsonOption('{ok, files, problems, warnings}')), lazy(() => import('./commands/validate.js')))
    .command('list-flows', 'List the flows of the workspace', {}, lazy(() => import('./commands/listFlows.js')))
    .command('margins <action>', 'Margin profiles: list, or validate one file', (y) =>
      y.positional('action', { choices: ['list', 'validate'] as const, demandOption: true })
        .option('file', { type: 'string', describe: 'Margin file to validate' }),
      lazy(() => import('./commands/margins.js')))
    .command('schema <kind>', 'Print the JSON Schema of an input kind (for editors)', (y) =>
      y.positional('kind', { type: 'string', demandOption: true }),
      lazy(() => import('./commands/schema.js')))
    .command('detect', 'Show the facts of this host (or --host FILE); --save FILE stores lscpu/uname', (y) =>
      y.option('save', { type: 'string', describe: 'Write {lscpu, uname} to FILE (.json or .yaml)' })
        .option('json', jsonOption('{origin, facts, saved}')),
      lazy(() => import('./commands/detect.js')))
    .command('policy <action>', 'Show the host, the selected profile and the effective bounds', (y) =>
      y.positional('action', { choices: ['show'] as const, demandOption: true })
        .option('profile', { type: 'string', describe: 'Force a hardware profile by name, or "none"' })
        .option('json', jsonOption('{host, profile, reasons, considered, bounds}')),
      lazy(() => import('./commands/policyShow.js')))
    .command('run', 'Plan, confirm and execute a sweep on this host, recording everything under runs/', (y) =>
      sweepOptions(y)
        .option('unit', { type: 'string', describe: 'Serial number of the unit under test (e.g. SN123); required unless --resume' })
        .option('resume', { type: 'string', describe: 'Continue an interrupted or crashed run by id ("latest": the newest), in its own folder' })
        .option('retry-crashed', { type: 'boolean', describe: 'With --resume: run the sub-run that was active at the crash again' })
        .option('yes', { type: 'boolean', describe: 'Skip the confirmation question (needed without a terminal)' })
        .option('dry-run', { type: 'boolean', describe: 'Write plan, sysinfo and summaries without launching anything' })
        .option('grace', { type: 'string', requiresArg: true, describe: 'Seconds between SIGTERM and SIGKILL when a step times out, 0 to 3600 (default 5)' })
        .option('json', jsonOption('{started, exit_code, run_dir, reports, summary} at the end (progress goes to stderr)')),
      lazy(() => import('./commands/run.js')))
    .command('report [run_id]', 'Re-render runs/<RUN_ID>/report.md and report.html from the saved records', (y) =>
      runIdOptions(y),
      lazy(() => import('./commands/report.js')))
    .command('export [run_id]', 'Every step of a run as one table (csv, json, junit), or its boundary per column (boundary)', (y) =>
      runIdOptions(y)
        .option('format', { choices: ['csv', 'json', 'junit', 'boundary'] as const, demandOption: true, describe: 'Output format (boundary: boundary.json as CSV, one row per column)' })
        .option('out', { type: 'string', requiresArg: true, describe: 'Output file (default runs/<ID>/export.<csv|json|xml|boundary.csv>); - for stdout' }),
      lazy(() => import('./commands/export.js')))
    .command('rerun-last', 'Re-execute the most recent passed run from its inputs/ copies, same seed and unit', (y) =>
      y.option('yes', { type: 'boolean', describe: 'Skip the confirmation question' })
        .option('from-files', { type: 'boolean', describe: 'Plan from the current workspace files instead of the run\'s copies' })
        .option('grace', { type: 'string', requiresArg: true, describe: 'Seconds between SIGTERM and SIGKILL on timeout, 0 to 3600 (default 5)' }),
      lazy(() => import('./commands/rerunLast.js')))
    .command('rerun [run_id]', 'Run again only the failed, marginal, flaky or crashed points of a run, with their original seeds (docs/limits-and-reruns.md)', (y) =>
      runIdOptions(y)
        .option('only', { type: 'string', array: true, requiresArg: true, demandOption: true, describe: 'What to run again: failed, marginal, flaky, crashed; several as --only failed,marginal' })
        .option('unit', { type: 'string', requiresArg: true, describe: 'Serial number of the unit (default: the run\'s own)' })
        .option('yes', { type: 'boolean', describe: 'Skip the confirmation question' })
        .option('dry-run', { type: 'boolean', describe: 'Write plan, sysinfo and summaries without launching anything' })
        .option('grace', { type: 'string', requiresArg: true, describe: 'Seconds between SIGTERM and SIGKILL on timeout, 0 to 3600 (default 5)' }),
      lazy(() => import('./commands/rerun.js')))
    .command('bundle [run_id]', 'Pack a run as one BagIt .tar.gz (checkable with sha256sum -c; docs/bundles.md)', (y) =>
      runIdOptions(y)
        .option('out', { type: 'string', requiresArg: true, describe: 'Output file (default ./<RUN_ID>.bundle.tar.gz); - for stdout' })
        .option('with-logs', { type: 'boolean', describe: 'Include the stdout/stderr logs of every step' }),
      lazy(() => import('./commands/bundle.js')))
    .command('replay <bundle>', 'Plan a bundle\'s run again on this host, under its policy; refuse a different plan; run it (docs/bundles.md)', (y) =>
      y.positional('bundle', { type: 'string', demandOption: true, describe: 'A .tar.gz made by road_runner bundle' })
        .option('unit', { type: 'string', requiresArg: true, demandOption: true, describe: 'Serial number of the unit under test' })
        .option('only', { type: 'string', array: true, requiresArg: true, describe: 'Only the failed, marginal, flaky or crashed points of the bundled run' })
        .option('accept-differences', { type: 'boolean', describe: 'Run the plan made here even where it differs from the bundled one' })
        .option('yes', { type: 'boolean', describe: 'Skip the confirmation question' })
        .option('dry-run', { type: 'boolean', describe: 'Write plan, sysinfo and summaries without launching anything' })
        .option('grace', { type: 'string', requiresArg: true, describe: 'Seconds between SIGTERM and SIGKILL on timeout, 0 to 3600 (default 5)' }),
      lazy(() => import('./commands/replay.js')))
    .command('runs <action> [id]', 'List the runs of the workspace, or show one run in detail', (y) =>
      y.positional('action', { choices: ['list', 'show'] as const, demandOption: true })
        .positional('id', { type: 'string', describe: 'Run id for show, or "latest"' })
        .option('run-id', { type: 'string', alias: 'run', requiresArg: true, describe: 'The run id as an option (older spelling; same as ID)' })
        .option('json', { type: 'boolean', describe: 'Print JSON' }),
      lazy(() => import('./commands/runs.js')))
    .command('diff <run_a> <run_b>', 'Compare two runs of a sweep: outcomes, step statuses and metrics per margin point', (y) =>
      y.positional('run_a', { type: 'string', demandOption: true, describe: 'Run id before (A), or "latest"' })
        .positional('run_b', { type: 'string', demandOption: true, describe: 'Run id after (B), or "latest"' })
        .option('json', { type: 'boolean', describe: 'Print JSON' }),
      lazy(() => import('./commands/diff.js')))
    .command('clean', 'Remove runs started more than N days ago (never the locked or unrecovered run; nothing outside runs/)', (y) =>
      y.option('older-than', { type: 'string', demandOption: true, describe: 'Age in days, fractions allowed (e.g. 0.5), 0 to 36500' })
        .option('dry-run', { type: 'boolean', describe: 'List what would be removed; remove nothing' }),
      lazy(() => import('./commands/clean.js')))
    .command('recover', 'Restore the rails of a crashed run (journal left behind) and mark it crashed', (y) =>
      y.option('with-current-adapters', { type: 'boolean', describe: 'Restore with today\'s rail manifests in adapters/ instead of the crashed run\'s inputs/ copies (docs/recovery.md)' })
        .option('clear', { type: 'boolean', describe: 'Call no actuator: you confirm the hardware is at nominal; the journal goes and the run records it (docs/recovery.md)' })
        .option('yes', { type: 'boolean', describe: 'With --clear: confirm without the question (needed without a terminal)' })
        .conflicts('clear', 'with-current-adapters'),
      lazy(() => import('./commands/recover.js')))
    .command('serve', 'A read-only dashboard of the runs in a browser, live while a run goes on; with a fleet database, a fleet page (docs/serve.md)', (y) =>
      dbOptions(y).option('port', { type: 'string', requiresArg: true, describe: 'Port to listen on, 0 to 65535 (default 8720; 0: any free port)' })
        .option('bind', { type: 'string', requiresArg: true, describe: 'Address to listen on (default 127.0.0.1); any other needs --token' })
        .option('token', { type: 'string', requiresArg: true, describe: 'Token every request must carry (Bearer header, or ?token= once in a browser); also RR_SERVE_TOKEN' }),
      lazy(() => import('./commands/serve.js')))
    .command('fleet <action> [target]', 'The lab fleet on PostgreSQL: init, submit, status, cancel, clear, results, export, report (docs/fleet.md)', (y) =>
      dbOptions(y)
        .positional('action', { choices: ['init', 'submit', 'status', 'cancel', 'clear', 'results', 'export', 'report'] as const, demandOption: true })
        .positional('target', { type: 'string', describe: 'cancel: the JOB id; clear: the UNIT serial' })
        .option('flow', { type: 'string', requiresArg: true, describe: 'submit: flow file (or its name in flows/); report: only runs of this flow (its name)' })
        .option('margin', { type: 'string', requiresArg: true, describe: 'submit: margin profile file (or its name in margins/); report: only runs of this margin (its name)' })
        .option('out', { type: 'string', requiresArg: true, describe: 'report: folder for fleet-report.md and fleet-report.html (default: here)' })
        .option('units', { type: 'string', requiresArg: true, describe: 'submit: unit serials, comma-separated (one job per unit)' })
        .option('units-file', { type: 'string', requiresArg: true, describe: 'submit: file with one unit serial per line' })
        .option('unit', { type: 'string', requiresArg: true, describe: 'cancel: every queued job of this unit' })
        .option('chunk', { type: 'string', requiresArg: true, describe: 'submit: sub-runs per chunk; each chunk is its own job resuming the same run (default: as many as fit in 4 h of step timeouts)' })
        .option('format', { choices: ['csv'] as const, describe: 'export: output format (CSV on stdout)' })
        .option('what', { choices: ['steps', 'boundaries'] as const, describe: 'export: every step (default) or every boundary column' })
        .option('json', jsonOption('the answer')),
      lazy(() => import('./commands/fleet.js')))
    .command('agent', 'Serve this host\'s units from the fleet queue, one job at a time, uploading records (docs/fleet.md)', (y) =>
      dbOptions(y)
        .option('unit', { type: 'string', array: true, requiresArg: true, demandOption: true, describe: 'Serial of a unit attached to this host (repeat for several)' })
        .option('host-id', { type: 'string', requiresArg: true, describe: 'This host\'s id in the fleet (default: the hostname)' })
        .option('workspace', { type: 'string', requiresArg: true, describe: 'The workspace the jobs run in (default: --root, RR_ROOT or here)' })
        .option('heartbeat-ms', { type: 'string', requiresArg: true, describe: 'Heartbeat interval (default 5000; RR_AGENT_HEARTBEAT_MS)' })
        .option('lost-after-ms', { type: 'string', requiresArg: true, describe: 'Silence after which this host counts as lost (default 30000; RR_AGENT_LOST_AFTER_MS)' })
        .option('poll-ms', { type: 'string', requiresArg: true, describe: 'Queue polling interval when idle (default 1000; RR_AGENT_POLL_MS)' }),
      lazy(() => import('./commands/agent.js')))
    .completion('completion', 'Print a shell completion script (bash, zsh): road_runner completion >> ~/.bashrc')
    .demandCommand(1, 'name a command; see road_runner --help')
    .recommendCommands()
    .strict()
    // An option given twice keeps its last value, as in most CLIs (no option takes a list).
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .help()
    .version()
    .wrap(helpWidth(argv))
    .fail((message, error) => {
      // yargs' own YError is a usage mistake (`--seed` with no value); anything else is thrown on.
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(message ?? error?.message ?? 'invalid usage', 'see road_runner --help');
    });
}

function report(error: unknown): ExitCodeValue {
  // Messages quote inputs (file names, YAML lines, record text): control characters neutralised.
  const say = (text: string) => process.stderr.write(`${neutraliseControls(text)}\n`);
  if (error instanceof RrError) {
    say(`road_runner: ${error.message}`);
    if (error.hint) say(`  fix: ${error.hint}`);
    return error.exitCode;
  }
  const io = describeFileSystemError(error);
  if (io !== null) {
    // Not a bug: the disk, the permissions or another process got in the way (rails are restored by then).
    say(`road_runner: ${io}\n  fix: check the disk space and permissions of that folder, then run again (runs list shows what was recorded)`);
    return ExitCode.runtime;
  }
  say(`road_runner: internal error (a bug in road_runner, please report it):\n${(error as Error)?.stack ?? String(error)}`);
  return ExitCode.runtime;
}

// A failed file-system call (ENOSPC, EACCES, ENOENT of a folder removed under a run…) as one line, or null.
function describeFileSystemError(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.syscall !== 'string' || typeof e.path !== 'string') return null;
  return `cannot ${e.syscall} ${e.path}: ${e.code}`;
}

// A closed pipe (`road_runner runs list | head`) or a terminal that hung up (EIO) ends output
// quietly instead of crashing: there is nowhere left to report a failed write to the terminal.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// Signals and our own uncaught errors (src/cli/signals.ts): a guarded run is stopped with its
// rails restored; otherwise the process ends at once with 128 + N (a signal) or 4 (a bug).
const desk = installSignalDesk({
  say: (line) => writeQuietly(process.stderr, line),
  exit: (code) => process.exit(code),
  on: (name, listener) => process.on(name, listener),
});
process.on('uncaughtException', (error) => (isHangUpError(error) ? desk.signal('SIGHUP') : desk.fault(error)));
process.on('unhandledRejection', (reason) => (isHangUpError(reason) ? desk.signal('SIGHUP') : desk.fault(reason)));
process.on('exit', () => {
  // The event loop ran dry while a run was still guarded: something never settled (a bug).
  if (desk.isGuarded()) {
    writeQuietly(process.stderr, 'road_runner: internal error: the run stopped without finishing; its crash journal is kept, so run `road_runner recover` to restore the rails');
    process.exitCode = 4;
  }
  detachHungUpTerminal();
});

try {
  await buildParser(hideBin(process.argv)).parseAsync();
} catch (error) {
  process.exitCode = report(error);
}
