/** The signed-in user's batches, newest first (GET /batches, keyset pages), each a link to its page. */
import Button from "@mui/material/Button";
import Link from "@mui/material/Link";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useState } from "react";
import { Link as RouterLink } from "react-router-dom";
import { useBatches, type Batch } from "../../api/batch";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { BatchStateChip } from "./BatchStateChip";

/** What a batch's source was, in words: "Category src:Category:Maps", "12 pasted lines"… */
export function useBatchSource(): (batch: Batch) => string {
  const msg = useMsg();
  const format = useFormat();
  return (batch) => {
    const spec = batch.spec ?? "";
    switch (batch.kind) {
      case "category":
        return msg("wft-ui-batch-source-category", spec);
      case "user":
        return msg("wft-ui-batch-source-user", spec);
      case "page":
        return msg("wft-ui-batch-source-page", spec);
      default:
        return msg("wft-ui-batch-source-urls", batch.total, format.number(batch.total));
    }
  };
}

export function BatchList() {
  const msg = useMsg();
  const format = useFormat();
  const source = useBatchSource();
  // The keyset cursors of the pages shown so far: [null, next1, next2…]
  const [pages, setPages] = useState<Array<number | null>>([null]);
  return (
    <section aria-labelledby="batch-list-title">
      <Typography variant="h5" component="h2" id="batch-list-title" gutterBottom>
        {msg("wft-ui-batch-list-title")}
      </Typography>
      {pages.map((after, index) => (
        <BatchListPage
          key={after ?? "first"}
          after={after}
          last={index === pages.length - 1}
          onMore={(next) => setPages((old) => [...old, next])}
          render={(batch) => (
            <ListItem key={batch.id} divider disableGutters>
              <ListItemText
                primary={
                  <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap>
                    <Link component={RouterLink} to={`/batch/${batch.id}`}>
                      {msg("wft-ui-batch-link", String(batch.id))}
                    </Link>
                    <BatchStateChip state={batch.state} />
                  </Stack>
                }
                secondary={
                  <>
                    <span dir="auto">{source(batch)}</span>
                    {" → "}
                    <span dir="ltr">{batch.target_wiki}</span>
                    {" · "}
                    {format.date(batch.created_at)}
                  </>
                }
                secondaryTypographyProps={{ sx: { overflowWrap: "anywhere" } }}
              />
            </ListItem>
          )}
        />
      ))}
    </section>
  );
}

function BatchListPage({
  after,
  last,
  onMore,
  render,
}: {
  after: number | null;
  last: boolean;
  onMore: (next: number) => void;
  render: (batch: Batch) => JSX.Element;
}) {
  const msg = useMsg();
  const page = useBatches(after);
  if (page.isPending) return <Typography color="text.secondary">{msg("wft-ui-loading")}</Typography>;
  if (page.error) return <ApiErrorAlert error={page.error} />;
  if (after === null && page.data.items.length === 0) {
    return <Typography color="text.secondary">{msg("wft-ui-batch-list-empty")}</Typography>;
  }
  return (
    <>
      <List dense disablePadding>
        {page.data.items.map(render)}
      </List>
      {last && page.data.next !== null && (
        <Button sx={{ mt: 1 }} onClick={() => onMore(page.data.next as number)}>
          {msg("wft-ui-batch-list-more")}
        </Button>
      )}
    </>
  );
}
