/**
 * The history's statistics: a card per kind of result (each a link that filters the list), and a small
 * bar chart of the transfers per ISO week, drawn with plain boxes (no chart library). Every bar has its
 * numbers in words for screen readers; the chart itself is decoration.
 */
import Box from "@mui/material/Box";
import Card from "@mui/material/Card";
import CardActionArea from "@mui/material/CardActionArea";
import CardContent from "@mui/material/CardContent";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";
import type { StatsOut, WeekOut } from "../../api/history";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { useStatusLabel } from "../StatusChip";

/** Read by screen readers, not shown. */
export const visuallyHidden = {
  border: 0,
  clip: "rect(0 0 0 0)",
  height: "1px",
  margin: "-1px",
  overflow: "hidden",
  padding: 0,
  position: "absolute",
  whiteSpace: "nowrap",
  width: "1px",
} as const;

const WAITING = ["planned", "checked", "ready", "queued", "running", "retry_wait"];
const BAD = ["failed", "blocked"];

function count(counts: Record<string, number>, states: string[]): number {
  return states.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}

interface CardProps {
  label: string;
  value: string;
  note?: string | undefined;
  to?: string | undefined;
  tone?: "success.main" | "error.main" | "text.primary" | "info.main";
}

function StatCard({ label, value, note, to, tone = "text.primary" }: CardProps) {
  const body: ReactNode = (
    <CardContent sx={{ py: 1.5, "&:last-child": { pb: 1.5 } }}>
      <Typography variant="h5" component="p" color={tone} sx={{ fontWeight: 600 }}>
        {value}
      </Typography>
      <Typography variant="body2" component="p">
        {label}
      </Typography>
      {note && (
        <Typography variant="caption" component="p" color="text.secondary">
          {note}
        </Typography>
      )}
    </CardContent>
  );
  return (
    <Card variant="outlined" component="li" sx={{ listStyle: "none" }}>
      {to ? (
        <CardActionArea component={RouterLink} to={to} sx={{ height: "100%" }}>
          {body}
        </CardActionArea>
      ) : (
        body
      )}
    </Card>
  );
}

function WeekChart({ weeks }: { weeks: WeekOut[] }) {
  const msg = useMsg();
  const format = useFormat();
  const status = useStatusLabel();
  const highest = Math.max(1, ...weeks.map((week) => week.total));
  const day = (start: string) => format.date(`${start}T00:00:00Z`, { day: "numeric", month: "short", timeZone: "UTC" });
  return (
    <Box component="figure" sx={{ m: 0 }}>
      <Typography component="figcaption" variant="subtitle1" sx={{ mb: 1 }}>
        {msg("wft-ui-history-weeks-heading")}
      </Typography>
      <Box
        component="ol"
        sx={{ display: "flex", alignItems: "flex-end", gap: { xs: 0.5, sm: 1 }, height: 140, p: 0, m: 0, listStyle: "none" }}
      >
        {weeks.map((week) => {
          const done = week.by_state["done"] ?? 0;
          const bad = count(week.by_state, BAD);
          const other = week.total - done - bad;
          const segment = (n: number, color: string) =>
            n > 0 ? <Box sx={{ height: `${(n / highest) * 100}%`, bgcolor: color, minHeight: 2 }} /> : null;
          return (
            <Box component="li" key={week.week} sx={{ flex: 1, minWidth: 0, height: "100%", display: "flex", flexDirection: "column" }}>
              <Box sx={visuallyHidden}>
                {msg("wft-ui-history-weeks-bar", day(week.start), week.total, done, bad)}
              </Box>
              <Box aria-hidden sx={{ flex: 1, display: "flex", flexDirection: "column", justifyContent: "flex-end" }}>
                {week.total > 0 && (
                  <Typography variant="caption" sx={{ textAlign: "center", lineHeight: 1.2 }}>
                    {format.number(week.total)}
                  </Typography>
                )}
                {segment(other, "grey.500")}
                {segment(bad, "error.main")}
                {segment(done, "success.main")}
              </Box>
            </Box>
          );
        })}
      </Box>
      <Box aria-hidden sx={{ display: "flex", gap: { xs: 0.5, sm: 1 }, borderTop: 1, borderColor: "divider", pt: 0.5 }}>
        {weeks.map((week, index) => (
          <Typography
            key={week.week}
            variant="caption"
            color="text.secondary"
            sx={{
              flex: 1,
              minWidth: 0,
              whiteSpace: "nowrap",
              display: "flex",
              // the last label ends under its bar (a flex item overflows to the start side)
              justifyContent: index === weeks.length - 1 ? "flex-end" : "center",
            }}
          >
            {index % 4 === 0 || (index === weeks.length - 1 && index % 4 > 1) ? day(week.start) : ""}
          </Typography>
        ))}
      </Box>
      <Box component="ul" sx={{ display: "flex", flexWrap: "wrap", gap: 2, p: 0, mt: 1, mb: 0, listStyle: "none" }}>
        {(
          [
            ["success.main", status("done")],
            ["error.main", msg("wft-ui-history-weeks-bad")],
            ["grey.500", msg("wft-ui-history-weeks-other")],
          ] as const
        ).map(([color, label]) => (
          <Box component="li" key={color} sx={{ display: "flex", alignItems: "center", gap: 0.5 }}>
            <Box aria-hidden sx={{ width: 12, height: 12, bgcolor: color }} />
            <Typography variant="caption">{label}</Typography>
          </Box>
        ))}
      </Box>
    </Box>
  );
}

interface Props {
  stats: StatsOut | undefined;
  error: unknown;
}

export function HistoryStats({ stats, error }: Props) {
  const msg = useMsg();
  const format = useFormat();
  const status = useStatusLabel();
  if (error) return <ApiErrorAlert error={error} title={msg("wft-ui-history-stats-error")} />;
  if (!stats) return null;
  const n = (value: number) => format.number(value);
  const alreadyDone = stats.by_status["already_done"] ?? 0;
  return (
    <Box component="section" aria-labelledby="history-stats-heading" sx={{ mb: 3 }}>
      <Typography id="history-stats-heading" variant="h6" component="h2" gutterBottom>
        {msg("wft-ui-history-stats-heading")}
      </Typography>
      <Box
        component="ul"
        sx={{
          display: "grid",
          gap: 1,
          gridTemplateColumns: { xs: "repeat(2, 1fr)", sm: "repeat(3, 1fr)", md: "repeat(6, 1fr)" },
          p: 0,
          m: 0,
          mb: 2,
        }}
      >
        <StatCard label={msg("wft-ui-history-stats-total")} value={n(stats.total)} to="/history" />
        <StatCard
          label={status("done")}
          value={n(stats.by_state["done"] ?? 0)}
          note={alreadyDone ? msg("wft-ui-history-stats-already-done", alreadyDone) : undefined}
          to="/history?state=done"
          tone="success.main"
        />
        <StatCard label={status("failed")} value={n(stats.by_state["failed"] ?? 0)} to="/history?state=failed" tone="error.main" />
        <StatCard label={status("blocked")} value={n(stats.by_state["blocked"] ?? 0)} to="/history?state=blocked" tone="error.main" />
        <StatCard label={status("cancelled")} value={n(stats.by_state["cancelled"] ?? 0)} to="/history?state=cancelled" />
        <StatCard label={msg("wft-ui-history-stats-waiting")} value={n(count(stats.by_state, WAITING))} tone="info.main" />
      </Box>
      {stats.weeks.length > 0 && <WeekChart weeks={stats.weeks} />}
    </Box>
  );
}
