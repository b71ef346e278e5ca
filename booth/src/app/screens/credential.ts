// The credential, made ON the phone (docs/protocol.md §P5): signing mode — an Ed25519 key; anonymous mode — a
// blinded request. Only the public part goes to the registrar, through the credential relay and a short code; the
// phone then waits for the issuance (the log's credential.issued entry, or the blind signature) and keeps the
// secret in IndexedDB, exportable as a PIN-encrypted backup (backup.ts).
import type { JSONObject } from "../../crypto/encoding.ts";
import type { App } from "../app.ts";
import * as backup from "../backup.ts";
import { button, download, h, progressBar } from "../dom.ts";
import { say } from "../live.ts";
import { t } from "../i18n.ts";
import { qrCode } from "../qr.ts";
import * as store from "../store.ts";
import { goElection } from "./open.ts";

const POLL_MS = 2000;

export function goCredential(app: App): void {
  const v = app.election!;
  const error = h("p", { class: "error", role: "alert" });
  let busy = false;
  app.show({
    name: "credential",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("cred.title")),
        h("p", {}, t("cred.intro")),
        v.eligibility === "anonymous" ? h("p", {}, t("cred.intro.anonymous")) : null,
        error,
        h(
          "div",
          { class: "actions" },
          button(
            t("cred.make"),
            () => {
              if (busy) return;
              busy = true;
              say(error, "common.working");
              makeCredential(app).catch((e) => {
                busy = false;
                say(error, "cred.failed", { reason: app.reason(e) });
              });
            },
            "primary",
            { id: "make-credential" },
          ),
          button(t("cred.restore"), () => goRestore(app), "secondary", { id: "restore" }),
          button(t("common.back"), () => goElection(app), "secondary"),
        ),
      ),
  });
}

async function makeCredential(app: App): Promise<void> {
  const v = app.election!;
  const made =
    v.eligibility === "signing"
      ? await app.engine.call("signingKey", { electionId: v.electionId })
      : await app.engine.call("requestAnonymous", { electionId: v.electionId });
  const credential: store.StoredCredential = {
    electionId: v.electionId,
    electionHash: v.electionHash,
    mode: v.eligibility,
    status: "pending",
    secret: made.secret,
    public: made.public,
    createdAt: Date.now(),
  };
  await store.credentials.put(credential); // kept before anything is sent: a reload resumes here
  const { code, check } = await app.engine.call("relayPost", { electionId: v.electionId, mode: v.eligibility, public: made.public });
  credential.relayCode = code;
  credential.relayCheck = check;
  await store.credentials.put(credential);
  app.credential = credential;
  goRelay(app);
}

/** The code for the registrar, big and as a QR code; the phone polls until the issuance arrives. */
export function goRelay(app: App): void {
  const c = app.credential!;
  const status = h("p", { class: "waiting", "aria-live": "polite" });
  say(status, "cred.waiting");
  app.show({
    name: "relay",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("cred.code.title")),
        h("p", {}, t("cred.code.body")),
        h("div", { class: "code-block" }, h("div", { class: "label" }, t("cred.code.label")), h("div", { class: "relay-code mono", id: "relay-code" }, c.relayCode ?? "")),
        c.relayCode ? qrCode(c.relayCode, `${t("cred.code.label")} ${c.relayCode}`) : null,
        c.relayCheck
          ? h("div", { class: "check-code" }, h("span", { class: "label" }, t("cred.check.label")), " ", h("span", { class: "mono", id: "relay-check" }, c.relayCheck), h("p", { class: "small" }, t("cred.check.body")))
          : null,
        status,
        button(t("common.back"), () => goElection(app), "secondary"),
      ),
  });
  const generation = app.generation;
  const tick = async (): Promise<void> => {
    if (app.generation !== generation) return;
    try {
      if (await poll(app)) {
        goIssued(app);
        return;
      }
    } catch (e) {
      say(status, "cred.failed", { reason: app.reason(e) });
    }
    setTimeout(() => void tick(), POLL_MS);
  };
  void tick();
}

/** One look at the relay and the log; true once the credential is issued and stored. */
async function poll(app: App): Promise<boolean> {
  const v = app.election!;
  const c = app.credential!;
  if (!c.relayCode) return false;
  const { ready, issued } = await app.engine.call("relayPoll", { electionId: v.electionId, code: c.relayCode });
  if (c.mode === "signing") {
    // §P5.1: the credential is the key; it counts once the registrar's credential.issued entry names it on the log
    const { index } = await app.engine.call("findIssuance", { electionId: v.electionId, credential: c.public });
    if (index === null) return false;
    c.issuance = index;
  } else {
    if (!ready || issued === null) return false;
    const done = await app.engine.call("finishAnonymous", { electionId: v.electionId, secret: c.secret, issued });
    c.secret = done.secret;
    c.public = done.public;
  }
  c.status = "issued";
  await store.credentials.put(c);
  return true;
}

function goIssued(app: App): void {
  const c = app.credential!;
  app.show({
    name: "issued",
    render: () =>
      h(
        "section",
        {},
        h("div", { class: "ok", "aria-hidden": "true" }, "✓"),
        h("h1", {}, t("cred.issued")),
        c.issuance !== undefined ? h("p", {}, t("cred.issued.entry", { index: c.issuance })) : null,
        h("p", {}, t("cred.backup.advice")),
        h(
          "div",
          { class: "actions" },
          button(t("election.backup"), () => goBackup(app), "primary", { id: "backup" }),
          button(t("common.continue"), () => goElection(app), "secondary", { id: "continue" }),
        ),
      ),
  });
}

export function goBackup(app: App): void {
  const v = app.election!;
  const pin = h("input", { id: "pin", type: "password", autocomplete: "new-password", inputmode: "numeric", minlength: backup.MIN_PIN });
  const pin2 = h("input", { id: "pin2", type: "password", autocomplete: "new-password", inputmode: "numeric", minlength: backup.MIN_PIN });
  const error = h("p", { class: "error", role: "alert" });
  let text = "";
  let working = false;
  const bar = progressBar();
  const copied = h("p", { class: "small", "aria-live": "polite" });
  app.show({
    name: "backup",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("backup.title")),
        h("p", {}, t("backup.intro")),
        text
          ? h(
              "div",
              { class: "backup-out", "data-state": "ready" },
              h("p", { role: "status" }, t("backup.ready")),
              qrCode(text, t("backup.title")),
              h("textarea", { id: "backup-text", readonly: true, rows: 4 }, text),
              h(
                "div",
                { class: "actions" },
                button(t("backup.download"), () => download(`${v.electionId}.credential-backup.txt`, text + "\n", "text/plain"), "primary", { id: "download-backup" }),
                button(
                  t("common.copy"),
                  () =>
                    void navigator.clipboard
                      ?.writeText(text)
                      .then(() => say(copied, "common.copied"))
                      .catch(() => say(copied, null)),
                  "secondary",
                ),
                copied,
                button(t("common.continue"), () => goElection(app), "secondary", { id: "continue" }),
              ),
            )
          : h(
              "form",
              {
                onsubmit: (e: Event) => {
                  e.preventDefault();
                  if (pin.value.length < backup.MIN_PIN) say(error, "backup.pin.short");
                  else if (pin.value !== pin2.value) say(error, "backup.pin.mismatch");
                  else {
                    say(error, null);
                    working = true;
                    app.paint();
                    void seal(pin.value);
                  }
                },
              },
              h("label", { for: "pin" }, t("backup.pin")),
              pin,
              h("label", { for: "pin2" }, t("backup.pin2")),
              pin2,
              error,
              working ? bar.el : null,
              h("button", { type: "submit", class: "btn btn-primary", id: "make-backup", disabled: working }, t("backup.make")),
            ),
      ),
  });
  bar.set(0.5, "backup.working");
  const seal = async (value: string): Promise<void> => {
    try {
      const c = app.credential!;
      text = await backup.seal(v.electionId, toBackup(c), value);
    } catch (e) {
      say(error, "common.error", { reason: app.reason(e) });
    }
    working = false;
    app.paint();
  };
}

export function goRestore(app: App): void {
  const v = app.election!;
  const area = h("textarea", { id: "restore-text", rows: 4, autocomplete: "off", spellcheck: "false" });
  const file = h("input", { id: "restore-file", type: "file", accept: ".txt,text/plain" });
  const pin = h("input", { id: "restore-pin", type: "password", autocomplete: "current-password", inputmode: "numeric" });
  const error = h("p", { class: "error", role: "alert" });
  file.addEventListener("change", () => void file.files?.[0]?.text().then((s) => (area.value = s.trim())));
  app.show({
    name: "restore",
    render: () =>
      h(
        "section",
        {},
        h("h1", {}, t("restore.title")),
        h(
          "form",
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              void restore();
            },
          },
          h("label", { for: "restore-text" }, t("restore.text")),
          area,
          h("label", { for: "restore-file", class: "file" }, t("restore.file")),
          file,
          h("label", { for: "restore-pin" }, t("restore.pin")),
          pin,
          error,
          h("button", { type: "submit", class: "btn btn-primary", id: "restore-go" }, t("restore.go")),
        ),
        button(t("common.back"), () => goCredential(app), "secondary"),
      ),
  });
  const restore = async (): Promise<void> => {
    const text = area.value.trim();
    try {
      const named = backup.backupElection(text);
      if (named !== v.electionId) {
        say(error, "restore.other", { election: named });
        return;
      }
      say(error, "restore.working");
      const { credential } = await backup.open(text, pin.value);
      const c = fromBackup(credential);
      if (c.electionId !== v.electionId || c.electionHash !== v.electionHash) {
        say(error, "restore.other", { election: c.electionId });
        return;
      }
      await store.credentials.put(c);
      app.credential = c;
      if (c.status === "pending") goRelay(app);
      else goElection(app);
    } catch (e) {
      if (e instanceof backup.BackupError) say(error, "restore.bad");
      else say(error, "common.error", { reason: app.reason(e) });
    }
  };
}

/** What a backup holds: the stored credential as JSON (its secret, and what the phone knows of its issuance). */
function toBackup(c: store.StoredCredential): JSONObject {
  return {
    createdAt: c.createdAt,
    electionHash: c.electionHash,
    electionId: c.electionId,
    issuance: c.issuance ?? null,
    mode: c.mode,
    public: c.public,
    relayCheck: c.relayCheck ?? null,
    relayCode: c.relayCode ?? null,
    secret: c.secret,
    status: c.status,
  };
}

/** The stored credential from a backup's JSON, field by field (a backup is untrusted input). */
function fromBackup(value: unknown): store.StoredCredential {
  const o = value as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof o[k] !== "string") throw new backup.BackupError(`backup: ${k}`, "format");
    return o[k] as string;
  };
  const mode = str("mode");
  const status = str("status");
  if ((mode !== "signing" && mode !== "anonymous") || (status !== "pending" && status !== "issued")) {
    throw new backup.BackupError("backup: mode or status", "format");
  }
  return {
    electionId: str("electionId"),
    electionHash: str("electionHash"),
    mode,
    status,
    secret: o["secret"] as store.StoredCredential["secret"],
    public: str("public"),
    relayCode: typeof o["relayCode"] === "string" ? (o["relayCode"] as string) : undefined,
    relayCheck: typeof o["relayCheck"] === "string" ? (o["relayCheck"] as string) : undefined,
    issuance: typeof o["issuance"] === "number" ? (o["issuance"] as number) : undefined,
    createdAt: typeof o["createdAt"] === "number" ? (o["createdAt"] as number) : Date.now(),
  };
}
