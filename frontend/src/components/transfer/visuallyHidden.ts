import type { CSSProperties } from "react";

/** Read by screen readers, not shown (as MUI's visuallyHidden, without a dependency on @mui/utils). */
export const visuallyHidden: CSSProperties = {
  border: 0,
  clip: "rect(0 0 0 0)",
  height: 1,
  margin: -1,
  overflow: "hidden",
  padding: 0,
  position: "absolute",
  whiteSpace: "nowrap",
  width: 1,
};
