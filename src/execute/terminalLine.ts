// Progress output written for a terminal (memtester's "\b" spinner, "\r" progress counters)
// reads as garbage when captured. These functions replay the cursor moves and give the text
// a person watching the terminal would have seen on that line.

interface TerminalLine {
  cells: string[];
  cursor: number;
}

/** Text left visible after replaying '\b' (one column back) and '\r' (column 0); trailing blanks trimmed. */
export function renderTerminalLine(raw: string): string {
  if (!hasCursorMoves(raw)) return raw;
  return replayCursorMoves(raw).cells.join('').trimEnd();
}

/**
 * Shortens a partial line without changing how the rest of it will render: the visible text,
 * then enough '\b' to put the cursor back where it was.
 */
export function compactTerminalLine(raw: string): string {
  if (!hasCursorMoves(raw)) return raw;
  const { cells, cursor } = replayCursorMoves(raw);
  return cells.join('') + '\b'.repeat(cells.length - cursor);
}

function hasCursorMoves(raw: string): boolean {
  return raw.includes('\b') || raw.includes('\r');
}

function replayCursorMoves(raw: string): TerminalLine {
  const cells: string[] = [];
  let cursor = 0;
  for (const char of raw) {
    if (char === '\b') {
      if (cursor > 0) cursor -= 1;
    } else if (char === '\r') {
      cursor = 0;
    } else {
      cells[cursor] = char;
      cursor += 1;
    }
  }
  return { cells, cursor };
}
