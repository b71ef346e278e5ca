// booth/src/crypto/election.ts: the fingerprint against vectors from voting.election.fingerprint; typed input.
// (Parsing against Python's definitions and refusals: tests/booth/test_election_interop.py.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { EncodingError } from "../src/crypto/bytes.ts";
import { fingerprint, parseFingerprint } from "../src/crypto/election.ts";

test("fingerprint equals Python's", () => {
  assert.equal(fingerprint(new Uint8Array(32)), "LCPEW-55PTF-36LD6-XAJ3O");
  assert.equal(fingerprint(Uint8Array.from({ length: 32 }, (_, i) => i)), "FS22S-BKD6N-7MZWX-TXM2U");
  assert.throws(() => fingerprint(new Uint8Array(31)), RangeError);
});

test("a typed fingerprint is read in any case and spacing, and refused otherwise", () => {
  assert.equal(parseFingerprint(" lcpew55ptf 36ld6-xaj3o"), "LCPEW-55PTF-36LD6-XAJ3O");
  assert.throws(() => parseFingerprint("LCPEW-55PTF-36LD6-XAJ3"), EncodingError);
  assert.throws(() => parseFingerprint("LCPEW-55PTF-36LD6-XAJ31"), EncodingError);
});
