// Node runner of the standard BBS fixtures (test/bbs_vectors.ts): core, blind and pseudonym, every file.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBbsVectors } from "./bbs_vectors.ts";

const ROOT = fileURLToPath(new URL("../../tests/vectors/bbs/", import.meta.url));

function load(dir: string, out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) load(path, out);
    else if (entry.endsWith(".json")) out[relative(ROOT, path).split("\\").join("/")] = JSON.parse(readFileSync(path, "utf8"));
  }
  return out;
}

test("every standard BBS fixture (core -10, blind -02, pseudonym -02) passes", () => {
  const results = runBbsVectors(load(ROOT));
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, []);
  const count = (prefix: string) => results.filter((r) => r.name.startsWith(prefix)).length;
  // the counts of tests/vectors/README.md: 10 + 10 core, 2 + 5 + 8 blind, 4 + 6 + 11 pseudonym (+ utility files)
  assert.equal(count("core/bls12-381-sha-256/signature/"), 10);
  assert.equal(count("core/bls12-381-sha-256/proof/"), 10);
  assert.equal(count("blind/bls12-381-sha-256/commit/"), 2);
  assert.equal(count("blind/bls12-381-sha-256/signature/"), 5);
  assert.equal(count("blind/bls12-381-sha-256/proof/"), 8);
  assert.equal(count("pseudonym/bls12-381-sha-256/nymCommit/"), 4);
  assert.equal(count("pseudonym/bls12-381-sha-256/nymSignature/"), 6);
  assert.equal(count("pseudonym/bls12-381-sha-256/nymProof/"), 11);
  assert.equal(results.length, 20 + 5 + 15 + 1 + 21 + 1);
});
