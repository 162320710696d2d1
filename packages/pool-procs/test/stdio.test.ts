/** Children's output: whole lines through the parent's streams, nothing lost, and the other modes. */
import { describe, expect, it } from 'vitest';
import { makeLine } from './fixtures/tasks.js';
import { runScript } from './helpers.js';

const CHILD_LINES = 6 * 400;

async function run(mode: string): Promise<{ lines: string[]; stderr: string; code: number | null }> {
  const script = runScript('stdout-parent.ts', [mode]);
  const code = await script.exited;
  return { lines: script.stdout().split('\n'), stderr: script.stderr(), code };
}

/** Counts each `tag|i|...` line, failing on any line that is not exactly what its writer wrote. */
function checkLines(lines: string[]): { counts: Map<string, number[]>; corrupt: string[] } {
  const counts = new Map<string, number[]>();
  const corrupt: string[] = [];
  for (const line of lines) {
    const m = /^([A-Z])\|(\d+)\|/.exec(line);
    if (!m) continue;
    const [, tag, i] = m;
    if (line !== makeLine(tag!, Number(i))) corrupt.push(line.length > 120 ? `${line.slice(0, 120)}…` : line);
    else if (counts.has(tag!)) counts.get(tag!)!.push(Number(i));
    else counts.set(tag!, [Number(i)]);
  }
  return { counts, corrupt };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("stdio: 'lines' (default)", () => {
  it('parent and children writing many lines at once: no line is corrupted or lost; output written before an exit arrives', async () => {
    const { lines, stderr, code } = await run('lines');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { counts, corrupt } = checkLines(lines);
    expect(corrupt).toEqual([]);
    const parentLines = Number(/^parent-lines (\d+)$/m.exec(lines.join('\n'))![1]);
    expect(parentLines).toBeGreaterThanOrEqual(1000);
    expect(counts.get('P')).toEqual(range(parentLines));
    expect([...counts.get('C')!].sort((a, b) => a - b)).toEqual(range(CHILD_LINES));
    // The child that exited right after writing: every line, and its unterminated last line on a line of its own.
    expect(counts.get('X')).toEqual(range(500));
    expect(lines).toContain('X|tail without newline');
    expect(lines).toContain('crashed true 0');
    expect(lines.slice(-2)).toEqual(['END', '']);
  });
});

describe('stdio: other modes', () => {
  it("'inherit': children write to the parent's stdout directly", async () => {
    const { lines, code } = await run('inherit');
    expect(code).toBe(0);
    // Raw: lines may mix, and what a child wrote right before process.exit() may be lost (Node's
    // own behaviour on a full pipe), so only check that the children's output reached our stdout
    // (not at a line start: a child's first line may follow a parent's partial line, seen in CI).
    expect(lines.join('\n')).toMatch(/C\|0\|/);
    expect(lines.join('\n')).toMatch(/END$/m);
  });

  it("'ignore': children's output is discarded", async () => {
    const { lines, stderr, code } = await run('ignore');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const { counts } = checkLines(lines);
    expect(counts.has('C')).toBe(false);
    expect(counts.has('X')).toBe(false);
    expect(counts.get('P')!.length).toBeGreaterThanOrEqual(1000);
    expect(lines.slice(-2)).toEqual(['END', '']);
  });
});
