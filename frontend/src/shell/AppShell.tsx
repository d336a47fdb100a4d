/**
 * The frame of every screen: app bar (name, navigation, language menu, user menu), a drawer for the
 * navigation on narrow screens (375 px phones), a skip link, and the <main> the page renders into.
 */
import MenuIcon from "@mui/icons-material/Menu";
import AppBar from "@mui/material/AppBar";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Container from "@mui/material/Container";
import Drawer from "@mui/material/Drawer";
import IconButton from "@mui/material/IconButton";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import ListItemIcon from "@mui/material/ListItemIcon";
import ListItemText from "@mui/material/ListItemText";
import Toolbar from "@mui/material/Toolbar";
import Typography from "@mui/material/Typography";
import { useState, type ReactNode } from "react";
import { Link as RouterLink, useLocation } from "react-router-dom";
import { useMsg } from "../i18n/useMsg";
import { ROUTES } from "../routes";
import { ErrorBoundary } from "./ErrorBoundary";
import { LanguageMenu } from "./LanguageMenu";
import { SignInErrorNotice } from "./SignInErrorNotice";
import { UserMenu } from "./UserMenu";

const NAV = ROUTES.filter((route) => route.nav);

export function AppShell({ children }: { children: ReactNode }) {
  const msg = useMsg();
  const location = useLocation();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const isCurrent = (path: string) => location.pathname === path || location.pathname.startsWith(`${path}/`);

  return (
    <Box sx={{ display: "flex", flexDirection: "column", minHeight: "100vh" }}>
      <Box
        component="a"
        href="#main"
        sx={{
          position: "absolute",
          insetInlineStart: 8,
          top: -48,
          zIndex: 2000,
          p: 1,
          bgcolor: "background.paper",
          "&:focus": { top: 8 },
        }}
      >
        {msg("wft-ui-skip-to-content")}
      </Box>
      <AppBar position="sticky">
        <Toolbar sx={{ gap: 1 }}>
          <IconButton
            color="inherit"
            edge="start"
            aria-label={msg("wft-ui-nav-open-menu")}
            onClick={() => setDrawerOpen(true)}
            sx={{ display: { md: "none" } }}
          >
            <MenuIcon />
          </IconButton>
          <Typography
            variant="h6"
            component={RouterLink}
            to="/"
            noWrap
            sx={{ color: "inherit", textDecoration: "none", minWidth: 0, fontSize: { xs: "1.1rem", sm: "1.25rem" } }}
          >
            {msg("wft-ui-app-name")}
          </Typography>
          <Box component="nav" aria-label={msg("wft-ui-nav-label")} sx={{ display: { xs: "none", md: "flex" }, gap: 0.5, ml: 2 }}>
            {NAV.map(({ path, nav }) => (
              <Button
                key={path}
                color="inherit"
                component={RouterLink}
                to={path}
                aria-current={isCurrent(path) ? "page" : undefined}
                sx={{ borderBottom: 2, borderRadius: 0, borderColor: isCurrent(path) ? "common.white" : "transparent" }}
              >
                {msg(nav!.labelKey)}
              </Button>
            ))}
          </Box>
          <Box sx={{ flexGrow: 1 }} />
          <LanguageMenu />
          <UserMenu />
        </Toolbar>
      </AppBar>
      <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)}>
        <Box component="nav" aria-label={msg("wft-ui-nav-label")} sx={{ width: 260 }}>
          <Toolbar>
            <Typography variant="h6">{msg("wft-ui-app-name")}</Typography>
          </Toolbar>
          <List>
            {NAV.map(({ path, nav }) => {
              const Icon = nav!.icon;
              return (
                // each link in an <li>: a <ul> holds list items only (axe "list")
                <ListItem key={path} disablePadding>
                  <ListItemButton
                    component={RouterLink}
                    to={path}
                    selected={isCurrent(path)}
                    aria-current={isCurrent(path) ? "page" : undefined}
                    onClick={() => setDrawerOpen(false)}
                  >
                    <ListItemIcon>
                      <Icon />
                    </ListItemIcon>
                    <ListItemText primary={msg(nav!.labelKey)} />
                  </ListItemButton>
                </ListItem>
              );
            })}
          </List>
        </Box>
      </Drawer>
      <Container component="main" id="main" tabIndex={-1} maxWidth="md" sx={{ py: 3, flexGrow: 1, outline: "none" }}>
        <SignInErrorNotice />
        <ErrorBoundary resetKey={location.pathname}>{children}</ErrorBoundary>
      </Container>
    </Box>
  );
}
