// The PIN-encrypted credential backup (src/app/backup.ts): round trip, and every way to break it is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BackupError, ITERATIONS, backupElection, open, seal } from "../src/app/backup.ts";

const credential = { mode: "signing", secret: { secret: "11".repeat(32) }, status: "issued" };

test("a backup opens with its PIN and gives back the credential", async () => {
  const text = await seal("gate-2026", credential, "246810");
  assert.match(text, /^linli-backup:1:gate-2026:600000:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
  assert.equal(backupElection(text), "gate-2026");
  assert.deepEqual(await open(text, "246810"), { electionId: "gate-2026", credential });
  assert.equal(ITERATIONS >= 600_000, true);
});

test("two backups of the same credential differ (fresh salt and nonce)", async () => {
  assert.notEqual(await seal("gate-2026", credential, "246810"), await seal("gate-2026", credential, "246810"));
});

test("wrong PIN refused", async () => {
  const text = await seal("gate-2026", credential, "246810");
  await assert.rejects(open(text, "246811"), (e) => e instanceof BackupError && e.reason === "pin");
});

test("a short PIN is refused when sealing", async () => {
  await assert.rejects(seal("gate-2026", credential, "12345"), (e) => e instanceof BackupError && e.reason === "weak");
});

test("any altered character of the ciphertext is refused", async () => {
  const text = await seal("gate-2026", credential, "246810");
  const parts = text.split(":");
  const data = parts[6]!;
  const flipped = (data[5] === "A" ? "B" : "A");
  parts[6] = data.slice(0, 5) + flipped + data.slice(6);
  await assert.rejects(open(parts.join(":"), "246810"), (e) => e instanceof BackupError && e.reason === "pin");
});

test("the header is authenticated: another election id or a lower count is refused", async () => {
  const text = await seal("gate-2026", credential, "246810");
  const moved = text.replace("linli-backup:1:gate-2026:", "linli-backup:1:gate-2027:");
  await assert.rejects(open(moved, "246810"), (e) => e instanceof BackupError && e.reason === "pin");
  const weaker = text.replace(":600000:", ":1000:");
  await assert.rejects(open(weaker, "246810"), (e) => e instanceof BackupError && e.reason === "weak");
  const stronger = text.replace(":600000:", ":600001:");
  await assert.rejects(open(stronger, "246810"), (e) => e instanceof BackupError && e.reason === "pin");
});

test("not a backup, a truncated one, bad base64: format errors", async () => {
  const text = await seal("gate-2026", credential, "246810");
  for (const bad of ["", "hello", text.split(":").slice(0, 6).join(":"), text.replace(/:([^:]+)$/, ":***"), text.replace("linli-backup:1", "linli-backup:2")]) {
    await assert.rejects(open(bad, "246810"), (e) => e instanceof BackupError && e.reason === "format", bad);
  }
});
