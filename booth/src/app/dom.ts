// A few lines of DOM building, so screens read as what they show. Text always goes in as text (never HTML):
// nothing the server sends (titles, candidates' names) can inject markup.

import type { Key, Params } from "./i18n.ts";
import { say } from "./live.ts";

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function button(label: string, onClick: () => void, kind: "primary" | "secondary" | "danger" = "primary", extra: Attrs = {}): HTMLButtonElement {
  return h("button", { type: "button", class: `btn btn-${kind}`, onclick: () => onClick(), ...extra }, label);
}

/** A progress bar with a live text line (screen readers hear the text, not every percent), in the reader's language. */
export function progressBar(labelId?: string): { el: HTMLElement; set(fraction: number, key: Key, params?: Params): void } {
  const bar = h("div", { class: "bar-fill" });
  const label = h("p", { class: "progress-text", "aria-live": "polite", id: labelId });
  const track = h("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, bar);
  const el = h("div", { class: "progress" }, track, label);
  return {
    el,
    set(fraction, key, params) {
      const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
      bar.style.width = `${pct}%`;
      track.setAttribute("aria-valuenow", String(pct));
      say(label, key, params);
    },
  };
}

/** Offer bytes or text as a file download (works in phone browsers without any app API). */
export function download(name: string, data: string | Uint8Array, type = "application/json"): void {
  const blob = new Blob([typeof data === "string" ? data : new Uint8Array(data)], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name, class: "hidden" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
