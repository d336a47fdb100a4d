/** Transfer one file (placeholder: the transfer screen is built on top of this shell). */
import Typography from "@mui/material/Typography";
import { useMsg } from "../i18n/useMsg";
import { PageTitle } from "../shell/PageTitle";

export function TransferPage() {
  const msg = useMsg();
  return (
    <>
      <PageTitle>{msg("wft-ui-transfer-title")}</PageTitle>
      <Typography color="text.secondary">{msg("wft-ui-page-coming")}</Typography>
    </>
  );
}
