/** A page's heading, also set as the document title ("History – Wikifile Transfer"). */
import Typography from "@mui/material/Typography";
import { useEffect } from "react";
import { useMsg } from "../i18n/useMsg";

export function PageTitle({ children }: { children: string }) {
  const msg = useMsg();
  const app = msg("wft-ui-app-name");
  useEffect(() => {
    document.title = children === app ? app : `${children} – ${app}`;
  }, [children, app]);
  return (
    <Typography variant="h4" component="h1" gutterBottom sx={{ fontSize: { xs: "1.75rem", sm: "2.125rem" } }}>
      {children}
    </Typography>
  );
}
