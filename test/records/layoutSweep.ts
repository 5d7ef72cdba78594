// The tiny sweep behind the earlier-layout fixture in test/fixtures/runs/: two vcore points,
// a repeated step (two expansions), a step that fails below 950 mV with a reason on stderr,
// and a step after it that is skipped when it fails (on_fail: stop). The fixture was recorded
// with this workspace by road_runner before the SPEC §5.3 anatomy; tests run the same sweep
// again to compare a run in the current layout with it.

import { createWorkspace, type TestWorkspace } from '../run/workspace.js';


/** A workspace with the flow `tiny` and the margin `tiny`. */
export function createLayoutSweep(): TestWorkspace {
  return createWorkspace({
    scripts: {
      'edge-check': [
        '#!/bin/sh',
        '# Fails below 950 mV: exit 2 with the reason on stderr.',
        'echo "edge-check at ${RR_MARGIN_VCORE_MV} mV"',
        'if [ "${RR_MARGIN_VCORE_MV}" -lt 950 ]; then',
        '  echo "MISCOMPARE at 0x1f00: expected 0xa5 got 0x25" >&2',
        '  echo "edge-check: 1 error" >&2',
        '  exit 2',
        'fi',
        'echo "gflops=9.5"',
        'exit 0',
        '',
      ].join('\n'),
    },
    adapters: {
      'edge-check': { executable: 'edge-check', timeout_s: 30, metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } } },
    },
    flows: {
      tiny: {
        steps: [
          { id: 'smoke', adapter: 'pass', repeat: 2 },
          { id: 'edge', adapter: 'edge-check', on_fail: 'stop' },
          { id: 'after', adapter: 'pass' },
        ],
      },
    },
    margins: {
      tiny: { global_seed: 11, targets: { default: { vcore_mv: { values: [900, 950] }, freq_mhz: { fixed: 2000 } } } },
    },
  });
}
