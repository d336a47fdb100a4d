/** The signed-in user's menu (name, settings, sign out, sign out and forget), or a sign-in button. */
import AccountCircle from "@mui/icons-material/AccountCircle";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";
import Divider from "@mui/material/Divider";
import ListItemText from "@mui/material/ListItemText";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import { useId, useState } from "react";
import { Link as RouterLink, useLocation, useNavigate } from "react-router-dom";
import { useMe, useSignOut } from "../api/hooks";
import { useMsg } from "../i18n/useMsg";
import { ApiErrorAlert } from "./ApiErrorAlert";

export function UserMenu() {
  const msg = useMsg();
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const location = useLocation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [confirmForget, setConfirmForget] = useState(false);
  const menuId = useId();
  const dialogTitleId = useId();
  const user = me.data?.user;

  const leave = (forget: boolean) =>
    signOut.mutate(
      { forget },
      {
        onSuccess: () => {
          setConfirmForget(false);
          navigate("/");
        },
      },
    );

  if (!user) {
    if (location.pathname === "/signin" || me.isPending) return null;
    const next = encodeURIComponent(location.pathname + location.search);
    return (
      <Button color="inherit" component={RouterLink} to={`/signin?next=${next}`}>
        {msg("wft-ui-sign-in")}
      </Button>
    );
  }
  return (
    <>
      <Button
        color="inherit"
        startIcon={<AccountCircle />}
        aria-label={msg("wft-ui-user-menu", user.username)}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? "true" : undefined}
        onClick={(event) => setAnchor(event.currentTarget)}
        sx={{ textTransform: "none", maxWidth: 240, minWidth: 0 }}
      >
        <Box
          component="span"
          sx={{ display: { xs: "none", sm: "inline" }, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}
        >
          {user.username}
        </Box>
      </Button>
      <Menu id={menuId} anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        <MenuItem disabled>
          <ListItemText primary={msg("wft-ui-user-signed-in-as", user.username)} secondary={user.domain} />
        </MenuItem>
        <Divider />
        <MenuItem component={RouterLink} to="/settings" onClick={() => setAnchor(null)}>
          {msg("wft-ui-nav-settings")}
        </MenuItem>
        <MenuItem
          onClick={() => {
            setAnchor(null);
            leave(false);
          }}
        >
          {msg("wft-ui-sign-out")}
        </MenuItem>
        <MenuItem
          onClick={() => {
            setAnchor(null);
            setConfirmForget(true);
          }}
        >
          {msg("wft-ui-sign-out-forget")}
        </MenuItem>
      </Menu>
      <Dialog open={confirmForget} onClose={() => setConfirmForget(false)} aria-labelledby={dialogTitleId}>
        <DialogTitle id={dialogTitleId}>{msg("wft-ui-sign-out-forget")}</DialogTitle>
        <DialogContent>
          <DialogContentText>{msg("wft-ui-sign-out-forget-text")}</DialogContentText>
          {signOut.isError && <ApiErrorAlert error={signOut.error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirmForget(false)}>{msg("wft-ui-cancel")}</Button>
          <Button color="error" variant="contained" disabled={signOut.isPending} onClick={() => leave(true)}>
            {msg("wft-ui-sign-out-forget-confirm")}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
