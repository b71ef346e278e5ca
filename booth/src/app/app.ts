// The booth's state and navigation: one screen at a time, re-rendered in place when the language changes. Screens
// live in screens/*.ts; everything that touches the protocol goes through the engine (remote.ts → worker.ts).
import { parseFingerprint } from "../crypto/election.ts";
import { h } from "./dom.ts";
import { resay } from "./live.ts";
import { type Key, type Lang, lang, type Params, setLang, t } from "./i18n.ts";
import { Remote } from "./remote.ts";
import type { StoredCredential } from "./store.ts";
import { type Choice, EngineError, type ElectionView, type Sealed } from "./types.ts";

export interface Screen {
  name: string; // data-screen: what the browser tests wait for
  render(): HTMLElement;
}

export class App {
  readonly engine: Remote;
  readonly base: string;
  election?: ElectionView;
  credential?: StoredCredential;
  choice?: Choice;
  sealed?: Sealed;
  /** §P6.0 precomputation state: null before it starts, then a fraction until 1. */
  precomputed: number | null = null;
  private precomputing?: Promise<void>;
  private screen?: Screen;
  private readonly main: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly header: HTMLElement;
  /** Incremented at each navigation: a poll or retry loop started for an earlier screen stops. */
  generation = 0;

  constructor(root: HTMLElement, worker: Worker) {
    this.engine = new Remote(worker);
    this.base = apiBase(location.href);
    this.header = h("header", { class: "top" });
    this.main = h("main", { id: "screen", tabindex: "-1" });
    // the precomputation's status rides under the sticky header: visible while the voter scrolls the ballot
    this.footer = h("div", { class: "precompute", "aria-live": "polite", id: "precompute" });
    root.replaceChildren(this.header, this.main);
    this.renderHeader();
  }

  show(screen: Screen): void {
    this.generation++;
    this.screen = screen;
    this.paint();
    window.scrollTo(0, 0);
    this.main.focus({ preventScroll: true });
  }

  /** Re-render the current screen (after a language switch, or when its data changed). */
  paint(): void {
    if (!this.screen) return;
    const el = this.screen.render();
    el.dataset.screen = this.screen.name;
    el.classList.add("screen");
    this.main.replaceChildren(el);
    resay(); // texts kept across renders (status lines, errors, progress) in the current language
    this.renderHeader();
    this.renderFooter();
  }

  private renderHeader(): void {
    const other: Lang = lang() === "zh" ? "en" : "zh";
    this.header.replaceChildren(
      h("span", { class: "brand" }, t("app.name")),
      h(
        "button",
        {
          type: "button",
          class: "lang",
          id: "lang",
          lang: other === "zh" ? "zh-CN" : "en",
          "aria-label": t("lang.switch.label"),
          onclick: () => {
            setLang(other);
            document.title = t("app.name");
            this.paint();
          },
        },
        t("lang.switch"),
      ),
      this.footer,
    );
  }

  private renderFooter(): void {
    const p = this.precomputed;
    const visible = p !== null && ["ballot", "review", "election"].includes(this.screen?.name ?? "");
    this.footer.hidden = !visible;
    if (!visible) return;
    this.footer.replaceChildren(
      h(
        "span",
        { class: p >= 1 ? "done" : "" },
        p >= 1 ? t("precompute.done") : t("precompute.running", { pct: Math.floor(p * 100) }),
      ),
    );
  }

  /** §P6.0: start the precomputation once per election, in the worker, while the voter reads. */
  precompute(): Promise<void> {
    if (!this.election) return Promise.resolve();
    const electionId = this.election.electionId;
    this.precomputing ??= (async () => {
      this.precomputed = 0;
      this.renderFooter();
      try {
        await this.engine.call("precompute", { electionId }, (fraction) => {
          this.precomputed = Math.min(fraction, 0.99);
          this.renderFooter();
        });
        this.precomputed = 1;
      } catch (e) {
        this.precomputed = null; // building will redo what is missing, with its own progress
        console.warn("precomputation failed", e);
      } finally {
        this.renderFooter();
      }
    })();
    return this.precomputing;
  }

  /** After a build consumed the material: prepare the next ballot's (an audit spoils the ballot). */
  precomputeAgain(): void {
    this.precomputing = undefined;
    void this.precompute();
  }

  /** A message from an engine error, in the reader's language where the booth knows what happened. */
  reason(e: unknown): string {
    if (e instanceof EngineError) return e.message;
    return e instanceof Error ? e.message : String(e);
  }

  t(key: Key, params?: Params): string {
    return t(key, params);
  }
}

/** The API lives where the booth was served from: `{base}/booth/…` → `{base}` (a reverse proxy may add a path). */
export function apiBase(href: string): string {
  const url = new URL(href);
  url.hash = "";
  url.search = "";
  const i = url.pathname.indexOf("/booth/");
  url.pathname = i >= 0 ? url.pathname.slice(0, i) : "";
  return url.toString().replace(/\/$/, "");
}

/** `#e=ID&fp=FINGERPRINT` (the notice board's link and QR code; `linli admin booth-link`). A test election's link
 * may add `&min=BITS` to accept keys below the default minimum (the election page then says it is a test key). */
export function parseLink(hash: string): { electionId: string; fingerprint: string; minModulusBits?: number } {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const min = params.get("min");
  return {
    electionId: (params.get("e") ?? "").trim(),
    fingerprint: normaliseFingerprint(params.get("fp") ?? ""),
    ...(min && /^[0-9]{4}$/.test(min) ? { minModulusBits: Number(min) } : {}),
  };
}

/** A fingerprint as people type it (any case, spaces or dashes: election.ts parseFingerprint, as the CLI), or "". */
export function normaliseFingerprint(text: string): string {
  try {
    return parseFingerprint(text);
  } catch {
    return "";
  }
}
