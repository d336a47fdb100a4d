/**
 * A failed OAuth sign-in comes back as `?signin_error=<key>` on whatever page it started from
 * (web/api/signin.py); this shows that message and takes the parameter out of the address.
 */
import Alert from "@mui/material/Alert";
import { useLocation, useNavigate } from "react-router-dom";
import { useMsg } from "../i18n/useMsg";

const PARAM = "signin_error";
/** Only sign-in error keys are shown: the parameter comes from the address bar, anyone can craft it. */
const KNOWN = /^wft-error-(oauth|signin)-[a-z-]+$/;

export function SignInErrorNotice() {
  const msg = useMsg();
  const location = useLocation();
  const navigate = useNavigate();
  const params = new URLSearchParams(location.search);
  const key = params.get(PARAM);
  if (!key) return null;
  const dismiss = () => {
    params.delete(PARAM);
    const search = params.toString();
    navigate({ pathname: location.pathname, search: search ? `?${search}` : "" }, { replace: true });
  };
  return (
    <Alert severity="error" role="alert" onClose={dismiss} sx={{ mb: 2 }}>
      {KNOWN.test(key) ? msg(key) : msg("wft-error-oauth-failed")}
    </Alert>
  );
}
