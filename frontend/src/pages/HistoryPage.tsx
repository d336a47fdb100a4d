/** Your transfers (placeholder: the history screen is built on top of this shell). */
import Typography from "@mui/material/Typography";
import { useMsg } from "../i18n/useMsg";
import { PageTitle } from "../shell/PageTitle";

export function HistoryPage() {
  const msg = useMsg();
  return (
    <>
      <PageTitle>{msg("wft-ui-history-title")}</PageTitle>
      <Typography color="text.secondary">{msg("wft-ui-page-coming")}</Typography>
    </>
  );
}
