import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../i18n/I18nProvider";
import { testCatalog } from "../test/helpers";
import { ErrorBoundary } from "./ErrorBoundary";

function Broken(): never {
  throw new Error("boom");
}

describe("ErrorBoundary", () => {
  it("shows a failed screen as an error message, and renders again on another route", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const tree = (key: string, child: JSX.Element) => (
      <I18nProvider catalog={testCatalog()}>
        <ErrorBoundary resetKey={key}>{child}</ErrorBoundary>
      </I18nProvider>
    );
    const { rerender } = render(tree("/a", <Broken />));
    expect(await screen.findByRole("alert")).toHaveTextContent("Something went wrong in this page");
    rerender(tree("/b", <p>fine</p>));
    expect(await screen.findByText("fine")).toBeInTheDocument();
  });
});
