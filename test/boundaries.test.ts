// Layering rules of STYLE.md, checked on the source text: a forbidden import fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listSources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []);
}

const files = listSources(srcDir).map((abs) => ({ rel: path.relative(srcDir, abs).split(path.sep).join('/'), text: readFileSync(abs, 'utf8') }));

/** Static `import … from 'x'` specifiers (type-only imports excluded: they vanish at run time). */
function staticImports(text: string): string[] {
  return [...text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

/** Every module specifier, static or dynamic. */
function allImports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)].map((m) => m[1]!);
}

describe('module boundaries', () => {
  test('execa is imported only under src/execute/', () => {
    const offenders = files.filter((f) => allImports(f.text).includes('execa') && !f.rel.startsWith('execute/'));
    expect(offenders.map((f) => f.rel)).toEqual([]);
    expect(files.some((f) => f.rel.startsWith('execute/') && allImports(f.text).includes('execa'))).toBe(true);
  });

  test('systeminformation is imported only by records/sysinfo.ts', () => {
    const users = files.filter((f) => allImports(f.text).includes('systeminformation')).map((f) => f.rel);
    expect(users).toEqual(['records/sysinfo.ts']);
  });

  test('config, plan and safety do no I/O (the build step that writes generated code aside)', () => {
    const offenders = files.filter((f) => /^(config|plan|safety)\//.test(f.rel) && !['config/generateValidators.ts', 'config/writeSchemaFiles.ts'].includes(f.rel))
      .filter((f) => allImports(f.text).some((spec) => io.includes(spec)));
    expect(offenders.map((f) => f.rel)).toEqual([]);
  });

  const io = ['node:fs', 'node:fs/promises', 'node:child_process', 'execa', 'node:net'];
  const relImports = (f: { rel: string; text: string }) => allImports(f.text).filter((spec) => spec.startsWith('.'))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(f.rel), spec)));

  // The search engine decides probes from plain data; only the modules that drive a run or write
  // boundary.json touch files or the executor (SPEC §10, docs/search.md).
  const searchDrivers = ['search/searchScheduler.ts', 'search/searchRun.ts', 'search/boundaryRecord.ts'];

  test('the search engine is pure: no I/O and no reach into execute/ or records/', () => {
    const engine = files.filter((f) => f.rel.startsWith('search/') && !searchDrivers.includes(f.rel));
    expect(engine.map((f) => f.rel)).toContain('search/engine.ts');
    const offenders = engine.flatMap((f) => [
      ...allImports(f.text).filter((spec) => io.includes(spec)),
      ...relImports(f).filter((target) => /^(execute|records|cli)\//.test(target)),
    ].map((spec) => `${f.rel} → ${spec}`));
    expect(offenders).toEqual([]);
  });

  test('the search drivers are reached only from the CLI and the run session', () => {
    const offenders = files.filter((f) => !/^(cli|search)\//.test(f.rel) && f.rel !== 'execute/runSession.ts')
      .filter((f) => relImports(f).some((target) => searchDrivers.includes(target.replace(/\.js$/, '.ts'))))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
  });

  test('health: only the counter readers touch files; the verdict and the kernel-log parser are pure', () => {
    const readers = ['health/edacCounts.ts', 'health/kmsgReader.ts'];
    const offenders = files.filter((f) => f.rel.startsWith('health/') && !readers.includes(f.rel))
      .filter((f) => allImports(f.text).some((spec) => io.includes(spec)))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
    expect(files.filter((f) => f.rel.startsWith('health/') && allImports(f.text).includes('node:fs')).map((f) => f.rel).sort()).toEqual(readers);
  });

  test('the HTTP library (hono, @hono/node-server) is imported only under src/serve/', () => {
    const isHttp = (spec: string) => spec === 'hono' || spec.startsWith('hono/') || spec.startsWith('@hono/');
    const offenders = files.filter((f) => allImports(f.text).some(isHttp) && !f.rel.startsWith('serve/'));
    expect(offenders.map((f) => f.rel)).toEqual([]);
    expect(files.some((f) => f.rel.startsWith('serve/') && allImports(f.text).some(isHttp))).toBe(true);
  });

  test('pg and pg-boss are loaded only by src/fleet/, and only there through import() or inside fleet modules', () => {
    // Type-only imports vanish at run time; anything else that loads the database client lives in fleet/.
    const runtime = (text: string) => [...staticImports(text), ...[...text.matchAll(/import\(\s*'([^']+)'/g)].map((m) => m[1]!)];
    const offenders = files.filter((f) => runtime(f.text).some((spec) => spec === 'pg' || spec === 'pg-boss') && !f.rel.startsWith('fleet/'));
    expect(offenders.map((f) => f.rel)).toEqual([]);
    expect(files.some((f) => f.rel.startsWith('fleet/') && runtime(f.text).includes('pg-boss'))).toBe(true);
  });

  test('serve/ reaches the fleet database only through import() in fleetView.ts (pg only with --db)', () => {
    const runtime = (text: string) => [...staticImports(text), ...[...text.matchAll(/import\(\s*'([^']+)'/g)].map((m) => m[1]!)];
    const fleetUsers = files.filter((f) => f.rel.startsWith('serve/') && runtime(f.text).some((spec) => /\/fleet\/(?!connection\.js|fleetReport\.js)/.test(spec) || spec.endsWith('/fleetView.js')));
    // server.ts opens fleetView.ts with import(); fleetView.ts opens the fleet's db and queries with import().
    expect(fleetUsers.map((f) => f.rel).sort()).toEqual(['serve/fleetView.ts', 'serve/server.ts']);
    for (const f of fleetUsers) expect(staticImports(f.text).filter((spec) => spec.includes('/fleet/') || spec.endsWith('/fleetView.js')), f.rel).toEqual([]);
  });

  test('fleet/ does not reach into cli/ (the CLI wires the run pipeline into the agent)', () => {
    const offenders = files.filter((f) => f.rel.startsWith('fleet/') && allImports(f.text).some((spec) => spec.includes('/cli/')));
    expect(offenders.map((f) => f.rel)).toEqual([]);
  });


  const heavy = ['systeminformation', 'nunjucks', 'inquirer', 'execa', 'ajv/dist/2020.js', 'cli-progress', 'playwright-core',
    'tar', 'pg', 'pg-boss', 'hono', 'hono/cookie', 'hono/secure-headers', 'hono/streaming', '@hono/node-server'];

  // The heavy modules a module reaches through static imports (dynamic import() is the way out).
  function reachHeavy(start: string): { seen: Set<string>; reached: string[] } {
    const byRel = new Map(files.map((f) => [f.rel, f]));
    const seen = new Set<string>();
    const reached: string[] = [];
    const visit = (rel: string) => {
      if (seen.has(rel)) return;
      seen.add(rel);
      const file = byRel.get(rel);
      if (!file) throw new Error(`import of a missing module ${rel}`);
      for (const spec of staticImports(file.text)) {
        if (spec.startsWith('.')) visit(path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts'));
        else if (heavy.includes(spec)) reached.push(`${rel} → ${spec}`);
      }
    };
    visit(start);
    return { seen, reached };
  }

  test('start-up loads no heavy module: nothing main.ts imports statically reaches one', () => {
    const { seen, reached } = reachHeavy('cli/main.ts');
    expect(seen.has('cli/context.ts')).toBe(true);
    expect(reached).toEqual([]);
  });

  test.each(['init', 'plan', 'validate', 'listFlows', 'margins', 'schema', 'detect', 'policyShow', 'runs', 'diff', 'clean', 'bundle', 'replay', 'serve', 'fleet', 'agent'])(
    'the %s command reaches no heavy module statically', (name) => {
      const { seen, reached } = reachHeavy(`cli/commands/${name}.ts`);
      expect(seen.size).toBeGreaterThan(1);
      expect(reached).toEqual([]);
    });

  test('tar is imported only under src/bundle/, and only with import(); bundle/ does not reach into cli/', () => {
    const tarUsers = files.filter((f) => allImports(f.text).includes('tar')).map((f) => f.rel);
    expect(tarUsers.length).toBeGreaterThan(0);
    expect(tarUsers.filter((rel) => !rel.startsWith('bundle/'))).toEqual([]);
    expect(files.filter((f) => staticImports(f.text).includes('tar')).map((f) => f.rel)).toEqual([]);
    const intoCli = files.filter((f) => f.rel.startsWith('bundle/') && allImports(f.text).some((spec) => spec.includes('/cli/')));
    expect(intoCli.map((f) => f.rel)).toEqual([]);
  });

  test('the check sees a heavy module when one is imported statically', () => {
    // Some module must import a heavy one statically (e.g. the template engine), or this check could not fail.
    const direct = files.find((f) => staticImports(f.text).some((spec) => heavy.includes(spec)));
    expect(direct?.rel).toBeDefined();
    expect(reachHeavy(direct!.rel).reached.length).toBeGreaterThan(0);
  });
});
