/** Batches of files (placeholder: the batch screen is built on top of this shell). */
import Typography from "@mui/material/Typography";
import { useMsg } from "../i18n/useMsg";
import { PageTitle } from "../shell/PageTitle";

export function BatchPage() {
  const msg = useMsg();
  return (
    <>
      <PageTitle>{msg("wft-ui-batch-title")}</PageTitle>
      <Typography color="text.secondary">{msg("wft-ui-page-coming")}</Typography>
    </>
  );
}
