// The booth's small pure helpers: the link, the API base, the fingerprint as typed, the short codes, the catalogue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { apiBase, normaliseFingerprint, parseLink } from "../src/app/app.ts";
import { CATALOGUE, format, LANGS } from "../src/app/i18n.ts";

test("the link #e=ID&fp=FP gives the election and the fingerprint in its written form", () => {
  assert.deepEqual(parseLink("#e=gate-2026&fp=k7qxm2d4nawb6rtyh3ce"), { electionId: "gate-2026", fingerprint: "K7QXM-2D4NA-WB6RT-YH3CE" });
  assert.deepEqual(parseLink("#e=gate-2026&fp=K7QXM-2D4NA-WB6RT-YH3CE"), { electionId: "gate-2026", fingerprint: "K7QXM-2D4NA-WB6RT-YH3CE" });
  assert.deepEqual(parseLink(""), { electionId: "", fingerprint: "" });
});

test("a fingerprint with a wrong character or length is no fingerprint", () => {
  assert.equal(normaliseFingerprint("K7QXM-2D4NA-WB6RT-YH3C"), "");
  assert.equal(normaliseFingerprint("K7QXM-2D4NA-WB6RT-YH3C1"), ""); // 1 is not base32
  assert.equal(normaliseFingerprint(" k7qxm 2d4na wb6rt yh3ce "), "K7QXM-2D4NA-WB6RT-YH3CE");
});

test("the API is where the booth was served from", () => {
  assert.equal(apiBase("https://vote.example.cn/booth/#e=x&fp=y"), "https://vote.example.cn");
  assert.equal(apiBase("https://vote.example.cn/linli/booth/index.html?x=1"), "https://vote.example.cn/linli");
  assert.equal(apiBase("http://127.0.0.1:8080/booth/"), "http://127.0.0.1:8080");
});

test("both languages have every key, with the same placeholders", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(CATALOGUE.zh) as (keyof typeof CATALOGUE.zh)[]) {
    for (const lang of LANGS) assert.ok(CATALOGUE[lang][key], `${lang} lacks ${key}`);
    assert.deepEqual(placeholders(CATALOGUE.en[key]), placeholders(CATALOGUE.zh[key]), key);
  }
  assert.throws(() => format("{a} and {b}", { a: 1 }), /missing parameter \{b\}/);
});
