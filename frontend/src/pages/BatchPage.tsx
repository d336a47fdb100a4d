/** Batches of files: the form for a new batch (a URL list, a category, a user's uploads or a page's
 * files) and the user's batches below it. A new batch opens at /batch/:id (BatchDetailPage). */
import Divider from "@mui/material/Divider";
import Typography from "@mui/material/Typography";
import { BatchForm } from "../components/batch/BatchForm";
import { BatchList } from "../components/batch/BatchList";
import { useMsg } from "../i18n/useMsg";
import { PageTitle } from "../shell/PageTitle";

export function BatchPage() {
  const msg = useMsg();
  return (
    <>
      <PageTitle>{msg("wft-ui-batch-title")}</PageTitle>
      <Typography sx={{ mb: 3, maxWidth: 720 }}>{msg("wft-ui-batch-intro")}</Typography>
      <BatchForm />
      <Divider sx={{ mb: 3 }} />
      <BatchList />
    </>
  );
}
