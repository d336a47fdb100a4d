import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { updateSettings } from "../settings/settings";
import { testCatalog } from "../test/helpers";
import { I18nProvider } from "./I18nProvider";
import { useFormat } from "./useMsg";

function Shown() {
  const format = useFormat();
  return (
    <p>
      {format.number(1234.5)} | {format.bytes(5 * 1024 * 1024)} | {format.date("2026-03-01T12:00:00Z", { dateStyle: "long", timeZone: "UTC" })}
    </p>
  );
}

describe("useFormat", () => {
  it("formats numbers, sizes and dates in the interface language", async () => {
    updateSettings({ lang: "de" });
    render(
      <I18nProvider catalog={testCatalog({ de: {} })}>
        <Shown />
      </I18nProvider>,
    );
    expect(await screen.findByText("1.234,5 | 5 MB | 1. März 2026")).toBeInTheDocument();
  });
});
