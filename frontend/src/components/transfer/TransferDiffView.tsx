/** A line diff shown as a list: every line has a sign (+, −) and a hidden word for screen readers, so
 * the change is not told by colour alone. */
import Box from "@mui/material/Box";
import Typography from "@mui/material/Typography";
import { useMsg } from "../../i18n/useMsg";
import type { DiffLine } from "./lineDiff";
import { visuallyHidden } from "./visuallyHidden";

interface Props {
  lines: DiffLine[];
  label: string;
  /** Unchanged lines kept around each change; the rest is folded. */
  context?: number;
}

export function TransferDiffView({ lines, label, context = 3 }: Props) {
  const msg = useMsg();
  const changed = lines.some((line) => line.op !== "same");
  if (!changed) {
    return <Typography color="text.secondary">{msg("wft-ui-transfer-diff-none")}</Typography>;
  }
  // which lines to show: the changes and `context` lines around them
  const keep = lines.map(() => false);
  lines.forEach((line, index) => {
    if (line.op === "same") return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k += 1) keep[k] = true;
  });
  const rows: Array<DiffLine | { folded: number }> = [];
  let folded = 0;
  lines.forEach((line, index) => {
    if (keep[index]) {
      if (folded) rows.push({ folded });
      folded = 0;
      rows.push(line);
    } else folded += 1;
  });
  if (folded) rows.push({ folded });

  return (
    <Box
      component="ol"
      aria-label={label}
      // scrollable: reachable by keyboard (axe: scrollable-region-focusable)
      tabIndex={0}
      sx={{
        listStyle: "none",
        m: 0,
        p: 0,
        fontFamily: "monospace",
        fontSize: "0.85rem",
        border: 1,
        borderColor: "divider",
        borderRadius: 1,
        overflowX: "auto",
        maxHeight: 480,
        overflowY: "auto",
      }}
    >
      {rows.map((row, index) => {
        if ("folded" in row) {
          return (
            <Box component="li" key={`f${index}`} sx={{ px: 1, color: "text.secondary", fontStyle: "italic" }}>
              {msg("wft-ui-transfer-diff-folded", row.folded)}
            </Box>
          );
        }
        const sign = row.op === "add" ? "+" : row.op === "remove" ? "−" : " ";
        return (
          <Box
            component="li"
            key={index}
            dir="auto"
            sx={{
              px: 1,
              whiteSpace: "pre-wrap",
              wordBreak: "break-word",
              bgcolor: row.op === "add" ? "success.light" : row.op === "remove" ? "error.light" : undefined,
              color: row.op === "same" ? "text.primary" : "common.black",
              textDecoration: row.op === "remove" ? "line-through" : undefined,
            }}
          >
            <span aria-hidden="true">{sign} </span>
            {row.op === "add" && <span style={visuallyHidden}>{msg("wft-ui-transfer-diff-added")} </span>}
            {row.op === "remove" && <span style={visuallyHidden}>{msg("wft-ui-transfer-diff-removed")} </span>}
            {row.text || "\u00a0"}
          </Box>
        );
      })}
    </Box>
  );
}
