// The standard BBS fixtures (tests/vectors/bbs: core -10, blind -02, pseudonym -02) run INSIDE headless Chromium:
// test/bbs_vectors.ts bundled into a page, the fixture files handed over as JSON. Prints the results as JSON.
//   cd booth && node e2e/bbs_vectors_chromium.mjs        (tests/booth/test_bbs_in_browser.py runs it)
import { build } from "esbuild";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../tests/vectors/bbs/", import.meta.url));
function load(dir, out = {}) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) load(path, out);
    else if (entry.endsWith(".json")) out[relative(ROOT, path).split("\\").join("/")] = JSON.parse(readFileSync(path, "utf8"));
  }
  return out;
}

const bundle = await build({
  stdin: { contents: 'import { runBbsVectors } from "./test/bbs_vectors.ts"; globalThis.runBbsVectors = runBbsVectors;', resolveDir: process.cwd(), loader: "ts" },
  bundle: true,
  format: "iife",
  target: "es2022",
  write: false,
});
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium-headless-shell", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const results = await page.evaluate((files) => globalThis.runBbsVectors(files), load(ROOT));
  const userAgent = await page.evaluate(() => navigator.userAgent);
  process.stdout.write(JSON.stringify({ userAgent, results }) + "\n");
} finally {
  await browser.close();
}
