// Opening an election: the link (or the typed id and fingerprint), its verification before anything else, the
// refusal when it fails, and the election's page (docs/protocol.md §P12).
import { type App, normaliseFingerprint } from "../app.ts";
import { button, h, progressBar } from "../dom.ts";
import { say } from "../live.ts";
import { type Key, lang, optionWord, t } from "../i18n.ts";
import * as store from "../store.ts";
import { EngineError, type ElectionView } from "../types.ts";
import { goBackup, goCredential, goRelay } from "./credential.ts";
import { goChecks } from "./receipts.ts";
import { goBallot, resumeCast } from "./vote.ts";

export function goOpen(app: App, prefill: { electionId?: string; fingerprint?: string } = {}): void {
  let saved: store.PinnedElection[] = [];
  const electionInput = h("input", {
    id: "election-id",
    name: "election",
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: "false",
    value: prefill.electionId ?? "",
  });
  const fpInput = h("input", {
    id: "fingerprint",
    name: "fingerprint",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    value: prefill.fingerprint ?? "",
  });
  const error = h("p", { class: "error", role: "alert" });
  const screen = {
    name: "open",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("open.title")),
        h("p", {}, t("open.intro")),
        h(
          "form",
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              const id = electionInput.value.trim();
              const fp = normaliseFingerprint(fpInput.value);
              if (!id || !fp) {
                say(error, "open.missing");
                return;
              }
              location.hash = `e=${encodeURIComponent(id)}&fp=${fp}`;
            },
          },
          h("label", { for: "election-id" }, t("open.election")),
          electionInput,
          h("label", { for: "fingerprint" }, t("open.fingerprint")),
          fpInput,
          error,
          h("button", { type: "submit", class: "btn btn-primary" }, t("open.go")),
        ),
        saved.length
          ? h(
              "div",
              { class: "saved" },
              h("h2", {}, t("open.saved")),
              h(
                "ul",
                { class: "plain" },
                saved.map((e) =>
                  h(
                    "li",
                    {},
                    h("a", { class: "card-link", href: `#e=${encodeURIComponent(e.electionId)}&fp=${e.fingerprint}` }, h("strong", {}, e.title), h("span", { class: "mono small" }, `${e.electionId} · ${e.fingerprint}`)),
                  ),
                ),
              ),
            )
          : null,
      ),
  };
  app.show(screen);
  void store.elections.all().then((all) => {
    saved = all;
    if (all.length) app.paint();
  });
}

/** §P12: nothing else happens before the election verifies; a failure ends at the refusal screen. */
export async function goVerify(app: App, electionId: string, fingerprint: string, minModulusBits?: number): Promise<void> {
  const bar = progressBar();
  bar.set(0, "common.working");
  app.show({
    name: "verifying",
    render: () =>
      h("section", {}, h("h1", {}, t("verify.title")), h("p", {}, t("verify.intro")), bar.el, fingerprintBlock(fingerprint, false)),
  });
  const pinned = await store.elections.get(electionId);
  let view: ElectionView;
  try {
    if (pinned && pinned.fingerprint !== fingerprint) {
      throw new EngineError("refused", t("refused.fingerprint", { got: pinned.fingerprint, expected: fingerprint }), "ElectionMismatch");
    }
    view = await app.engine.call(
      "open",
      {
        base: pinned?.base ?? app.base,
        electionId,
        fingerprint,
        logKey: pinned?.logKey,
        checkpoint: pinned?.checkpoint,
        minModulusBits: minModulusBits ?? pinned?.minModulusBits,
      },
      (fraction, step) => bar.set(fraction, step === "verify" ? "verify.checking" : step === "fetch" ? "verify.fetching" : "common.working"),
    );
  } catch (e) {
    if (e instanceof EngineError && e.kind === "unreachable") {
      goUnreachable(app, electionId, fingerprint, e.message, minModulusBits);
      return;
    }
    goRefused(app, fingerprint, app.reason(e), e instanceof EngineError ? e.code : "");
    return;
  }
  app.election = view;
  await store.elections.put({
    electionId,
    fingerprint: view.fingerprint,
    logKey: view.logKey,
    checkpoint: view.checkpoint,
    minModulusBits: minModulusBits ?? pinned?.minModulusBits ?? 2048,
    base: pinned?.base ?? app.base,
    title: view.title,
    openedAt: Date.now(),
  });
  void store.persist();
  app.credential = await store.credentials.get(electionId);
  if (app.credential && app.credential.electionHash !== view.electionHash) app.credential = undefined; // another instance
  if (view.phase === "keyed" || view.phase === "open") void app.precompute();
  const pendingCast = await store.pending.get(electionId);
  if (pendingCast) {
    void resumeCast(app, pendingCast); // a cast that did not finish: resend the same bytes
    return;
  }
  goElection(app);
}

function goUnreachable(app: App, electionId: string, fingerprint: string, message: string, minModulusBits?: number): void {
  app.show({
    name: "unreachable",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("verify.title")),
        h("p", { class: "error", role: "alert" }, t("common.error", { reason: message })),
        button(t("common.retry"), () => void goVerify(app, electionId, fingerprint, minModulusBits), "primary", { id: "retry" }),
      ),
  });
}

/** The refusal: nothing else is possible from here (no vote, no credential). */
export function goRefused(app: App, fingerprint: string, reason: string, kind = ""): void {
  const why = (["ElectionMismatch", "ElectionInvalid", "ReceiptInvalid"].includes(kind) ? `refused.why.${kind}` : "refused.why.other") as Key;
  app.election = undefined;
  app.show({
    name: "refused",
    render: () =>
      h(
        "section",
        { class: "refused", role: "alert" },
        h("div", { class: "stop", "aria-hidden": "true" }, "✕"),
        h("h1", {}, t("refused.title")),
        h("p", { class: "lead" }, t("refused.body")),
        h("p", { class: "why", id: "why" }, t(why)),
        h("p", { class: "reason" }, t("refused.reason", { reason })),
        fingerprint ? h("p", { class: "mono" }, t("refused.expected", { fingerprint })) : null,
      ),
  });
}

export function fingerprintBlock(fingerprint: string, verified: boolean): HTMLElement {
  return h(
    "div",
    { class: "fingerprint" + (verified ? " verified" : "") },
    h("div", { class: "label" }, t("election.fingerprint")),
    h("div", { class: "fp mono", id: "fp" }, fingerprint),
    verified ? h("p", { class: "small" }, t("election.fingerprint.compare")) : null,
  );
}

function area(centi: number): string {
  return `${Math.floor(centi / 100)}.${String(centi % 100).padStart(2, "0")}`;
}

export function formatTime(seconds: number): string {
  return new Intl.DateTimeFormat(lang() === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(seconds * 1000),
  );
}

function rule(v: ElectionView): string {
  switch (v.kind) {
    case "committee":
      return t("election.rule.committee", { roll: v.rollSize, seats: v.seats });
    case "assembly":
      return t("election.rule.assembly", {
        owners: v.rollSize,
        area: area(v.rollArea),
        need: t(v.major ? "election.need.major" : "election.need.ordinary"),
      });
    case "approval":
      return t("election.rule.approval", { roll: v.rollSize });
    case "referendum":
      return t("election.rule.referendum", { roll: v.rollSize });
    default:
      return "";
  }
}

function kindName(kind: string): string {
  return ["referendum", "committee", "assembly", "approval"].includes(kind)
    ? t(`election.kind.${kind}` as "election.kind.referendum")
    : kind;
}

/** What is voted on and how it is decided: from the verified election only. */
export function electionSummary(v: ElectionView): HTMLElement {
  const window =
    v.opensAt || v.closesAt
      ? t("election.window", {
          opens: v.opensAt ? formatTime(v.opensAt) : t("election.window.unbounded"),
          closes: v.closesAt ? formatTime(v.closesAt) : t("election.window.unbounded"),
        })
      : t("election.window.none");
  const listTitle = v.kind === "committee" ? t("election.candidates", { seats: v.seats }) : t("election.options");
  return h(
    "div",
    { class: "summary" },
    h("p", { class: "kind" }, kindName(v.kind)),
    h("h1", { id: "title" }, v.title),
    h("h2", {}, t("election.question")),
    h("p", { class: "question" }, v.question),
    h("h2", {}, listTitle),
    h("ul", { class: "options" }, v.options.map((o) => h("li", {}, optionWord(o)))),
    v.weighted ? h("p", { class: "notice", role: "note" }, t("election.notice.area")) : null,
    h("h2", {}, t("election.rules")),
    h("p", {}, rule(v)),
    h("p", {}, t(v.revote === "last" ? "election.revote.last" : "election.revote.refuse")),
    h("p", {}, window),
    h("p", {}, t(`election.eligibility.${v.eligibility}`)),
    h("p", { class: "phase" }, t("election.phase", { phase: t(`phase.${v.phase}`) })),
    descriptionText(v) ? h("details", {}, h("summary", {}, t("election.description")), h("p", { class: "pre" }, descriptionText(v))) : null,
  );
}

// voting.kinds.assembly.AREA_DISCLOSURE_NOTICE: an assembly's description carries it (client.actions.create_election);
// the booth shows it in the reader's language above, so it is left out of the description (tests/booth checks the text).
export const AREA_DISCLOSURE_NOTICE =
  "投票权重按专有部分面积计算：面积随选票公开（匿名模式下由凭证披露），结果按选项公布面积合计；" +
  "面积在名册上独一无二的业主，其投票可能由此被识别（结果报告会说明本次有多少张选票可被识别）。" +
  " / Votes are weighted by exclusive floor area: the area is public with each ballot (disclosed by the credential in" +
  " anonymous mode) and the result publishes the area per option, so the vote of an owner whose area is unique on" +
  " the roll can be identified (the report says how many ballots could be).";

/** The description without the area notice the kind adds to it (client.describe.election_lines does the same). */
function descriptionText(v: ElectionView): string {
  return (v.weighted ? v.description.replace(AREA_DISCLOSURE_NOTICE, "") : v.description).trim();
}

export function goElection(app: App): void {
  const v = app.election!;
  let hasReceipts = false;
  app.show({
    name: "election",
    render: () => {
      const c = app.credential;
      const issued = c?.status === "issued";
      const actions: HTMLElement[] = [];
      if (v.phase === "open" && issued) actions.push(button(t("election.vote"), () => goBallot(app), "primary", { id: "vote" }));
      if (!issued && v.phase !== "closed" && v.phase !== "published") {
        actions.push(
          button(t("election.get_credential"), () => (c?.status === "pending" ? goRelay(app) : goCredential(app)), "primary", {
            id: "get-credential",
          }),
        );
      }
      if (hasReceipts) actions.push(button(t("election.receipts"), () => goChecks(app), "secondary", { id: "receipts" }));
      if (issued) actions.push(button(t("election.backup"), () => goBackup(app), "secondary", { id: "backup" }));
      return h(
        "section",
        {},
        fingerprintBlock(v.fingerprint, true),
        electionSummary(v),
        v.phase === "closed" || v.phase === "published"
          ? h("p", { class: "status" }, t("election.closed"))
          : v.phase !== "open"
            ? h("p", { class: "status" }, t("election.not_open", { phase: t(`phase.${v.phase}`) }))
            : null,
        v.modulusBits < 3072 ? h("p", { class: "notice", role: "note", id: "test-key" }, t("election.test_key", { bits: v.modulusBits })) : null,
        h("p", { class: "small" }, t("election.private")),
        h("div", { class: "actions" }, actions),
      );
    },
  });
  void store.receipts.of(v.electionId).then((r) => {
    if (r.length && !hasReceipts) {
      hasReceipts = true;
      app.paint();
    }
  });
}
