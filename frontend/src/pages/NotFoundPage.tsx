/** A client route that does not exist. */
import Button from "@mui/material/Button";
import Typography from "@mui/material/Typography";
import { Link as RouterLink } from "react-router-dom";
import { useMsg } from "../i18n/useMsg";
import { PageTitle } from "../shell/PageTitle";

export function NotFoundPage() {
  const msg = useMsg();
  return (
    <>
      <PageTitle>{msg("wft-ui-notfound-title")}</PageTitle>
      <Typography sx={{ mb: 2 }}>{msg("wft-ui-notfound-text")}</Typography>
      <Button variant="outlined" component={RouterLink} to="/">
        {msg("wft-ui-notfound-home")}
      </Button>
    </>
  );
}
