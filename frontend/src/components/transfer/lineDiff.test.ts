import { describe, expect, it } from "vitest";
import { diffCounts, lineDiff, parseUnified } from "./lineDiff";

describe("lineDiff", () => {
  it("finds added, removed and kept lines", () => {
    const lines = lineDiff("a\nb\nc\nd", "a\nB\nc\nd\ne");
    expect(lines.map((l) => `${l.op}:${l.text}`)).toEqual(["same:a", "remove:b", "add:B", "same:c", "same:d", "add:e"]);
    expect(diffCounts(lines)).toEqual({ added: 2, removed: 1 });
    expect(lines[2]).toMatchObject({ oldLine: null, newLine: 2 });
  });

  it("handles empty texts and equal texts", () => {
    expect(lineDiff("", "x").map((l) => l.op)).toEqual(["add"]);
    expect(lineDiff("x", "").map((l) => l.op)).toEqual(["remove"]);
    expect(diffCounts(lineDiff("same\ntext", "same\ntext"))).toEqual({ added: 0, removed: 0 });
  });

  it("keeps the longest common subsequence", () => {
    const lines = lineDiff("x\na\ny\nb\nz", "a\nq\nb");
    expect(lines.filter((l) => l.op === "same").map((l) => l.text)).toEqual(["a", "b"]);
  });

  it("reads a unified diff", () => {
    const lines = parseUnified("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same");
    expect(lines.map((l) => l.op)).toEqual(["same", "same", "same", "remove", "add", "same"]);
  });
});
