// The booth in a real browser: the distribution's headless Chromium driven by playwright-core, emulating a phone
// (390×844, touch, a WeChat Android user agent — the booth uses no WeChat API), CPU throttled 4× over CDP.
//
// Run by tests/booth/test_browser.py: `npx tsx e2e/booth.mjs` (tsx so the catalogue, src/app/i18n.ts, is imported
// as the screens use it). The first stdin line is the scenario (JSON). The driver talks to pytest in JSON lines:
// it prints {"event": ...} and, where pytest must act (the registrar issuing, the server going away), waits for a
// reply line. Every screen is checked for the catalogue strings it must show, in Chinese and in English, and
// screenshotted in both; a screen wider than the phone fails the run.
import { mkdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { CATALOGUE, format, optionWord } from "../src/app/i18n.ts";
import { CheckpointSchema, EntriesResponseSchema } from "../src/gen/linli_pb.ts";

const CHROMIUM = "/usr/bin/chromium-headless-shell";
const PHONE = {
  viewport: { width: 390, height: 844 },
  screen: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: "zh-CN",
  userAgent:
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) " +
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) " +
    "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
  acceptDownloads: true,
};

// -- talking to pytest ----------------------------------------------------------------------------------------------
const lines = createInterface({ input: process.stdin });
const queue = [];
const waiting = [];
lines.on("line", (line) => {
  const msg = JSON.parse(line);
  const w = waiting.shift();
  if (w) w(msg);
  else queue.push(msg);
});
const nextLine = () => new Promise((resolve) => (queue.length ? resolve(queue.shift()) : waiting.push(resolve)));
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");
async function ask(event) {
  emit(event);
  const reply = await nextLine();
  if (reply.error) throw new Error(`pytest: ${reply.error}`);
  return reply;
}

// -- the catalogue, per language ------------------------------------------------------------------------------------
const LANGS = ["zh", "en"];
/** A catalogue string in `lang`; a parameter may itself depend on the language (a function of it). */
function text(lang, key, params = {}) {
  const resolved = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "function" ? v(lang) : v]));
  const template = CATALOGUE[lang][key];
  if (template === undefined) throw new Error(`no catalogue key ${key}`);
  return format(template, resolved);
}
const tr = (key, params) => (lang) => text(lang, key, params);
const literal = (s) => () => s;

// -- the run --------------------------------------------------------------------------------------------------------
const scenario = JSON.parse(await nextLine().then((m) => JSON.stringify(m)));
const shots = scenario.screenshots;
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
const seen = []; // [{screen, lang, file, checked: [...]}]
let shotNo = 0;
const consoleErrors = [];

async function phone() {
  const context = await browser.newContext({ ...PHONE, baseURL: scenario.base });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  const cdp = await context.newCDPSession(page);
  if (scenario.throttle) await cdp.send("Emulation.setCPUThrottlingRate", { rate: scenario.throttle });
  return { context, page };
}

/** Wait for `name`, then in each language: the expected strings are visible, nothing is wider than the phone, a
 * screenshot. Returns to Chinese. */
async function screen(page, name, expected, { both = scenario.bothLanguages !== false } = {}) {
  await page.waitForSelector(`[data-screen="${name}"]`, { timeout: scenario.timeoutMs ?? 120_000 });
  const langs = both ? LANGS : [await currentLang(page)];
  for (const lang of langs) {
    if ((await currentLang(page)) !== lang) await switchLang(page);
    await page.waitForSelector(`[data-screen="${name}"]`);
    const want = expected.map((e) => (typeof e === "function" ? e(lang) : e));
    await page.waitForFunction(
      (strings) => {
        const visible = document.querySelector("#app")?.innerText ?? "";
        return strings.every((s) => visible.includes(s));
      },
      want,
      { timeout: 30_000 },
    ).catch(async () => {
      const visible = await page.innerText("#app");
      const missing = want.filter((s) => !visible.includes(s));
      throw new Error(`screen ${name} (${lang}) lacks ${JSON.stringify(missing)}; it shows:\n${visible}`);
    });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (wide > 0) throw new Error(`screen ${name} (${lang}) is ${wide}px wider than the phone`);
    const file = join(shots, `${String(++shotNo).padStart(2, "0")}-${name}-${lang}.png`);
    await page.screenshot({ path: file, fullPage: true });
    seen.push({ screen: name, lang, file, checked: want });
  }
  if ((await currentLang(page)) !== "zh") await switchLang(page);
  emit({ event: "screen", name });
}

async function currentLang(page) {
  return (await page.getAttribute("html", "lang")) === "en" ? "en" : "zh";
}

async function switchLang(page) {
  const before = await currentLang(page);
  await page.tap("#lang");
  await page.waitForFunction((b) => (document.documentElement.lang === "en" ? "en" : "zh") !== b, before);
}

/** Wait for a screen; an error the booth shows meanwhile (a refusal, a failed step) fails at once, with its text. */
async function reach(page, name, timeout = scenario.timeoutMs ?? 180_000) {
  const handle = await page.waitForFunction(
    (n) => {
      if (document.querySelector(`[data-screen="${n}"]`)) return "ok";
      const err = [...document.querySelectorAll("#app .error, #app [data-screen=refused]")].find((e) => e.textContent.trim());
      return err ? `the booth shows: ${err.innerText}` : false;
    },
    name,
    { timeout },
  );
  const got = await handle.jsonValue();
  if (got !== "ok") throw new Error(`waiting for screen ${name}: ${got}`);
}

async function tap(page, selector) {
  await page.waitForSelector(selector, { state: "visible" });
  await page.tap(selector);
}

async function downloadOf(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent("download"), tap(page, selector)]);
  return readFileSync(await dl.path(), "utf8");
}

// -- what each screen must say --------------------------------------------------------------------------------------
const e = scenario.election; // {id, fingerprint, title, question, kind, options, seats, eligibility, weighted}
const kindKey = `election.kind.${e.kind}`;

function choiceWords(lang, choice) {
  if (typeof choice === "number") return optionWord(e.options[choice], lang);
  return choice.length ? choice.map((i) => optionWord(e.options[i], lang)).join(text(lang, "list.sep")) : text(lang, "review.blank");
}

function electionScreen(phase) {
  return [
    tr("election.fingerprint"),
    literal(e.fingerprint),
    tr("election.fingerprint.compare"),
    literal(e.title),
    literal(e.question),
    tr(kindKey),
    tr("election.phase", { phase: tr(`phase.${phase}`) }),
    tr(`election.eligibility.${e.eligibility}`),
    ...(e.weighted ? [tr("election.notice.area")] : []),
    ...(e.kind === "committee" ? [tr("election.candidates", { seats: e.seats })] : []),
  ];
}

async function openElection(page, link = scenario.link) {
  await page.goto(link);
  await reach(page, "election");
  await screen(page, "election", electionScreen("open"));
}

/** The credential made on the phone; pytest plays the registrar with the relay code. Returns the backup text. */
async function getCredential(page, { backup = true } = {}) {
  await tap(page, "#get-credential");
  await screen(page, "credential", [tr("cred.title"), tr("cred.intro"), ...(e.eligibility === "anonymous" ? [tr("cred.intro.anonymous")] : [])]);
  await tap(page, "#make-credential");
  await page.waitForSelector('[data-screen="relay"]');
  const code = (await page.innerText("#relay-code")).trim();
  const check = (await page.innerText("#relay-check")).trim();
  await screen(page, "relay", [tr("cred.code.title"), tr("cred.code.body"), literal(code), tr("cred.check.label"), literal(check), tr("cred.waiting")]);
  await ask({ event: "relay", code, check });
  await reach(page, "issued");
  await screen(page, "issued", [tr("cred.issued"), tr("cred.backup.advice")]);
  if (!backup) {
    await tap(page, "#continue");
    return null;
  }
  await tap(page, "#backup");
  await screen(page, "backup", [tr("backup.title"), tr("backup.intro"), tr("backup.pin")]);
  await page.fill("#pin", scenario.pin);
  await page.fill("#pin2", scenario.pin);
  await tap(page, "#make-backup");
  await page.waitForSelector('[data-state="ready"]', { timeout: 60_000 });
  await screen(page, "backup", [tr("backup.ready"), tr("backup.download")]);
  const saved = await downloadOf(page, "#download-backup");
  const shown = (await page.inputValue("#backup-text")).trim();
  if (saved.trim() !== shown) throw new Error("the downloaded backup differs from the one shown");
  await tap(page, "#continue");
  return shown;
}

async function restoreCredential(page, backupText) {
  await tap(page, "#get-credential");
  await page.waitForSelector('[data-screen="credential"]');
  await tap(page, "#restore");
  await screen(page, "restore", [tr("restore.title"), tr("restore.text"), tr("restore.pin")]);
  await page.fill("#restore-text", backupText);
  await page.fill("#restore-pin", "wrong-" + scenario.pin);
  await tap(page, "#restore-go");
  await screen(page, "restore", [tr("restore.bad")], { both: false });
  await page.fill("#restore-pin", scenario.pin);
  await tap(page, "#restore-go");
  await page.waitForSelector('[data-screen="election"] #vote', { timeout: 60_000 });
}

async function mark(page, choice) {
  await tap(page, "#vote");
  const hint =
    e.kind === "committee" ? tr("ballot.choose.upto", { seats: e.seats }) : e.kind === "approval" ? tr("ballot.choose.any") : tr("ballot.choose.one");
  await screen(page, "ballot", [
    tr("ballot.title"),
    hint,
    ...e.options.map((o) => (lang) => optionWord(o, lang)),
    ...(e.weighted ? [tr("ballot.area.title"), tr("election.notice.area")] : []),
  ]);
  for (const i of Array.isArray(choice) ? choice : [choice]) await page.tap(`label[for="option-${i}"]`);
  if (e.kind === "committee" && Array.isArray(choice)) {
    const full = choice.length >= e.seats;
    await screen(page, "ballot", [full ? tr("ballot.full", { seats: e.seats }) : tr("ballot.count", { n: choice.length, seats: e.seats })], { both: false });
    if (full) {
      const free = e.options.findIndex((_, i) => !choice.includes(i));
      if (!(await page.isDisabled(`#option-${free}`))) throw new Error("a committee ballot lets the voter mark more than the seats");
    }
  }
  await tap(page, "#review");
}

/** Review → encrypt → (audit → fresh) → cast → receipt. Returns what pytest needs to check afterwards. */
async function vote(page, choice, { audit = false, earlier = null, disappear = false, closed = false } = {}) {
  await mark(page, choice);
  const review = [tr("review.title"), tr("review.choice"), (lang) => choiceWords(lang, choice)];
  if (earlier !== null) {
    await page.waitForSelector("#revote", { timeout: 60_000 });
    review.push(tr(scenario.revotePolicy === "refuse" ? "review.refuse" : "review.revote", { index: earlier }));
  }
  await screen(page, "review", review);
  if (earlier !== null && scenario.revotePolicy === "refuse") {
    if (await page.$("#encrypt")) throw new Error("the booth offers to encrypt a re-vote the election refuses");
    return { refusedRevote: true };
  }
  await tap(page, "#encrypt");
  const out = { audits: [] };
  await reach(page, "sealed");
  let code = (await page.innerText("#ballot-code")).trim();
  await screen(page, "sealed", [tr("sealed.title"), tr("sealed.code"), tr("sealed.body"), literal(code)]);
  if (audit) {
    await tap(page, "#audit");
    await page.waitForSelector("#audit-ok", { timeout: 120_000 });
    const file = `${e.id}.audit-${code.replace(/-/g, "").toLowerCase()}.json`;
    await screen(page, "audit", [
      tr("audit.title"),
      tr("audit.ok", { choice: (lang) => choiceWords(lang, choice) }),
      tr("audit.spoiled"),
      tr("audit.howto", { file, election: e.id }),
      literal(code),
    ]);
    out.audits.push({ code, file, text: await downloadOf(page, "#download-audit") });
    await tap(page, "#fresh");
    await reach(page, "sealed");
    const fresh = (await page.innerText("#ballot-code")).trim();
    if (fresh === code) throw new Error("the fresh ballot has the spoiled ballot's code");
    code = fresh;
  }
  let landed = false;
  if (disappear) {
    // The server takes the ballot, then vanishes before its reply reaches the phone: the phone must resend the same
    // bytes until the server is back, and get the first attempt's receipt (§P11.4).
    const sent = [];
    await page.route("**/linli.v1.Linli/CastBallot", async (route) => {
      const body = route.request().postDataBuffer();
      sent.push(body ? body.toString("base64") : "");
      if (!landed) {
        landed = true;
        await route.fetch(); // reaches the server, which appends the ballot; its answer is lost
        await ask({ event: "cast-landed" }); // pytest stops the server
        await route.abort("connectionreset");
        return;
      }
      await route.continue();
    });
    out.sent = sent;
  }
  if (closed) {
    // the administrator closes the election while the voter holds a sealed ballot: the server refuses it
    await ask({ event: "sealed" });
    await tap(page, "#cast");
    await page.waitForSelector("#cast-refused", { timeout: 60_000 });
    await screen(page, "casting", [tr("cast.title"), tr("cast.refused.FAILED_PRECONDITION"), literal(code)]);
    return { ...out, code, refused: true };
  }
  await tap(page, "#cast");
  if (disappear) {
    await page.waitForSelector("#cast-status");
    const retry = Array.from({ length: 20 }, (_, s) => s + 1);
    await page.waitForFunction(
      (strings) => strings.some((s) => (document.querySelector("#cast-status")?.textContent ?? "").includes(s)),
      retry.map((s) => text("zh", "cast.retry", { seconds: s })),
      { timeout: 60_000 },
    );
    const status = (await page.innerText("#cast-status")).trim();
    await screen(page, "casting", [tr("cast.title"), literal(code)]);
    emit({ event: "retrying", status });
    await ask({ event: "restart" }); // pytest starts the server again
  }
  await reach(page, "receipt");
  const receiptText = await downloadOf(page, "#download-receipt");
  const receipt = JSON.parse(receiptText);
  const expectReceipt = [
    tr("receipt.title"),
    tr("receipt.code"),
    tr("receipt.saved"),
    tr("receipt.entry", { index: receipt.leaf_index, size: receipt.tree_size }),
    literal(code),
  ];
  if (earlier !== null) expectReceipt.push(tr("receipt.replaces", { index: earlier }));
  await screen(page, "receipt", expectReceipt);
  if ((await page.innerText("#receipt-code")).trim() !== code) throw new Error("the receipt's code differs from the sealed ballot's");
  return { ...out, code, receipt, receiptText };
}

async function checkReceipts(page, expectations) {
  await tap(page, "#receipts");
  await screen(page, "checks", [tr("check.title"), ...expectations.map((x) => literal(x.code))]);
  await tap(page, "#check");
  const want = [];
  for (const x of expectations) {
    want.push(tr("check.ok", { index: x.index, size: x.size }));
    want.push(x.supersededBy === null ? tr("check.counts") : tr("check.superseded", { later: x.supersededBy }));
  }
  await screen(page, "checks", want);
}

/** A server that lies about the election, as the phone sees it: the answers to GetEntries or GetCheckpoint are
 * altered on the way (the server's own log is untouched). */
async function tamper(page, what) {
  const alterEntry = (kind, change) => async (route) => {
    const response = await route.fetch();
    const msg = fromBinary(EntriesResponseSchema, await response.body());
    msg.entries = msg.entries.map((raw) => {
      const entry = JSON.parse(new TextDecoder().decode(raw));
      if (entry.kind !== kind) return raw;
      change(entry);
      return new TextEncoder().encode(canonicalJson(entry));
    });
    await route.fulfill({ response, body: Buffer.from(toBinary(EntriesResponseSchema, msg)) });
  };
  if (what === "definition") {
    await page.route("**/linli.v1.Linli/GetEntries", alterEntry("election.created", (e) => (e.body.election.title += "（修订）")));
  } else if (what === "key") {
    await page.route(
      "**/linli.v1.Linli/GetEntries",
      alterEntry("key.published", (e) => {
        const n = e.body.public_key.n;
        e.body.public_key.n = n.slice(0, -1) + (n.endsWith("1") ? "3" : "1");
      }),
    );
  } else if (what === "checkpoint") {
    await page.route("**/linli.v1.Linli/GetCheckpoint", async (route) => {
      const response = await route.fetch();
      const msg = fromBinary(CheckpointSchema, await response.body());
      const text = new TextDecoder().decode(msg.note);
      // the note's last line is "— name base64(keyid ‖ signature)": change one signature character
      const i = text.trimEnd().length - 5;
      msg.note = new TextEncoder().encode(text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1));
      await route.fulfill({ response, body: Buffer.from(toBinary(CheckpointSchema, msg)) });
    });
  } else if (what) {
    throw new Error(`unknown tamper ${what}`);
  }
}

/** RFC 8785 for the entries altered here (ASCII keys, no floats: sorting the keys is the whole of it). */
function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

class Done extends Error {} // a scenario that ends early, as planned

// -- scenarios ------------------------------------------------------------------------------------------------------
const result = { screens: seen };
try {
  if (scenario.kind === "refused") {
    const { page } = await phone();
    await tamper(page, scenario.tamper);
    await page.goto(scenario.link);
    await reach(page, "refused");
    await screen(page, "refused", [
      tr("refused.title"),
      tr("refused.body"),
      ...(scenario.why ? [tr(`refused.why.${scenario.why}`)] : []),
      ...(scenario.reasonIncludes ?? []).map(literal),
    ]);
    const buttons = await page.$$eval("[data-screen=refused] button, [data-screen=refused] a", (els) => els.length);
    if (buttons) throw new Error("the refusal screen offers an action");
  } else if (scenario.kind === "offline") {
    // PWA: the service worker caches the app shell, so the booth opens without a network — and caches nothing else
    const { context, page } = await phone();
    // no link: the voter types the election id and the fingerprint from the notice board (a typo is caught first)
    await page.goto("/booth/");
    await reach(page, "open");
    await screen(page, "open", [tr("open.title"), tr("open.intro"), tr("open.election"), tr("open.fingerprint")]);
    await page.fill("#election-id", e.id);
    await page.fill("#fingerprint", e.fingerprint.slice(0, -1));
    await tap(page, "[data-screen=open] button[type=submit]");
    await screen(page, "open", [tr("open.missing")], { both: false });
    const testKey = /[#&]min=/.test(scenario.link);
    await page.fill("#fingerprint", e.fingerprint.toLowerCase().replace(/-/g, " ")); // as typed: any case, spaces
    await tap(page, "[data-screen=open] button[type=submit]");
    if (testKey) {
      // typed by hand, the election has no link's test-key allowance: its 1024-bit key is refused (2048 at least)
      await reach(page, "refused");
      await screen(page, "refused", [tr("refused.title"), tr("refused.why.ElectionInvalid"), literal("below the minimum 2048")]);
      await openElection(page);
    } else {
      await reach(page, "election");
    }
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await reach(page, "election");
    if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) throw new Error("no service worker controls the booth");
    result.cached = await page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
      return urls.sort();
    });
    result.manifest = await page.evaluate(async () => (await fetch(document.querySelector("link[rel=manifest]").href)).json());
    await context.setOffline(true);
    await page.reload();
    await reach(page, "unreachable");
    await screen(page, "unreachable", [tr("verify.title"), tr("common.retry")]);
    await context.setOffline(false);
    await tap(page, "#retry");
    await reach(page, "election");
  } else if (scenario.kind === "vote") {
    const first = await phone();
    await openElection(first.page);
    result.backup = await getCredential(first.page, { backup: !!scenario.backup });
    await first.page.waitForSelector('[data-screen="election"] #vote');
    await screen(first.page, "election", electionScreen("open"), { both: false });
    const v1 = await vote(first.page, scenario.choice, { audit: !!scenario.audit, disappear: !!scenario.disappear, closed: !!scenario.closed });
    result.votes = [v1];
    if (v1.refused) {
      // nothing pending is left to resend: a reload shows the closed election, not the casting screen
      await first.page.reload();
      await reach(first.page, "election");
      await screen(first.page, "election", [tr("election.closed"), tr("election.phase", { phase: tr("phase.closed") })]);
    } else if (scenario.revote !== undefined) {
      // a re-vote from a second phone, the credential restored from its PIN-encrypted backup
      const second = await phone();
      await openElection(second.page);
      await restoreCredential(second.page, result.backup);
      const v2 = await vote(second.page, scenario.revote, { earlier: v1.receipt.leaf_index });
      result.votes.push(v2);
      if (v2.refusedRevote) throw new Done();
      await ask({ event: "voted", receipts: result.votes.map((v) => v.receipt) });
      // the first phone checks both receipts against the newer checkpoint: the first is superseded by the second
      await first.page.reload();
      await first.page.waitForSelector('[data-screen="election"] #receipts', { timeout: 120_000 });
      const size = Number((await ask({ event: "tree-size" })).size);
      await checkReceipts(first.page, [{ code: v1.code, index: v1.receipt.leaf_index, size, supersededBy: v2.receipt.leaf_index }]);
      await second.page.reload();
      await second.page.waitForSelector('[data-screen="election"] #receipts', { timeout: 120_000 });
      await checkReceipts(second.page, [{ code: v2.code, index: v2.receipt.leaf_index, size, supersededBy: null }]);
    } else if (scenario.check) {
      await tap(first.page, "#continue");
      const size = Number((await ask({ event: "tree-size" })).size);
      await checkReceipts(first.page, [{ code: v1.code, index: v1.receipt.leaf_index, size, supersededBy: null }]);
    }
  } else {
    throw new Error(`unknown scenario ${scenario.kind}`);
  }
  result.consoleErrors = consoleErrors;
  emit({ event: "done", result });
} catch (err) {
  if (err instanceof Done) {
    result.consoleErrors = consoleErrors;
    emit({ event: "done", result });
  } else {
  emit({ event: "failed", message: String(err?.stack ?? err), consoleErrors, screens: seen });
  process.exitCode = 1;
  }
} finally {
  await browser.close();
  lines.close();
}
