/** A batch's state (expanding, planning, planned, running, done, partial…) as a chip with its message:
 * not an item's status word (StatusChip), the states of the whole batch. */
import Chip from "@mui/material/Chip";
import type { ChipProps } from "@mui/material/Chip";
import { useMsg } from "../../i18n/useMsg";

const COLORS: Record<string, ChipProps["color"]> = {
  expanding: "info",
  planning: "info",
  planned: "primary",
  running: "info",
  done: "success",
  partial: "warning",
  failed: "error",
  blocked: "error",
  cancelled: "default",
};

/** The translated name of a batch state (the state itself when unknown). */
export function useBatchStateLabel(): (state: string) => string {
  const msg = useMsg();
  const labels: Record<string, string> = {
    expanding: msg("wft-ui-batch-state-expanding"),
    planning: msg("wft-ui-batch-state-planning"),
    planned: msg("wft-ui-batch-state-planned"),
    running: msg("wft-ui-batch-state-running"),
    done: msg("wft-ui-batch-state-done"),
    partial: msg("wft-ui-batch-state-partial"),
    failed: msg("wft-ui-batch-state-failed"),
    blocked: msg("wft-ui-batch-state-blocked"),
    cancelled: msg("wft-ui-batch-state-cancelled"),
  };
  return (state) => labels[state] ?? state;
}

export function BatchStateChip({ state }: { state: string }) {
  const label = useBatchStateLabel();
  return <Chip size="small" variant="outlined" color={COLORS[state] ?? "default"} label={label(state)} />;
}
