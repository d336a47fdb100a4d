/**
 * The app: providers (API + queries, messages, theme in the language's direction), the router and the
 * shell around every route of routes.tsx. Tests render `AppProviders` + `AppRoutes` in a MemoryRouter.
 */
import type { QueryClient } from "@tanstack/react-query";
import { Suspense, type ReactNode } from "react";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { ApiLanguage, ApiProvider } from "./api/ApiProvider";
import type { ApiClient } from "./api/client";
import type { Catalog } from "./i18n/catalog";
import { I18nProvider } from "./i18n/I18nProvider";
import { useI18n } from "./i18n/useMsg";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ROUTES } from "./routes";
import { AppShell } from "./shell/AppShell";
import { Loading, RequireSignIn } from "./shell/RequireSignIn";
import { ThemeRoot } from "./theme/ThemeRoot";

function Themed({ children }: { children: ReactNode }) {
  const { lang, dir } = useI18n();
  return (
    <>
      <ApiLanguage lang={lang} />
      <ThemeRoot dir={dir}>{children}</ThemeRoot>
    </>
  );
}

interface ProviderProps {
  children: ReactNode;
  catalog?: Catalog;
  client?: ApiClient;
  queryClient?: QueryClient;
}

export function AppProviders({ children, catalog, client, queryClient }: ProviderProps) {
  return (
    <ApiProvider {...(client ? { client } : {})} {...(queryClient ? { queryClient } : {})}>
      <I18nProvider {...(catalog ? { catalog } : {})}>
        <Themed>{children}</Themed>
      </I18nProvider>
    </ApiProvider>
  );
}

export function AppRoutes() {
  return (
    <AppShell>
      <Suspense fallback={<Loading />}>
        <Routes>
          {ROUTES.map(({ path, element, signedIn }) => (
            <Route key={path} path={path} element={signedIn ? <RequireSignIn>{element}</RequireSignIn> : element} />
          ))}
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </AppShell>
  );
}

export function App() {
  return (
    <AppProviders>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </AppProviders>
  );
}
