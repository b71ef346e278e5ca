// The receipt (docs/protocol.md §P6.8, §P10.3): a short code, a QR code of the receipt file (the CLI's format, so
// `linli voter check-receipt` reads it too), kept on the phone; later checked against a newer checkpoint, saying
// "superseded by entry N" when a later ballot of the same credential counts instead.
import type { App } from "../app.ts";
import { button, download, h } from "../dom.ts";
import { t } from "../i18n.ts";
import { qrCode } from "../qr.ts";
import * as store from "../store.ts";
import type { ReceiptCheck } from "../types.ts";
import { formatTime, goElection } from "./open.ts";

function receiptFile(r: store.StoredReceipt): string {
  return `${r.electionId}.receipt-${r.receipt["leaf_index"]}.json`;
}

function receiptText(r: store.StoredReceipt): string {
  return JSON.stringify(r.receipt, null, 2) + "\n";
}

export function goReceipt(app: App, r: store.StoredReceipt): void {
  const index = r.receipt["leaf_index"] as number;
  const size = r.receipt["tree_size"] as number;
  app.show({
    name: "receipt",
    render: () =>
      h(
        "section",
        {},
        h("div", { class: "ok", "aria-hidden": "true" }, "✓"),
        h("h1", {}, t("receipt.title")),
        h("div", { class: "code-block" }, h("div", { class: "label" }, t("receipt.code")), h("div", { class: "receipt-code mono", id: "receipt-code" }, r.code)),
        qrCode(JSON.stringify(r.receipt), t("receipt.code")),
        h("p", { id: "receipt-entry" }, t("receipt.entry", { index, size })),
        r.replaces !== undefined ? h("p", { class: "notice", role: "note", id: "replaces" }, t("receipt.replaces", { index: r.replaces })) : null,
        h("p", {}, t("receipt.saved")),
        h("p", { class: "small" }, t("receipt.cli")),
        h(
          "div",
          { class: "actions" },
          button(t("receipt.download"), () => download(receiptFile(r), receiptText(r)), "secondary", { id: "download-receipt" }),
          button(t("election.receipts"), () => void goChecks(app), "secondary", { id: "receipts" }),
          button(t("common.continue"), () => goElection(app), "primary", { id: "continue" }),
        ),
      ),
  });
}

/** Every receipt kept for this election, each checked on request against the latest signed checkpoint. */
export async function goChecks(app: App): Promise<void> {
  const v = app.election!;
  const all = (await store.receipts.of(v.electionId)).sort((a, b) => a.castAt - b.castAt);
  const results = new Map<number, ReceiptCheck | string>();
  const generation = app.generation + 1;
  app.show({
    name: "checks",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("check.title")),
        all.length === 0 ? h("p", {}, t("check.none")) : null,
        h(
          "ul",
          { class: "plain receipts" },
          all.map((r) => {
            const res = results.get(r.id!);
            const index = r.receipt["leaf_index"] as number;
            return h(
              "li",
              { class: "receipt-card", "data-entry": index },
              h("div", { class: "receipt-code mono" }, r.code),
              h("p", { class: "small" }, t("receipt.entry", { index, size: r.receipt["tree_size"] as number }), " · ", t("check.cast_at", { time: formatTime(Math.floor(r.castAt / 1000)) })),
              res === undefined
                ? null
                : typeof res === "string"
                  ? h("p", { class: "error", role: "alert" }, t("check.failed", { reason: res }))
                  : h(
                      "div",
                      { class: "check-result", "data-superseded": res.supersededBy ?? "" },
                      res.witnesses === "pending"
                        ? h("p", { class: "notice", "data-witnesses": "pending" }, t("check.pending"))
                        : h("p", { class: "ok-line", "data-witnesses": res.witnesses }, t("check.ok", { index: res.leafIndex, size: res.size })),
                      h("p", { class: res.supersededBy === null ? "" : "notice" }, res.supersededBy === null ? t("check.counts") : t("check.superseded", { later: res.supersededBy })),
                    ),
              button(t("receipt.download"), () => download(receiptFile(r), receiptText(r)), "secondary"),
            );
          }),
        ),
        h(
          "div",
          { class: "actions" },
          all.length ? button(t("check.go"), () => void checkAll(), "primary", { id: "check" }) : null,
          button(t("common.back"), () => goElection(app), "secondary"),
        ),
      ),
  });
  const checkAll = async (): Promise<void> => {
    for (const r of all) {
      try {
        results.set(r.id!, await app.engine.call("checkReceipt", { electionId: v.electionId, receipt: r.receipt }));
      } catch (e) {
        results.set(r.id!, app.reason(e));
      }
      if (app.generation !== generation) return;
      app.paint();
    }
  };
}
