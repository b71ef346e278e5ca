// The booth's ballot costs in headless Chromium (issue 10 item 5): precomputation and the build after it, for a
// referendum and a committee ballot (10 candidates, 3 seats) with every proof and the eligibility evidence (both
// modes), at 3072 bits by default — in a page unthrottled, in a page with the CPU throttled 4× (CDP
// Emulation.setCPUThrottlingRate, a mid-range phone's margin), and in a dedicated Web Worker as the booth runs it
// (Chromium throttles pages only: "Operation is only supported for pages, not workers"). Prints JSON; --out FILE
// writes it too. A benchmark, not a test:
//   cd booth && node bench/browser_bench.mjs [--modulus-bits 3072] [--repeat 3] [--out bench/results/browser.json]
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const bits = Number(arg("--modulus-bits", 3072));
const repeat = Number(arg("--repeat", 3));
const out = arg("--out", "");

const source = 'import { benchBooth } from "./bench/browser_bench_core.ts"; globalThis.benchBooth = benchBooth;';
const bundle = (
  await build({ stdin: { contents: source, resolveDir: process.cwd(), loader: "ts" }, bundle: true, format: "iife", target: "es2022", write: false })
).outputFiles[0].text;
const workerSource = `${bundle}\nonmessage = async (e) => postMessage(await globalThis.benchBooth(e.data[0], e.data[1]));`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium-headless-shell", args: ["--no-sandbox"] });
const result = { runtime: `chromium ${browser.version()}`, date: new Date().toISOString(), modulus_bits: bits, repeat, runs: {} };
try {
  for (const [name, throttle] of [["page", 1], ["page_throttled_4x", 4]]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    await page.addScriptTag({ content: bundle });
    result.runs[name] = await page.evaluate(([b, r]) => globalThis.benchBooth(b, r), [bits, repeat]);
    await context.close();
  }
  const page = await browser.newPage();
  result.runs.worker = await page.evaluate(
    ([src, b, r]) =>
      new Promise((resolve, reject) => {
        const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })));
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage([b, r]);
      }),
    [workerSource, bits, repeat],
  );
} finally {
  await browser.close();
}
const text = JSON.stringify(result, null, 1) + "\n";
process.stdout.write(text);
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}
