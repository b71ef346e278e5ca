// Renders static/icons/icon.svg into the PNG icons the manifest names (192 and 512 px, and a maskable 512 px whose
// glyph sits inside the safe zone), with the distribution's headless Chromium. Run once after editing the SVG:
//   node e2e/make_icons.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const here = (p) => new URL(p, import.meta.url).pathname;
const svg = readFileSync(here("../static/icons/icon.svg"), "utf8");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium-headless-shell", args: ["--no-sandbox"] });
const page = await browser.newPage();
async function render(size, maskable, name) {
  await page.setViewportSize({ width: size, height: size });
  const inner = maskable ? `<div style="position:absolute;inset:0;background:#b3261e"></div><div style="position:absolute;inset:14%">${svg}</div>` : svg;
  await page.setContent(`<html><body style="margin:0;width:${size}px;height:${size}px;position:relative;overflow:hidden;background:transparent">${inner}</body></html>`);
  await page.addStyleTag({ content: "svg{width:100%;height:100%;display:block}" });
  writeFileSync(here(`../static/icons/${name}`), await page.screenshot({ omitBackground: !maskable, type: "png" }));
}
await render(192, false, "icon-192.png");
await render(512, false, "icon-512.png");
await render(512, true, "maskable-512.png");
await browser.close();
console.log("icons written");
