// ballot_bench_core.ts in headless Chromium (/usr/bin/chromium-headless-shell, playwright-core): prints JSON.
//   cd booth && node bench/ballot_bench_chromium.mjs [--modulus-bits 3072] [--repeat 3]
import { build } from "esbuild";
import { chromium } from "playwright-core";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const bundle = await build({
  stdin: { contents: 'import { benchBallots } from "./bench/ballot_bench_core.ts"; globalThis.benchBallots = benchBallots;', resolveDir: process.cwd(), loader: "ts" },
  bundle: true,
  format: "iife",
  target: "es2022",
  write: false,
});
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium-headless-shell", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const version = browser.version();
  const out = await page.evaluate(([bits, repeat]) => globalThis.benchBallots(bits, repeat), [arg("--modulus-bits", 3072), arg("--repeat", 3)]);
  process.stdout.write(JSON.stringify({ runtime: `chromium ${version}`, ...out }, null, 1) + "\n");
} finally {
  await browser.close();
}
