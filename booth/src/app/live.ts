// Text that outlives a render: status lines, errors and progress labels kept in an element across re-renders. Each
// remembers its catalogue key, so switching the language re-says it in the new one (App.paint calls resay).
import { type Key, type Params, t } from "./i18n.ts";

const lives = new Map<Element, { key: Key; params?: Params }>();

/** Show catalogue string `key` in `el` (null: clear it), and keep it translated. */
export function say(el: Element, key: Key | null, params?: Params): void {
  if (key === null) {
    lives.delete(el);
    el.textContent = "";
    return;
  }
  lives.set(el, { key, params });
  const text = t(key, params);
  if (el.textContent !== text) el.textContent = text;
}

/** After a language switch: every live text in the new language. */
export function resay(): void {
  for (const [el, { key, params }] of lives) {
    if (el.isConnected) el.textContent = t(key, params);
    else lives.delete(el);
  }
}
