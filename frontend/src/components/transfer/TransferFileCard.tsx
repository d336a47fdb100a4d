/** The preview card of the source file: thumbnail, versions, sizes, uploaders, licences and usage. */
import Box from "@mui/material/Box";
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import Link from "@mui/material/Link";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import type { FileFacts } from "../../api/transfer";
import { useFormat, useMsg } from "../../i18n/useMsg";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box component="div" sx={{ display: "contents" }}>
      <Typography component="dt" fontWeight="bold" variant="body2">
        {label}
      </Typography>
      <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: "anywhere" }}>
        {children}
      </Typography>
    </Box>
  );
}

export function TransferFileCard({ facts }: { facts: FileFacts }) {
  const msg = useMsg();
  const format = useFormat();
  const none = msg("wft-ui-transfer-card-none");
  const list = (items: string[]) => (items.length ? items.join(", ") : none);
  return (
    <Card variant="outlined" component="section" aria-labelledby="wft-card-heading" sx={{ my: 2 }}>
      <CardContent>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          {facts.thumbnail_url && (
            <Box
              component="img"
              src={facts.thumbnail_url}
              alt={msg("wft-ui-transfer-card-thumbnail", facts.title)}
              sx={{ maxWidth: { xs: "100%", sm: 240 }, maxHeight: 240, objectFit: "contain", alignSelf: "flex-start" }}
            />
          )}
          <Box sx={{ minWidth: 0, flex: 1 }}>
            <Typography variant="h6" component="h2" id="wft-card-heading" sx={{ overflowWrap: "anywhere" }}>
              <Link href={facts.url} target="_blank" rel="noopener noreferrer">
                {facts.title}
              </Link>
            </Typography>
            <Typography variant="body2" color="text.secondary" gutterBottom>
              {msg("wft-ui-transfer-card-on", facts.wiki)}
            </Typography>
            <Box
              component="dl"
              sx={{ display: "grid", gridTemplateColumns: "max-content 1fr", columnGap: 2, rowGap: 0.5, m: 0 }}
            >
              <Fact label={msg("wft-ui-transfer-card-versions")}>{format.number(facts.versions.length)}</Fact>
              <Fact label={msg("wft-ui-transfer-card-size")}>{format.bytes(facts.size)}</Fact>
              <Fact label={msg("wft-ui-transfer-card-uploaders")}>{list(facts.uploaders)}</Fact>
              <Fact label={msg("wft-ui-transfer-card-licences")}>{list(facts.licences)}</Fact>
              <Fact label={msg("wft-ui-transfer-card-usage")}>
                {facts.usage.length ? msg("wft-ui-transfer-card-usage-count", facts.usage.length) : none}
              </Fact>
            </Box>
            {facts.usage.length > 0 && (
              <Typography variant="body2" sx={{ mt: 0.5, overflowWrap: "anywhere" }}>
                {facts.usage.join(" · ")}
              </Typography>
            )}
          </Box>
        </Stack>
        {facts.versions.length > 0 && (
          // scrolls sideways on a phone: reachable by keyboard (axe: scrollable-region-focusable)
          <Box sx={{ overflowX: "auto", mt: 2 }} tabIndex={0} role="region" aria-label={msg("wft-ui-transfer-card-versions-table")}>
            <Table size="small" aria-label={msg("wft-ui-transfer-card-versions-table")}>
              <TableHead>
                <TableRow>
                  <TableCell>{msg("wft-ui-transfer-card-col-date")}</TableCell>
                  <TableCell>{msg("wft-ui-transfer-card-col-user")}</TableCell>
                  <TableCell>{msg("wft-ui-transfer-card-col-size")}</TableCell>
                  <TableCell>{msg("wft-ui-transfer-card-col-dimensions")}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {facts.versions.map((version) => (
                  <TableRow key={`${version.timestamp}|${version.sha1}`}>
                    <TableCell>{format.date(version.timestamp)}</TableCell>
                    <TableCell>{version.user}</TableCell>
                    <TableCell>{format.bytes(version.size)}</TableCell>
                    <TableCell>
                      {version.width && version.height
                        ? msg("wft-ui-transfer-card-dimensions", format.number(version.width), format.number(version.height))
                        : none}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
