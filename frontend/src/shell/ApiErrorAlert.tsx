/** Shows an ApiError (or any error) to the user: the message in their language and the request id to
 * quote in a bug report. */
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Typography from "@mui/material/Typography";
import { ApiError, BAD_ANSWER_ERROR, NETWORK_ERROR } from "../api/errors";
import { useMsg } from "../i18n/useMsg";

export function useErrorText(): (error: unknown) => string {
  const msg = useMsg();
  return (error) => {
    if (error instanceof ApiError) {
      if (error.key === NETWORK_ERROR) return msg("wft-ui-error-network");
      if (error.key === BAD_ANSWER_ERROR) return msg("wft-ui-error-bad-answer", String(error.params[0] ?? ""));
      return error.serverMessage ?? msg(error.key, ...error.params.map(String));
    }
    return msg("wft-ui-error-unexpected");
  };
}

interface Props {
  error: unknown;
  title?: string;
  onClose?: () => void;
}

export function ApiErrorAlert({ error, title, onClose }: Props) {
  const msg = useMsg();
  const text = useErrorText();
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <Alert severity="error" role="alert" onClose={onClose} sx={{ my: 2 }}>
      {title && <AlertTitle>{title}</AlertTitle>}
      {text(error)}
      {requestId && (
        <Typography variant="caption" component="div" sx={{ mt: 0.5, opacity: 0.8 }}>
          {msg("wft-ui-error-request-id", requestId)}
        </Typography>
      )}
    </Alert>
  );
}
