/**
 * The check report of a dry run: every check with its verdict as an icon, a word and a colour (never
 * colour alone) and the server's explanation in the user's language; blocks first and prominent, then
 * warnings, then passes (folded away).
 */
import Accordion from "@mui/material/Accordion";
import AccordionDetails from "@mui/material/AccordionDetails";
import AccordionSummary from "@mui/material/AccordionSummary";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Box from "@mui/material/Box";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemIcon from "@mui/material/ListItemIcon";
import ListItemText from "@mui/material/ListItemText";
import Typography from "@mui/material/Typography";
import BlockIcon from "@mui/icons-material/Block";
import CheckCircleIcon from "@mui/icons-material/CheckCircle";
import ExpandMoreIcon from "@mui/icons-material/ExpandMore";
import WarningIcon from "@mui/icons-material/Warning";
import { useId } from "react";
import type { CheckOut, CheckResult } from "../../api/transfer";
import { useMsg } from "../../i18n/useMsg";

const ORDER: Record<CheckResult, number> = { block: 0, warn: 1, pass: 2 };

/** Checks grouped block → warn → pass, each group in the order the checks ran. */
export function groupChecks(checks: CheckOut[]): Record<CheckResult, CheckOut[]> {
  const sorted = [...checks].sort((a, b) => ORDER[a.result] - ORDER[b.result]);
  return {
    block: sorted.filter((c) => c.result === "block"),
    warn: sorted.filter((c) => c.result === "warn"),
    pass: sorted.filter((c) => c.result === "pass"),
  };
}

function ResultIcon({ result }: { result: CheckResult }) {
  if (result === "block") return <BlockIcon color="error" aria-hidden="true" />;
  if (result === "warn") return <WarningIcon color="warning" aria-hidden="true" />;
  return <CheckCircleIcon color="success" aria-hidden="true" />;
}

function CheckList({ checks, word }: { checks: CheckOut[]; word: string }) {
  return (
    <List dense disablePadding>
      {checks.map((check) => (
        <ListItem key={check.id} alignItems="flex-start" data-check={check.id} data-result={check.result} disableGutters>
          <ListItemIcon sx={{ minWidth: 36, mt: 0.5 }}>
            <ResultIcon result={check.result} />
          </ListItemIcon>
          <ListItemText
            primary={
              <>
                <Typography component="span" fontWeight="bold">
                  {word}:{" "}
                </Typography>
                {check.message}
              </>
            }
            primaryTypographyProps={{ component: "span" }}
          />
        </ListItem>
      ))}
    </List>
  );
}

export function TransferCheckReport({ checks }: { checks: CheckOut[] }) {
  const msg = useMsg();
  const groups = groupChecks(checks);
  const id = useId();
  return (
    <Box component="section" aria-labelledby={`${id}-heading`} sx={{ my: 2 }}>
      <Typography variant="h6" component="h2" id={`${id}-heading`} gutterBottom>
        {msg("wft-ui-transfer-checks-title")}
      </Typography>
      {groups.block.length > 0 && (
        <Alert severity="error" icon={<BlockIcon />} sx={{ mb: 1 }}>
          <AlertTitle>{msg("wft-ui-transfer-checks-blocked", groups.block.length)}</AlertTitle>
          <CheckList checks={groups.block} word={msg("wft-ui-transfer-check-block")} />
        </Alert>
      )}
      {groups.warn.length > 0 && (
        <Alert severity="warning" icon={<WarningIcon />} sx={{ mb: 1 }}>
          <AlertTitle>{msg("wft-ui-transfer-checks-warnings", groups.warn.length)}</AlertTitle>
          <CheckList checks={groups.warn} word={msg("wft-ui-transfer-check-warn")} />
        </Alert>
      )}
      {groups.block.length === 0 && groups.warn.length === 0 && (
        <Alert severity="success" sx={{ mb: 1 }}>
          {msg("wft-ui-transfer-checks-all-pass")}
        </Alert>
      )}
      {groups.pass.length > 0 && (
        <Accordion disableGutters variant="outlined">
          <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls={`${id}-passed`} id={`${id}-passed-header`}>
            <CheckCircleIcon color="success" aria-hidden="true" sx={{ mr: 1 }} />
            <Typography>{msg("wft-ui-transfer-checks-passed", groups.pass.length)}</Typography>
          </AccordionSummary>
          <AccordionDetails id={`${id}-passed`}>
            <CheckList checks={groups.pass} word={msg("wft-ui-transfer-check-pass")} />
          </AccordionDetails>
        </Accordion>
      )}
    </Box>
  );
}
