// The ballot (docs/protocol.md §P6): mark it, review it, encrypt it, then cast it — or audit it first (Benaloh:
// the opening is revealed and checked here, the ballot is spoiled, and a fresh one is encrypted). A cast resends the
// very same bytes until the server answers (§P11.4: an identical resend gets the first attempt's receipt).
import type { App } from "../app.ts";
import { button, download, h, progressBar } from "../dom.ts";
import { say } from "../live.ts";
import { type Key, optionWord, t } from "../i18n.ts";
import * as store from "../store.ts";
import { type Choice, EngineError } from "../types.ts";
import { goElection } from "./open.ts";
import { goReceipt } from "./receipts.ts";

const RETRY_S = [2, 3, 5, 8, 13, 20];
const REFUSALS = ["FAILED_PRECONDITION", "ALREADY_EXISTS", "PERMISSION_DENIED", "INVALID_ARGUMENT"];

function multi(kind: string): boolean {
  return kind === "committee" || kind === "approval";
}

export function goBallot(app: App): void {
  const v = app.election!;
  void app.precompute(); // usually already running since the election page
  const limit = v.kind === "committee" ? v.seats : v.options.length;
  let marks = new Set<number>(Array.isArray(app.choice) ? app.choice : []);
  let single: number | null = typeof app.choice === "number" ? app.choice : null;
  const error = h("p", { class: "error", role: "alert" });
  app.show({
    name: "ballot",
    render: () => {
      const isMulti = multi(v.kind);
      const hint = isMulti
        ? v.kind === "committee"
          ? t("ballot.choose.upto", { seats: v.seats })
          : t("ballot.choose.any")
        : t("ballot.choose.one");
      const counter = h("p", { class: "counter", "aria-live": "polite", id: "counter" });
      const setCounter = () => {
        if (v.kind !== "committee") return;
        if (marks.size >= limit) say(counter, "ballot.full", { seats: v.seats });
        else say(counter, "ballot.count", { n: marks.size, seats: v.seats });
      };
      const inputs: HTMLInputElement[] = [];
      const refresh = () => {
        if (v.kind === "committee") inputs.forEach((input, i) => (input.disabled = !marks.has(i) && marks.size >= limit));
        setCounter();
      };
      const items = v.options.map((option, i) => {
        const input = h("input", {
          type: isMulti ? "checkbox" : "radio",
          name: "choice",
          value: String(i),
          id: `option-${i}`,
          checked: isMulti ? marks.has(i) : single === i,
        });
        input.addEventListener("change", () => {
          if (isMulti) {
            if (input.checked) marks.add(i);
            else marks.delete(i);
          } else single = i;
          say(error, null);
          refresh();
        });
        inputs.push(input);
        return h("li", {}, h("label", { class: "choice", for: `option-${i}` }, input, h("span", {}, optionWord(option))));
      });
      refresh();
      return h(
        "section",
        {},
        h("p", { class: "kind" }, v.title),
        h("h1", {}, t("ballot.title")),
        h("p", { class: "question" }, v.question),
        v.weighted ? h("div", { class: "notice", role: "note" }, h("strong", {}, t("ballot.area.title")), h("p", {}, t("election.notice.area"))) : null,
        h("fieldset", {}, h("legend", {}, hint), h("ul", { class: "choices plain" }, items)),
        counter,
        error,
        h(
          "div",
          { class: "actions" },
          button(
            t("ballot.review"),
            () => {
              if (!isMulti && single === null) {
                say(error, "ballot.pick");
                return;
              }
              app.choice = isMulti ? [...marks].sort((a, b) => a - b) : single!;
              void goReview(app);
            },
            "primary",
            { id: "review" },
          ),
          button(t("common.back"), () => goElection(app), "secondary"),
        ),
      );
    },
  });
  void marks;
}

export function choiceWords(app: App, choice: Choice): string {
  const v = app.election!;
  if (typeof choice === "number") return optionWord(v.options[choice]!);
  return choice.length ? choice.map((i) => optionWord(v.options[i]!)).join(t("list.sep")) : t("review.blank");
}

async function goReview(app: App, encryptNow = false): Promise<void> {
  const v = app.election!;
  const c = app.credential!;
  const credential = { mode: c.mode, secret: c.secret };
  let earlier: number | null = null;
  const bar = progressBar();
  let encrypting = false;
  const error = h("p", { class: "error", role: "alert" });
  const render = () => {
    const refused = earlier !== null && v.revote === "refuse";
    return h(
      "section",
      {},
      h("h1", {}, t("review.title")),
      h("div", { class: "review-choice" }, h("div", { class: "label" }, t("review.choice")), h("p", { class: "chosen", id: "chosen" }, choiceWords(app, app.choice!))),
      earlier !== null
        ? h("p", { class: refused ? "error" : "notice", role: "alert", id: "revote" }, t(refused ? "review.refuse" : "review.revote", { index: earlier }))
        : null,
      encrypting ? bar.el : null,
      error,
      h(
        "div",
        { class: "actions" },
        refused ? null : button(t("review.encrypt"), () => void encrypt(), "primary", { id: "encrypt", disabled: encrypting }),
        button(t("review.change"), () => goBallot(app), "secondary", { disabled: encrypting }),
      ),
    );
  };
  app.show({ name: "review", render });
  const encrypt = async (): Promise<void> => {
    encrypting = true;
    bar.set(0, "review.encrypting");
    app.paint();
    try {
      app.sealed = await app.engine.call("build", { electionId: v.electionId, choice: app.choice!, credential }, (f) => bar.set(f, "review.encrypting"));
      app.precomputeAgain();
      goSealed(app);
    } catch (e) {
      encrypting = false;
      app.paint();
      say(error, "common.error", { reason: app.reason(e) });
    }
  };
  if (encryptNow) void encrypt();
  // §P12: a re-vote is never silent — the log (up to the verified checkpoint) shows this binding's ballots
  try {
    const binding = await app.engine.call("binding", { electionId: v.electionId, credential });
    const { ballots } = await app.engine.call("status", { electionId: v.electionId, binding });
    earlier = ballots.length ? ballots[ballots.length - 1]! : null;
    if (earlier !== null) app.paint();
  } catch (e) {
    say(error, "common.error", { reason: app.reason(e) });
  }
}

function goSealed(app: App): void {
  const s = app.sealed!;
  app.show({
    name: "sealed",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("sealed.title")),
        h("div", { class: "code-block" }, h("div", { class: "label" }, t("sealed.code")), h("div", { class: "ballot-code mono", id: "ballot-code" }, s.code)),
        h("p", {}, t("sealed.body")),
        h(
          "div",
          { class: "actions" },
          button(t("sealed.cast"), () => void startCast(app), "primary", { id: "cast" }),
          button(t("sealed.audit"), () => void goAudit(app), "secondary", { id: "audit" }),
          button(t("sealed.change"), () => {
            app.sealed = undefined; // never cast: its opening is simply forgotten
            goBallot(app);
          }, "secondary"),
        ),
      ),
  });
}

async function goAudit(app: App): Promise<void> {
  const v = app.election!;
  const s = app.sealed!;
  app.sealed = undefined; // spoiled: it can never be cast
  const bar = progressBar();
  bar.set(0.3, "audit.checking");
  let result: { audit: string; choice: Choice } | null = null;
  let failure = "";
  const file = `${v.electionId}.audit-${s.code.replace(/-/g, "").toLowerCase()}.json`;
  app.show({
    name: "audit",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("audit.title")),
        h("div", { class: "code-block" }, h("div", { class: "label" }, t("sealed.code")), h("div", { class: "ballot-code mono" }, s.code)),
        result
          ? h(
              "div",
              {},
              h("p", { class: "ok-line", id: "audit-ok" }, t("audit.ok", { choice: choiceWords(app, result.choice) })),
              h("p", {}, t("audit.spoiled")),
              h("p", { class: "small" }, t("audit.howto", { file, election: v.electionId })),
              h("details", {}, h("summary", {}, t("audit.show")), h("textarea", { readonly: true, rows: 6, id: "audit-text" }, result.audit)),
            )
          : failure
            ? h("p", { class: "error", role: "alert" }, failure)
            : bar.el,
        h(
          "div",
          { class: "actions" },
          result ? button(t("audit.download"), () => download(file, result!.audit + "\n"), "secondary", { id: "download-audit" }) : null,
          button(t("audit.fresh"), () => void goReview(app, true), "primary", { id: "fresh" }),
        ),
      ),
  });
  try {
    result = await app.engine.call("audit", { electionId: v.electionId });
    await store.spoiled.add({ electionId: v.electionId, code: s.code, audit: result.audit, at: Date.now() });
  } catch (e) {
    failure = t("common.error", { reason: app.reason(e) });
  }
  app.paint();
}

async function startCast(app: App): Promise<void> {
  const v = app.election!;
  const s = app.sealed!;
  app.sealed = undefined;
  const c = app.credential!;
  const { ballots } = await app.engine
    .call("status", { electionId: v.electionId, binding: await app.engine.call("binding", { electionId: v.electionId, credential: { mode: c.mode, secret: c.secret } }) })
    .catch(() => ({ ballots: [] as number[] }));
  const p: store.PendingCast = {
    electionId: v.electionId,
    ballot: s.ballot,
    code: s.code,
    replaces: ballots.length ? ballots[ballots.length - 1] : undefined,
    createdAt: Date.now(),
  };
  await store.pending.put(p); // before the first byte is sent: a reload resends exactly these bytes
  await resumeCast(app, p);
}

/** Send the pending ballot until the server answers; a lost reply or a vanished server just means: send it again. */
export async function resumeCast(app: App, p: store.PendingCast): Promise<void> {
  const v = app.election!;
  const bar = progressBar("cast-status");
  let refusal = "";
  let refusalKind = "";
  app.show({
    name: "casting",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("cast.title")),
        h("div", { class: "code-block" }, h("div", { class: "label" }, t("sealed.code")), h("div", { class: "ballot-code mono" }, p.code)),
        refusal
          ? h(
              "div",
              { role: "alert", id: "cast-refused" },
              REFUSALS.includes(refusalKind) ? h("p", { class: "why" }, t(`cast.refused.${refusalKind}` as Key)) : null,
              h("p", { class: "error" }, t("cast.refused", { reason: refusal })),
            )
          : bar.el,
        refusal ? button(t("common.back"), () => goElection(app), "secondary") : null,
      ),
  });
  bar.set(0.2, "cast.sending");
  const generation = app.generation;
  for (let attempt = 0; app.generation === generation; attempt++) {
    try {
      bar.set(0.2, "cast.sending");
      const result = await app.engine.call("cast", { electionId: v.electionId, ballot: p.ballot });
      bar.set(0.9, "cast.checking");
      const stored: store.StoredReceipt = {
        electionId: v.electionId,
        receipt: result.receipt,
        code: result.code,
        castAt: Date.now(),
        replaces: p.replaces !== undefined && p.replaces !== result.leafIndex ? p.replaces : undefined,
      };
      await store.pending.done(v.electionId, stored);
      goReceipt(app, stored);
      return;
    } catch (e) {
      if (e instanceof EngineError && e.kind === "unreachable") {
        const wait = RETRY_S[Math.min(attempt, RETRY_S.length - 1)]!;
        for (let s = wait; s > 0 && app.generation === generation; s--) {
          bar.set(0.2, "cast.retry", { seconds: s });
          await new Promise((r) => setTimeout(r, 1000));
        }
        continue;
      }
      await store.pending.drop(v.electionId); // refused for good: this ballot will never count
      refusal = app.reason(e);
      refusalKind = e instanceof EngineError ? e.code : "";
      app.paint();
      return;
    }
  }
}
