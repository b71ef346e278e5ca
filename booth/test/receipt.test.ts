// receipt.ts without a server: the JSON parse refuses what Receipt.to_json never writes, and the short code.
// (Python-made receipts, tamperings, rollback and fork: tests/booth/test_receipt_interop.py.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { EncodingError } from "../src/crypto/bytes.ts";
import { receiptCode, receiptFile, receiptFromJson, receiptToJson } from "../src/crypto/receipt.ts";
import type { JSONObject } from "../src/crypto/encoding.ts";

const good: JSONObject = {
  checkpoint: "linli.test/e\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— k sig\n",
  election: "e-1",
  inclusion_proof: ["00".repeat(32)],
  leaf_hash: "11".repeat(32),
  leaf_index: 0,
  tree_size: 1,
};

test("a receipt round-trips to exactly Receipt.to_json and the CLI's file", () => {
  const r = receiptFromJson(good);
  assert.deepEqual(receiptToJson(r), good);
  assert.deepEqual(receiptFile(r), { type: "linli-receipt", ...good });
  assert.deepEqual(receiptToJson(receiptFromJson(receiptFile(r))), good);
});

test("malformed receipts are refused", () => {
  const bad: JSONObject[] = [
    { ...good, type: "linli-key" },
    { ...good, extra: 1 },
    { ...good, leaf_hash: "11".repeat(31) },
    { ...good, leaf_hash: "AB".repeat(32) },
    { ...good, inclusion_proof: ["00"] },
    { ...good, inclusion_proof: [5] },
    { ...good, leaf_index: -1 },
    { ...good, tree_size: "1" },
    { ...good, election: 7 },
  ];
  const { checkpoint: _, ...missing } = good;
  for (const b of [...bad, missing]) assert.throws(() => receiptFromJson(b), EncodingError, JSON.stringify(b));
});

test("the short code is the base32 of the leaf hash, ten characters in two groups", () => {
  assert.equal(receiptCode(new Uint8Array(32)), "AAAAA-AAAAA");
  assert.equal(receiptCode(new Uint8Array(32).fill(0xff)), "77777-77777");
  // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======"
  const foobar = new Uint8Array(32);
  foobar.set(new TextEncoder().encode("foobar"));
  assert.equal(receiptCode(foobar), "MZXW6-YTBOI");
  assert.throws(() => receiptCode(new Uint8Array(31)), RangeError);
});
