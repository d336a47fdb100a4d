/**
 * Sign in with a bot password of a wiki (Special:BotPasswords): wiki, Name@appid, password, posted to
 * POST /auth/botpassword. Signed in already, the same form adds that wiki's bot password to the user.
 */
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import { useState, type FormEvent } from "react";
import { useBotPasswordSignIn } from "../api/hooks";
import type { SignedIn } from "../api/types";
import { useMsg } from "../i18n/useMsg";
import { ApiErrorAlert } from "../shell/ApiErrorAlert";

interface Props {
  /** `add`: a signed-in user adds a wiki (the button says so). */
  mode: "signin" | "add";
  onSignedIn?: (result: SignedIn) => void;
}

export function BotPasswordForm({ mode, onSignedIn }: Props) {
  const msg = useMsg();
  const signIn = useBotPasswordSignIn();
  const [wiki, setWiki] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // mutateAsync, not mutate's callbacks: a sign-in refetches /me, and the page may swap this form for
    // the signed-in view before mutate's onSuccess would run (it never runs for an unmounted form).
    signIn.mutateAsync({ wiki: wiki.trim(), username: username.trim(), password }).then(
      (result) => {
        setPassword("");
        onSignedIn?.(result);
      },
      () => undefined, // shown from signIn.error below
    );
  };

  return (
    <Stack component="form" spacing={2} onSubmit={submit} noValidate={false}>
      <TextField
        label={msg("wft-ui-signin-wiki")}
        helperText={msg("wft-ui-signin-wiki-help")}
        value={wiki}
        onChange={(event) => setWiki(event.target.value)}
        required
        fullWidth
        autoComplete="url"
        inputProps={{ maxLength: 1000, spellCheck: false }}
      />
      <TextField
        label={msg("wft-ui-signin-username")}
        helperText={msg("wft-ui-signin-username-help")}
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        required
        fullWidth
        autoComplete="username"
        inputProps={{ maxLength: 255, spellCheck: false }}
      />
      <TextField
        label={msg("wft-ui-signin-password")}
        type="password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        required
        fullWidth
        autoComplete="current-password"
        inputProps={{ maxLength: 500 }}
      />
      {signIn.isError && <ApiErrorAlert error={signIn.error} />}
      {signIn.isSuccess && signIn.data.linked && (
        <Alert severity="success">{msg("wft-ui-signin-linked", signIn.data.wiki)}</Alert>
      )}
      <div>
        <Button type="submit" variant="contained" disabled={signIn.isPending}>
          {mode === "add" ? msg("wft-ui-signin-add-submit") : msg("wft-ui-signin-submit")}
        </Button>
      </div>
    </Stack>
  );
}
