// booth/src/crypto/ballot.ts, opening.ts and the signing evidence of ed25519.ts: ballots of every kind verify and
// decrypt to the choice; material is used once; bad choices, mutated ballots, wrong evidence and wrong openings
// are refused; an opened ballot is never castable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EncodingError, fromHex, toHex } from "../src/crypto/bytes.ts";
import { assertCastable, ballotShape, buildBallot, parseBallot, precompute, verifyBallot, type Choice } from "../src/crypto/ballot.ts";
import { generateSeed, publicKey, signingEvidence, verifySigningEvidence } from "../src/crypto/ed25519.ts";
import { InvalidBallot, NotEligible, type KindName } from "../src/crypto/election.ts";
import { canonical, parseCanonical, type JSONObject } from "../src/crypto/encoding.ts";
import { checkOpening, openBallot } from "../src/crypto/opening.ts";
import { decrypt, testContext } from "./support.ts";

const seed = generateSeed();
const binding = publicKey(seed);
const CHOICES: Record<KindName, Choice[]> = {
  referendum: [0, 2],
  assembly: [1],
  committee: [[], [3], [0, 2]],
  approval: [[0, 1, 2, 3], []],
};

function build(kind: KindName, choice: Choice) {
  const ctx = testContext(kind);
  return { ctx, built: buildBallot(ctx, choice, binding, signingEvidence(ctx, seed), precompute(ctx)) };
}

test("ballots of every kind verify and encrypt the choice", () => {
  for (const [kind, choices] of Object.entries(CHOICES) as [KindName, Choice[]][]) {
    for (const choice of choices) {
      const { ctx, built } = build(kind, choice);
      const ballot = verifyBallot(ctx, built.bytes, verifySigningEvidence);
      assert.deepEqual(ballot.ballotHash, built.ballotHash);
      assert.deepEqual(canonical(ballot.json), built.bytes);
      const plain = ballot.contests.map((c) => decrypt(c.ciphertext));
      const expected = ctx.contestAllowed.length === 1 ? [ctx.contestAllowed[0]![choice as number]!] : ctx.definition.options.map((_, j) => ((choice as number[]).includes(j) ? 1n : 0n));
      assert.deepEqual(plain, expected, `${kind} ${JSON.stringify(choice)}`);
      assert.equal(ballot.sumProof !== null, kind === "committee");
    }
  }
});

test("material is used once and belongs to its election", () => {
  const ctx = testContext("referendum");
  const material = precompute(ctx);
  const copy = structuredClone(material);
  buildBallot(ctx, 0, binding, signingEvidence(ctx, seed), material);
  assert.throws(() => buildBallot(ctx, 1, binding, signingEvidence(ctx, seed), material), /used once/);
  assert.throws(() => buildBallot(ctx, 1, binding, signingEvidence(ctx, seed), copy), /used once/); // a copy too
  const fresh = structuredClone(precompute(ctx)); // a clone made in a Web Worker and used once is fine
  verifyBallot(ctx, buildBallot(ctx, 1, binding, signingEvidence(ctx, seed), fresh).bytes, verifySigningEvidence);
  const other = testContext("committee");
  assert.throws(() => precompute(ctx, ballotShape(other)), /not this election's ballot/);
  assert.throws(() => buildBallot(other, [0], binding, signingEvidence(other, seed), precompute(ctx)), InvalidBallot);
});

test("choices the kind does not allow are refused before any material is used", () => {
  const refused: [KindName, Choice][] = [
    ["referendum", 3],
    ["referendum", [0]],
    ["referendum", -1],
    ["assembly", 1.5],
    ["committee", [0, 1, 2]], // more marks than seats
    ["committee", [1, 1]],
    ["committee", [4]],
    ["approval", [0, 0]],
  ];
  for (const [kind, choice] of refused) {
    const ctx = testContext(kind);
    const material = precompute(ctx);
    assert.throws(() => buildBallot(ctx, choice, binding, signingEvidence(ctx, seed), material), InvalidBallot, `${kind} ${JSON.stringify(choice)}`);
    assert.ok(!material.contests.some((m) => m.used));
  }
});

test("evidence of another binding, a bad signature and mutated ballots are refused", () => {
  const { ctx, built } = build("committee", [1]);
  const stranger = generateSeed();
  assert.throws(() => buildBallot(ctx, [1], binding, signingEvidence(ctx, stranger)), NotEligible);
  const edit = (change: (b: any) => void): JSONObject => {
    const b = structuredClone(built.ballot) as any;
    change(b);
    return b;
  };
  const flip = (hex: string): string => toHex(fromHex(hex).map((x, i) => (i === fromHex(hex).length - 1 ? x ^ 1 : x)));
  const bad: [string, JSONObject, new (...a: any[]) => Error][] = [
    ["signature", edit((b) => (b.eligibility.signature = flip(b.eligibility.signature))), NotEligible],
    ["credential", edit((b) => (b.eligibility.credential = toHex(publicKey(stranger)))), NotEligible],
    ["ciphertext", edit((b) => (b.contests[0].ciphertext = flip(b.contests[0].ciphertext))), NotEligible], // hash changes
    ["election", edit((b) => (b.election = "other-election")), InvalidBallot],
    ["missing sum proof", edit((b) => delete b.sum_proof), EncodingError],
    ["extra field", edit((b) => (b.extra = 1)), EncodingError],
    ["short proof", edit((b) => b.contests[0].proof.z.pop()), EncodingError],
    ["wide ciphertext", edit((b) => (b.contests[0].ciphertext = "00" + b.contests[0].ciphertext)), EncodingError],
    ["zero ciphertext", edit((b) => (b.contests[0].ciphertext = "00".repeat(256))), InvalidBallot],
    ["mode", edit((b) => (b.eligibility.mode = "anonymous")), EncodingError],
  ];
  for (const [name, ballot, error] of bad) assert.throws(() => verifyBallot(ctx, ballot, verifySigningEvidence), error, name);
  // A proof swapped between positions is bound to its position: refused even with a valid signature over it.
  const swapped = edit((b) => ([b.contests[0].proof, b.contests[1].proof] = [b.contests[1].proof, b.contests[0].proof]));
  const resigned = { ...swapped, eligibility: signingEvidence(ctx, seed)(parseBallot(ctx, swapped).ballotHash) };
  assert.throws(() => verifyBallot(ctx, resigned, verifySigningEvidence), /validity proof of ciphertext 0 does not verify/);
  assert.throws(() => parseBallot(ctx, new Uint8Array([...built.bytes, 32])), EncodingError); // not canonical
});

test("an opening checks, a wrong exponent or choice is refused, and the opened ballot is spoiled", () => {
  for (const [kind, choice] of [["referendum", 2], ["committee", [0, 3]]] as [KindName, Choice][]) {
    const { ctx, built } = build(kind, choice);
    assertCastable(built);
    const opening = openBallot(ctx, built);
    assert.throws(() => assertCastable(built), /spoiled/);
    const checked = checkOpening(ctx, parseCanonical(canonical(opening)), verifySigningEvidence);
    assert.deepEqual(checked.choice, choice);
    assert.deepEqual(checked.ballotHash, built.ballotHash);
    const other = kind === "referendum" ? 0 : [1];
    const r = opening["randomness"] as string[];
    const wrong: [string, JSONObject][] = [
      ["choice", { ...opening, choice: other }],
      ["randomness", { ...opening, randomness: [r[1]!, r[0]!, ...r.slice(2)] }],
      ["randomness", { ...opening, randomness: r.map((x, j) => (j === 0 ? "00".repeat(x.length / 2 - 1) + "01" : x)) }],
    ];
    for (const [what, bad] of wrong) {
      if (kind === "referendum" && what === "randomness" && r.length === 1) continue;
      assert.throws(() => checkOpening(ctx, bad, verifySigningEvidence), /is not the encryption of the opened choice/, `${kind} ${what}`);
    }
    assert.throws(() => checkOpening(ctx, { ...opening, type: "ballot" }, verifySigningEvidence), EncodingError);
    assert.throws(() => checkOpening(ctx, { ...opening, election: "x-y-z" }, verifySigningEvidence), InvalidBallot);
    assert.throws(() => checkOpening(ctx, { ...opening, randomness: r.slice(1) }, verifySigningEvidence), EncodingError);
    assert.throws(() => checkOpening(ctx, { ...opening, randomness: r.map((x) => x + "00") }, verifySigningEvidence), EncodingError);
    assert.throws(() => checkOpening(ctx, { ...opening, choice: "yes" }, verifySigningEvidence), EncodingError);
    assert.throws(() => checkOpening(ctx, { ...opening, choice: kind === "referendum" ? 3 : [0, 1, 2] }, verifySigningEvidence), InvalidBallot);
  }
});

test("the evidence is injected: an anonymous election's ballot carries whatever evidence its module makes", () => {
  const ctx = testContext("referendum", { eligibility: "anonymous" });
  const pseudonym = new Uint8Array(48).fill(5);
  const evidence = (ballotHash: Uint8Array) => ({ mode: "anonymous", proof: toHex(new Uint8Array(336)), pseudonym: toHex(pseudonym), weight: ballotHash.length - 32 });
  const built = buildBallot(ctx, 1, pseudonym, evidence);
  const seen: Uint8Array[] = [];
  const ballot = verifyBallot(ctx, built.bytes, (_ctx, e, hash) => {
    assert.equal(e.mode, "anonymous");
    seen.push(hash);
  });
  assert.deepEqual(seen, [built.ballotHash]);
  assert.deepEqual(ballot.ballotHash, built.ballotHash);
  assert.throws(() => buildBallot(ctx, 1, new Uint8Array(48), evidence), NotEligible); // not the ballot's binding
  assert.throws(() => verifyBallot(ctx, built.bytes, verifySigningEvidence), NotEligible);
  const edit = (change: (e: any) => void) => {
    const b = structuredClone(built.ballot) as any;
    change(b.eligibility);
    return b;
  };
  for (const bad of [edit((e) => (e.proof = "00")), edit((e) => (e.weight = -1)), edit((e) => (e.pseudonym = "00")), edit((e) => (e.mode = "signing"))]) {
    assert.throws(() => parseBallot(ctx, bad), EncodingError);
  }
});
