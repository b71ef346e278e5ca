// The booth's entry point: language, the service worker (app shell only), and the election named by the link.
import { App, parseLink } from "./app.ts";
import { initLang, t } from "./i18n.ts";
import { goOpen, goVerify } from "./screens/open.ts";

initLang();
document.title = t("app.name");

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  void navigator.serviceWorker.register("./sw.js", { scope: "./" }).catch((e) => console.warn("no service worker", e));
}

const app = new App(document.getElementById("app")!, new Worker(new URL("./worker.js", import.meta.url), { type: "module" }));

function route(): void {
  const { electionId, fingerprint, minModulusBits } = parseLink(location.hash);
  if (electionId && fingerprint) void goVerify(app, electionId, fingerprint, minModulusBits);
  else goOpen(app, { electionId });
}

window.addEventListener("hashchange", route);
route();
