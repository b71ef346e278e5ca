// Builds the booth into ../server/booth/ (shipped with the Python package; see docs/decisions/0012-phone-booth.md).
// Deterministic: the same sources and lockfile give the same bytes (CI rebuilds and compares).
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

const out = new URL("../server/booth/", import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(new URL("./static/", import.meta.url).pathname, out, { recursive: true });
const common = { bundle: true, minify: true, format: "esm", target: ["es2022", "safari15"], legalComments: "none", charset: "utf8" };
await build({ ...common, entryPoints: { app: "src/app/main.ts", worker: "src/app/worker.ts" }, outdir: out });
