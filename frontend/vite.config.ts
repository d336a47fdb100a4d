/// <reference types="vitest/config" />
// Vite builds the app into dist/ (served by Flask at /, hashed files under /assets/); Vitest runs the
// component tests in jsdom. The message files live outside this folder (../i18n, shared with the back
// end), hence the dev server may read the repository root.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { configDefaults } from "vitest/config";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
/** Where `npm run dev` sends /api: the Flask app of `make run` unless WFT_DEV_API says otherwise. */
const devApi = process.env.WFT_DEV_API ?? "http://127.0.0.1:5000";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    sourcemap: false,
    // The app is served with a CSP without 'unsafe-inline' scripts: never inline a script or module.
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: their own hashed files stay cached across releases.
        manualChunks: {
          react: ["react", "react-dom", "react-router-dom", "@tanstack/react-query"],
          mui: ["@mui/material", "@emotion/react", "@emotion/styled", "@emotion/cache", "stylis-plugin-rtl"],
        },
      },
    },
  },
  server: {
    fs: { allow: [repoRoot] },
    // `npm run dev` next to `make run`: the API (and the OAuth redirects) stay on Flask's port. The API
    // refuses a POST whose Origin is not its own (CSRF), so the proxy presents Flask's origin.
    proxy: {
      "/api": {
        target: devApi,
        configure: (proxy) => proxy.on("proxyReq", (request) => request.setHeader("Origin", new URL(devApi).origin)),
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    // e2e/*.spec.ts are Playwright's (npm run e2e), not Vitest's
    exclude: [...configDefaults.exclude, "e2e/**"],
    css: false,
    restoreMocks: true,
    testTimeout: 30_000,
  },
});
