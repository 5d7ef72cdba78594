#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof): the top functions by self time, and self time
// per file (node_modules packages grouped), so docs/performance.md can say where time goes.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/cli/main.js plan ...
//   node bench/profile.mjs /tmp/prof/CPU.*.cpuprofile [--top 15]

import { readFileSync } from 'node:fs';

/** Self time in ms per function and per file, from a parsed .cpuprofile. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const functions = new Map();
  const files = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id).callFrame;
    totalUs += us;
    const file = shortenUrl(frame.url);
    const fn = `${frame.functionName || '(anonymous)'}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const group = groupOf(file, frame.functionName);
    files.set(group, (files.get(group) ?? 0) + us);
  }
  const toList = (map) => [...map].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, functions: toList(functions), files: toList(files) };
}

function shortenUrl(url) {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) return path.slice(nm + 1);
  const dist = path.indexOf('/dist/');
  return dist !== -1 ? path.slice(dist + 1) : path;
}

// node_modules/<pkg>/… → the package; dist/… → the file; V8/Node internals by name.
function groupOf(file, functionName) {
  if (file.startsWith('node_modules/')) {
    const parts = file.split('/');
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  if (file === '') return `(${functionName || 'native'})`;
  return file.startsWith('node:') ? 'node internals' : file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 15 : Number(args[topAt + 1]);
  const files = args.filter((a, i) => a !== '--top' && i !== topAt + 1);
  for (const file of files) {
    const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')));
    console.log(`${file}: ${s.totalMs.toFixed(0)} ms sampled`);
    console.log('  self ms   %     function');
    for (const f of s.functions.slice(0, top)) console.log(`  ${f.ms.toFixed(1).padStart(7)} ${((100 * f.ms) / s.totalMs).toFixed(1).padStart(5)}  ${f.name}`);
    console.log('  self ms   %     file / package');
    for (const f of s.files.slice(0, top)) console.log(`  ${f.ms.toFixed(1).padStart(7)} ${((100 * f.ms) / s.totalMs).toFixed(1).padStart(5)}  ${f.name}`);
  }
}
