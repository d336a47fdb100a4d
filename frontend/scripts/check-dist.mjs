// Fails the build when dist/index.html would break the Flask app's Content-Security-Policy
// (script-src 'self'): an inline <script> body or an inline event handler attribute.
import { readFileSync } from "node:fs";

const html = readFileSync(new URL("../dist/index.html", import.meta.url), "utf8");
const problems = [];
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  const [, attrs, body] = match;
  if (!/\bsrc=/.test(attrs) || body.trim() !== "") problems.push(`inline script: ${match[0].slice(0, 80)}`);
}
if (/\son[a-z]+\s*=/i.test(html)) problems.push("inline event handler attribute");
if (problems.length) {
  console.error(`dist/index.html breaks the CSP:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("dist/index.html: no inline scripts (CSP script-src 'self' holds)");
