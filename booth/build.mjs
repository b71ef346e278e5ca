// Builds the booth into ../server/booth/ (shipped with the Python package; see docs/decisions/0012-phone-booth.md).
// Deterministic: the same sources and lockfile give the same bytes (CI rebuilds and compares).
//
// Output: index.html, styles.css, manifest.webmanifest, icons/ (copied from static/), app.js and worker.js
// (esbuild bundles of src/app/main.ts and src/app/worker.ts), and sw.js — the service worker, whose app-shell list
// and cache version (a hash of every shell file) are written in here, so a new build replaces the cached shell.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const here = (p) => new URL(p, import.meta.url).pathname;
// --out DIR: build elsewhere (tests/booth/test_build.py rebuilds and compares with the committed files)
const at = process.argv.indexOf("--out");
const out = at > 0 ? resolve(process.argv[at + 1]) + "/" : here("../server/booth/");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(here("./static/"), out, { recursive: true, filter: (src) => !src.endsWith("/sw.js") });
const common = {
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022", "safari15"],
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
};
await build({
  ...common,
  absWorkingDir: here("."),
  entryPoints: { app: "src/app/main.ts", worker: "src/app/worker.ts" },
  outdir: out,
});

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
}
const shell = files(out).map((f) => relative(out, f));
const version = createHash("sha256");
for (const path of shell) version.update(path + "\0").update(readFileSync(join(out, path)));
const sw = readFileSync(here("./static/sw.js"), "utf8")
  .replace('"__VERSION__"', JSON.stringify(version.digest("hex").slice(0, 16)))
  .replace("__SHELL__", JSON.stringify(shell));
writeFileSync(join(out, "sw.js"), sw);
console.log(`booth built into ${relative(process.cwd(), out)}: ${shell.length + 1} files`);
