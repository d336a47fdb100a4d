/**
 * The transfers of one history page: a table on wide screens, a list of cards on phones. The file name
 * is a button that opens the details drawer.
 */
import Box from "@mui/material/Box";
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import Link from "@mui/material/Link";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import useMediaQuery from "@mui/material/useMediaQuery";
import { useTheme } from "@mui/material/styles";
import type { TransferItem } from "../../api/history";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { StatusChip } from "../StatusChip";

/** The file's name on the source, and where it went when the target name differs. */
export function sourceTitle(item: TransferItem): string {
  return item.source_title ?? item.source_input;
}

export function targetTitle(item: TransferItem): string | null {
  return item.target_title ?? item.requested_title;
}

export function useTransferName(): (item: TransferItem) => string {
  const msg = useMsg();
  return (item) => {
    const source = sourceTitle(item);
    const target = targetTitle(item);
    return target && target !== source ? msg("wft-ui-history-from-to", source, target) : source;
  };
}

interface Props {
  items: TransferItem[];
  onOpen: (id: number) => void;
}

function Wikis({ item }: { item: TransferItem }) {
  const msg = useMsg();
  return <>{msg("wft-ui-history-from-to", item.source_wiki ?? "?", item.target_wiki)}</>;
}

function Size({ item }: { item: TransferItem }) {
  const format = useFormat();
  return <>{item.bytes_total > 0 ? format.bytes(item.bytes_total) : ""}</>;
}

export function HistoryList({ items, onOpen }: Props) {
  const msg = useMsg();
  const format = useFormat();
  const name = useTransferName();
  const theme = useTheme();
  const wide = useMediaQuery(theme.breakpoints.up("md"), { noSsr: true });

  const opener = (item: TransferItem) => (
    <Link
      component="button"
      type="button"
      onClick={() => onOpen(item.id)}
      aria-haspopup="dialog"
      sx={{ textAlign: "start", overflowWrap: "anywhere", fontWeight: 500 }}
    >
      {name(item)}
    </Link>
  );

  if (!wide) {
    return (
      <Stack component="ul" spacing={1} sx={{ p: 0, m: 0, listStyle: "none" }} aria-label={msg("wft-ui-history-list-heading")}>
        {items.map((item) => (
          <Card component="li" variant="outlined" key={item.id}>
            <CardContent sx={{ py: 1.5, "&:last-child": { pb: 1.5 } }}>
              <Box sx={{ mb: 0.5 }}>{opener(item)}</Box>
              <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: "center", flexWrap: "wrap" }}>
                <StatusChip status={item.status} />
                <Typography variant="body2" color="text.secondary">
                  <Wikis item={item} />
                </Typography>
              </Stack>
              <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
                {format.date(item.created_at)}
                {item.bytes_total > 0 && " · "}
                <Size item={item} />
              </Typography>
            </CardContent>
          </Card>
        ))}
      </Stack>
    );
  }

  return (
    <TableContainer>
      <Table size="small" aria-label={msg("wft-ui-history-list-heading")}>
        <TableHead>
          <TableRow>
            <TableCell>{msg("wft-ui-history-col-file")}</TableCell>
            <TableCell>{msg("wft-ui-history-col-wikis")}</TableCell>
            <TableCell>{msg("wft-ui-history-col-status")}</TableCell>
            <TableCell>{msg("wft-ui-history-col-created")}</TableCell>
            <TableCell align="right">{msg("wft-ui-history-col-size")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map((item) => (
            <TableRow key={item.id} hover>
              <TableCell sx={{ maxWidth: 320 }}>{opener(item)}</TableCell>
              <TableCell sx={{ whiteSpace: "nowrap" }}>
                <Wikis item={item} />
              </TableCell>
              <TableCell>
                <StatusChip status={item.status} />
              </TableCell>
              <TableCell sx={{ whiteSpace: "nowrap" }}>{format.date(item.created_at)}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: "nowrap" }}>
                <Size item={item} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
