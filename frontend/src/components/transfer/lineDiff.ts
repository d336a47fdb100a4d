/**
 * A small line diff (longest common subsequence) for the description page: source text against the
 * target text the user may be editing, so the diff follows every keystroke without asking the server.
 */

export type DiffOp = "same" | "add" | "remove";

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** 1-based line numbers in the old and the new text (null where the line is not there). */
  oldLine: number | null;
  newLine: number | null;
}

/** Cells of the LCS table above which the middle part is shown as removed + added (no freeze). */
export const MAX_CELLS = 4_000_000;

export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const a = oldText === "" ? [] : oldText.split("\n");
  const b = newText === "" ? [] : newText.split("\n");
  // the common head and tail cost nothing; only the middle needs the table
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) {
    tail += 1;
  }
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const out: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  const same = (text: string) => out.push({ op: "same", text, oldLine: ++oldNo, newLine: ++newNo });
  const remove = (text: string) => out.push({ op: "remove", text, oldLine: ++oldNo, newLine: null });
  const add = (text: string) => out.push({ op: "add", text, oldLine: null, newLine: ++newNo });

  a.slice(0, head).forEach(same);
  const n = midA.length;
  const m = midB.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    midA.forEach(remove);
    midB.forEach(add);
  } else {
    // lengths[i][j] = LCS of midA[i..] and midB[j..], in one flat array
    const width = m + 1;
    const lengths = new Uint32Array((n + 1) * width);
    const cell = (i: number, j: number) => lengths[i * width + j] ?? 0;
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lengths[i * width + j] = midA[i] === midB[j] ? cell(i + 1, j + 1) + 1 : Math.max(cell(i + 1, j), cell(i, j + 1));
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      const left = midA[i] ?? "";
      const right = midB[j] ?? "";
      if (left === right) {
        same(left);
        i += 1;
        j += 1;
      } else if (cell(i + 1, j) >= cell(i, j + 1)) {
        remove(left);
        i += 1;
      } else {
        add(right);
        j += 1;
      }
    }
    midA.slice(i).forEach(remove);
    midB.slice(j).forEach(add);
  }
  a.slice(a.length - tail).forEach(same);
  return out;
}

/** How many lines were added and removed. */
export function diffCounts(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.op === "add") added += 1;
    else if (line.op === "remove") removed += 1;
  }
  return { added, removed };
}

/** A unified diff (as the API sends for follow-ups) as lines to show; headers (`---`, `+++`, `@@`) kept as context. */
export function parseUnified(diff: string): DiffLine[] {
  return diff
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("@@")) {
        return { op: "same" as const, text: line, oldLine: null, newLine: null };
      }
      if (line.startsWith("+")) return { op: "add" as const, text: line.slice(1), oldLine: null, newLine: null };
      if (line.startsWith("-")) return { op: "remove" as const, text: line.slice(1), oldLine: null, newLine: null };
      return { op: "same" as const, text: line.startsWith(" ") ? line.slice(1) : line, oldLine: null, newLine: null };
    });
}
