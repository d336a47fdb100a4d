/** The start page: what the tool does, and the way in. */
import Button from "@mui/material/Button";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { Link as RouterLink } from "react-router-dom";
import { useMsg } from "../i18n/useMsg";
import { PageTitle } from "../shell/PageTitle";

export function HomePage() {
  const msg = useMsg();
  return (
    <>
      <PageTitle>{msg("wft-ui-home-title")}</PageTitle>
      <Typography sx={{ mb: 3 }}>{msg("wft-ui-home-intro")}</Typography>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <Button variant="contained" component={RouterLink} to="/transfer">
          {msg("wft-ui-home-transfer")}
        </Button>
        <Button variant="outlined" component={RouterLink} to="/batch">
          {msg("wft-ui-home-batch")}
        </Button>
      </Stack>
    </>
  );
}
