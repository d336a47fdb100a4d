/**
 * Sign in: with a Wikimedia account (OAuth 2, a full-page trip through Meta that returns to `next`) and,
 * when the server allows it, with a bot password. Signed in, it shows the stored sign-ins and lets the
 * user add a bot password for another wiki.
 */
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Divider from "@mui/material/Divider";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Paper from "@mui/material/Paper";
import Typography from "@mui/material/Typography";
import { Link as RouterLink, useNavigate, useSearchParams } from "react-router-dom";
import { useMe, useOAuthStartUrl } from "../api/hooks";
import type { Me } from "../api/types";
import { useMsg } from "../i18n/useMsg";
import { safeNext } from "../routes";
import { ApiErrorAlert } from "../shell/ApiErrorAlert";
import { PageTitle } from "../shell/PageTitle";
import { Loading } from "../shell/RequireSignIn";
import { BotPasswordForm } from "./BotPasswordForm";

export function SignInPage() {
  const msg = useMsg();
  const me = useMe();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));

  if (me.isPending) return <Loading />;
  if (me.isError) return <ApiErrorAlert error={me.error} />;
  return (
    <>
      <PageTitle>{msg("wft-ui-signin-title")}</PageTitle>
      {me.data.user ? <SignedInView me={me.data} next={next} /> : <SignInOptions me={me.data} next={next} />}
    </>
  );
}

function SignInOptions({ me, next }: { me: Me; next: string }) {
  const msg = useMsg();
  const navigate = useNavigate();
  const oauthUrl = useOAuthStartUrl(next);
  const { oauth, bot_password: botPassword } = me.sign_in;
  if (!oauth && !botPassword) return <Alert severity="warning">{msg("wft-ui-signin-none")}</Alert>;
  return (
    <>
      <Typography sx={{ mb: 3 }}>{msg("wft-ui-signin-intro")}</Typography>
      {oauth && (
        <Paper variant="outlined" sx={{ p: 2, mb: 3 }}>
          <Button variant="contained" size="large" href={oauthUrl}>
            {msg("wft-ui-signin-wikimedia")}
          </Button>
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            {msg("wft-ui-signin-wikimedia-help")}
          </Typography>
        </Paper>
      )}
      {botPassword && (
        <Paper variant="outlined" sx={{ p: 2 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            {msg("wft-ui-signin-botpassword-title")}
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            {msg("wft-ui-signin-botpassword-help")}
          </Typography>
          <BotPasswordForm mode="signin" onSignedIn={() => navigate(next, { replace: true })} />
        </Paper>
      )}
    </>
  );
}

function SignedInView({ me, next }: { me: Me; next: string }) {
  const msg = useMsg();
  const user = me.user!;
  return (
    <>
      <Typography sx={{ mb: 2 }}>{msg("wft-ui-signin-signed-in", user.username)}</Typography>
      <Typography variant="h6" component="h2">
        {msg("wft-ui-signin-accounts", me.accounts.length)}
      </Typography>
      <List dense>
        {me.accounts.map((account) => (
          <ListItem key={`${account.kind}:${account.wiki}:${account.account}`}>
            <ListItemText
              primary={account.account}
              secondary={account.wiki === "*" ? msg("wft-ui-signin-account-all-wikis") : account.wiki}
            />
          </ListItem>
        ))}
      </List>
      <Button variant="contained" component={RouterLink} to={next} sx={{ mb: 3 }}>
        {msg("wft-ui-signin-continue")}
      </Button>
      {me.sign_in.bot_password && (
        <>
          <Divider sx={{ mb: 3 }} />
          <Typography variant="h6" component="h2" gutterBottom>
            {msg("wft-ui-signin-add-title")}
          </Typography>
          <BotPasswordForm mode="add" />
        </>
      )}
    </>
  );
}
