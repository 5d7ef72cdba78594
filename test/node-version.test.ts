// CI runs the suite once per supported Node major (.ci/run); this checks that a leg really
// runs on the node it names: vitest's worker and the `node` a test or fixture starts from PATH.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';

const expected = process.env.RR_EXPECT_NODE_MAJOR;

describe.skipIf(expected === undefined)('the Node this CI leg is for', () => {
  test(`vitest and the node on PATH are Node ${expected}`, () => {
    expect(process.versions.node.split('.')[0]).toBe(expected);
    const onPath = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(onPath.split('.')[0]).toBe(expected);
    expect(onPath).toBe(process.versions.node);
  });
});
