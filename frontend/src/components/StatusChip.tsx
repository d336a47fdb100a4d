/**
 * One item's status as a chip: the same status words as the API and the CLI's `--json`
 * (docs/web-api.md), each with its colour, icon and message. Batch table, history and the transfer
 * screen all use this, so a status looks and reads the same everywhere.
 */
import Chip from "@mui/material/Chip";
import type { ChipProps } from "@mui/material/Chip";
import CheckCircleIcon from "@mui/icons-material/CheckCircle";
import BlockIcon from "@mui/icons-material/Block";
import ErrorIcon from "@mui/icons-material/Error";
import WarningIcon from "@mui/icons-material/Warning";
import HourglassEmptyIcon from "@mui/icons-material/HourglassEmpty";
import SyncIcon from "@mui/icons-material/Sync";
import RemoveCircleOutlineIcon from "@mui/icons-material/RemoveCircleOutline";
import type { ReactElement } from "react";
import { useMsg } from "../i18n/useMsg";

export const STATUS_WORDS = [
  "done",
  "already_done",
  "blocked",
  "failed",
  "cancelled",
  "excluded",
  "ready",
  "warn",
  "planned",
  "queued",
  "running",
  "retry_wait",
] as const;

export type StatusWord = (typeof STATUS_WORDS)[number];

interface Look {
  color: ChipProps["color"];
  icon: ReactElement;
}

const LOOKS: Record<StatusWord, Look> = {
  done: { color: "success", icon: <CheckCircleIcon /> },
  already_done: { color: "success", icon: <CheckCircleIcon /> },
  blocked: { color: "error", icon: <BlockIcon /> },
  failed: { color: "error", icon: <ErrorIcon /> },
  cancelled: { color: "default", icon: <RemoveCircleOutlineIcon /> },
  excluded: { color: "default", icon: <RemoveCircleOutlineIcon /> },
  ready: { color: "success", icon: <CheckCircleIcon /> },
  warn: { color: "warning", icon: <WarningIcon /> },
  planned: { color: "default", icon: <HourglassEmptyIcon /> },
  queued: { color: "info", icon: <HourglassEmptyIcon /> },
  running: { color: "info", icon: <SyncIcon /> },
  retry_wait: { color: "warning", icon: <HourglassEmptyIcon /> },
};

export function isStatusWord(value: string): value is StatusWord {
  return (STATUS_WORDS as readonly string[]).includes(value);
}

/** The translated name of a status word (for chips, filters and table headers). */
export function useStatusLabel(): (status: StatusWord) => string {
  const msg = useMsg();
  // Literal keys, one per word: tests/unit/test_frontend_messages.py checks each has a message.
  const labels: Record<StatusWord, string> = {
    done: msg("wft-ui-status-done"),
    already_done: msg("wft-ui-status-already-done"),
    blocked: msg("wft-ui-status-blocked"),
    failed: msg("wft-ui-status-failed"),
    cancelled: msg("wft-ui-status-cancelled"),
    excluded: msg("wft-ui-status-excluded"),
    ready: msg("wft-ui-status-ready"),
    warn: msg("wft-ui-status-warn"),
    planned: msg("wft-ui-status-planned"),
    queued: msg("wft-ui-status-queued"),
    running: msg("wft-ui-status-running"),
    retry_wait: msg("wft-ui-status-retry-wait"),
  };
  return (status) => labels[status];
}

export function StatusChip({ status, size = "small" }: { status: string; size?: ChipProps["size"] }) {
  const label = useStatusLabel();
  if (!isStatusWord(status)) return <Chip size={size} label={status} variant="outlined" />;
  const look = LOOKS[status];
  return <Chip size={size} color={look.color} icon={look.icon} label={label(status)} variant="outlined" />;
}
