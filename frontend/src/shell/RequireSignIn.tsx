/** Pages whose API calls need a signed-in user: while /me loads, a spinner; nobody signed in, the
 * sign-in screen (which comes back here afterwards). */
import Box from "@mui/material/Box";
import CircularProgress from "@mui/material/CircularProgress";
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { useMe } from "../api/hooks";
import { useMsg } from "../i18n/useMsg";
import { ApiErrorAlert } from "./ApiErrorAlert";

export function Loading() {
  const msg = useMsg();
  return (
    <Box sx={{ display: "flex", justifyContent: "center", py: 6 }}>
      <CircularProgress aria-label={msg("wft-ui-loading")} />
    </Box>
  );
}

export function RequireSignIn({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ApiErrorAlert error={me.error} />;
  if (!me.data.user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${next}`} replace />;
  }
  return <>{children}</>;
}
