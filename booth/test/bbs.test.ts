// crypto/bbs*.ts beyond the fixtures: every decoding check and the attacks of tests/crypto/test_bbs*.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import * as bbs from "../src/crypto/bbs.ts";
import { DecodingError, InvalidKey, InvalidProof, InvalidSignature } from "../src/crypto/bbs.ts";
import * as blind from "../src/crypto/bbs_blind.ts";
import * as nym from "../src/crypto/bbs_pseudonym.ts";
import { concat, fromHex, intToFixed, utf8 } from "../src/crypto/bytes.ts";

// the core fixtures' key pair (tests/vectors/bbs/core/bls12-381-sha-256/keypair.json)
const SK = fromHex("60e55110f76883a13d030b2f6bd11883422d5abde717569fc0731f51237169fc");
const PK = bbs.skToPk(SK);
const HEADER = utf8("community roll 2026");
const PH = utf8("ballot-1");
const MESSAGES = ["unit 4B", "owner", "tower 3", "since 2019", "x"].map(utf8);
const P = bls12_381.fields.Fp.ORDER;
const IDENTITY_G1 = concat(Uint8Array.of(0xc0), new Uint8Array(47));

const signature = bbs.sign(SK, PK, HEADER, MESSAGES);
const proof = bbs.proofGen(PK, signature, HEADER, PH, MESSAGES, [0, 2]);
const disclosed = [MESSAGES[0]!, MESSAGES[2]!];

function flip(data: Uint8Array, index: number): Uint8Array {
  const out = data.slice();
  out[index]! ^= 1;
  return out;
}

/** A compressed encoding of a point on E1 outside the prime-order subgroup. */
function nonSubgroupG1(): Uint8Array {
  const Fp = bls12_381.fields.Fp;
  for (let x = 1n; ; x++) {
    const y2 = Fp.add(Fp.pow(x, 3n), 4n);
    let y: bigint;
    try {
      y = Fp.sqrt(y2);
    } catch {
      continue;
    }
    const point = new bls12_381.G1.Point(x, y, 1n);
    if (point.isTorsionFree()) continue;
    const out = intToFixed(x, 48);
    out[0]! |= 0x80 | (y > (P - 1n) / 2n ? 0x20 : 0);
    return out;
  }
}

test("points decode strictly: identity, flags, x >= p, off the subgroup, wrong length", () => {
  const a = signature.subarray(0, 48);
  assert.deepEqual(bbs.g1ToBytes(bbs.g1FromBytes(a)), a);
  const xIsP = intToFixed(P, 48); // x = p: not below p
  xIsP[0]! |= 0x80;
  for (const bad of [IDENTITY_G1, Uint8Array.of(a[0]! & 0x7f, ...a.subarray(1)), xIsP, nonSubgroupG1(), a.subarray(1)]) {
    assert.throws(() => bbs.g1FromBytes(bad), DecodingError);
  }
  assert.throws(() => bbs.g2FromBytes(concat(Uint8Array.of(0xc0), new Uint8Array(95))), DecodingError);
  assert.throws(() => bbs.g2FromBytes(PK.subarray(0, 95)), DecodingError);
});

test("keys: KeyGen and SkToPk reject bad input", () => {
  assert.throws(() => bbs.keyGen(new Uint8Array(31)), InvalidKey);
  assert.throws(() => bbs.keyGen(new Uint8Array(32), new Uint8Array(65536)), InvalidKey);
  assert.throws(() => bbs.skToPk(new Uint8Array(32)), InvalidKey);
  assert.throws(() => bbs.skToPk(intToFixed(bbs.R, 32)), InvalidKey);
});

test("signatures: tampering and encoding checks", () => {
  bbs.verify(PK, signature, HEADER, MESSAGES);
  assert.throws(() => bbs.verify(PK, signature, concat(HEADER, utf8("!")), MESSAGES), InvalidSignature);
  assert.throws(() => bbs.verify(PK, signature, HEADER, [...MESSAGES.slice(0, -1), utf8("tampered")]), InvalidSignature);
  assert.throws(() => bbs.verify(PK, signature, HEADER, MESSAGES.slice(0, -1)), InvalidSignature);
  assert.throws(() => bbs.verify(PK, signature.subarray(0, 79), HEADER, MESSAGES), DecodingError);
  assert.throws(() => bbs.verify(PK, concat(signature.subarray(0, 48), new Uint8Array(32)), HEADER, MESSAGES), DecodingError);
  assert.throws(() => bbs.verify(PK, concat(signature.subarray(0, 48), intToFixed(bbs.R, 32)), HEADER, MESSAGES), DecodingError);
  assert.throws(() => bbs.verify(PK, concat(IDENTITY_G1, signature.subarray(48)), HEADER, MESSAGES), DecodingError);
  assert.throws(() => bbs.verify(concat(Uint8Array.of(0xc0), new Uint8Array(95)), signature, HEADER, MESSAGES), DecodingError);
  const otherPk = bbs.skToPk(bbs.keyGen(utf8("another residential community's registrar key material!!"), utf8("other")));
  assert.throws(() => bbs.verify(otherPk, signature, HEADER, MESSAGES), InvalidSignature);
});

test("proofs: tampering, moved presentation header, wrong disclosure", () => {
  bbs.proofVerify(PK, proof, HEADER, PH, disclosed, [0, 2]);
  assert.throws(() => bbs.proofVerify(PK, proof, HEADER, PH, [utf8("x"), MESSAGES[2]!], [0, 2]), InvalidProof);
  assert.throws(() => bbs.proofVerify(PK, proof, concat(HEADER, utf8("x")), PH, disclosed, [0, 2]), InvalidProof);
  assert.throws(() => bbs.proofVerify(PK, proof, HEADER, utf8("ballot-2"), disclosed, [0, 2]), InvalidProof);
  assert.throws(() => bbs.proofVerify(PK, proof, HEADER, PH, [MESSAGES[0]!, MESSAGES[3]!], [0, 3]), InvalidProof);
  assert.throws(() => bbs.proofVerify(PK, proof, HEADER, PH, disclosed.slice(0, 1), [0, 2]), InvalidProof);
  assert.throws(() => bbs.proofVerify(PK, flip(proof, proof.length - 1), HEADER, PH, disclosed, [0, 2]), BbsErrorClass);
  assert.throws(() => bbs.proofVerify(PK, flip(proof, 3 * 48 + 31), HEADER, PH, disclosed, [0, 2]), BbsErrorClass);
  assert.throws(() => bbs.proofVerify(PK, proof.subarray(0, 200), HEADER, PH, disclosed, [0, 2]), DecodingError);
  assert.throws(() => bbs.proofVerify(PK, proof.subarray(0, proof.length - 1), HEADER, PH, disclosed, [0, 2]), DecodingError);
  for (const indexes of [[2, 0], [0, 0], [-1, 2], [0, 9]]) {
    assert.throws(() => bbs.proofVerify(PK, proof, HEADER, PH, indexes.map(() => MESSAGES[0]!), indexes), InvalidProof);
    assert.throws(() => bbs.proofGen(PK, signature, HEADER, PH, MESSAGES, indexes), InvalidProof);
  }
});

const BbsErrorClass = bbs.BbsError;

test("random scalars are fresh, in [1, r), and not the mocked ones", () => {
  const a = bbs.calculateRandomScalars(3);
  assert.ok(a.every((s) => s > 0n && s < bbs.R));
  assert.notDeepEqual(a, bbs.calculateRandomScalars(3));
  assert.notDeepEqual(a, bbs.mockedCalculateRandomScalars(3));
});

// ---- blind -------------------------------------------------------------------------------------------------

const COMMITTED = [utf8("holder device key"), utf8("second")];

test("blind: commit, sign, verify, prove; the signer cannot swap committed messages", () => {
  const [commitment, proverBlind] = blind.commit(COMMITTED);
  blind.verifyCommitment(commitment);
  const sig = blind.blindSign(SK, PK, commitment, HEADER, MESSAGES.slice(0, 2));
  blind.verify(PK, sig, HEADER, MESSAGES.slice(0, 2), COMMITTED, proverBlind);
  assert.throws(() => blind.verify(PK, sig, HEADER, MESSAGES.slice(0, 2), [...COMMITTED].reverse(), proverBlind), InvalidSignature);
  const p = blind.proofGen(PK, sig, HEADER, PH, MESSAGES.slice(0, 2), COMMITTED, [1], [0], proverBlind);
  blind.proofVerify(PK, p, HEADER, PH, 2, [MESSAGES[1]!], [COMMITTED[0]!], [1], [0]);
  assert.throws(() => blind.proofVerify(PK, p, HEADER, PH, 3, [MESSAGES[1]!], [COMMITTED[0]!], [1], [0]), InvalidProof);
  assert.throws(() => blind.proofVerify(PK, p, HEADER, PH, 2, [MESSAGES[1]!], [COMMITTED[0]!], [1], [2]), InvalidProof);
  assert.throws(() => blind.proofVerify(PK, p, HEADER, PH, 2, [MESSAGES[1]!], [COMMITTED[0]!], [2], [0]), InvalidProof);
});

test("blind: tampered and malformed commitments are refused", () => {
  const [commitment] = blind.commit(COMMITTED);
  assert.throws(() => blind.blindSign(SK, PK, flip(commitment, 48 + 31), HEADER, []), BbsErrorClass);
  assert.throws(() => blind.verifyCommitment(flip(commitment, 48 + 31)), BbsErrorClass);
  assert.throws(() => blind.verifyCommitment(concat(commitment.subarray(0, 48), commitment.subarray(80))), InvalidProof);
  assert.throws(() => blind.verifyCommitment(concat(commitment, Uint8Array.of(0))), DecodingError);
  assert.throws(() => blind.verifyCommitment(concat(commitment.subarray(0, 48), new Uint8Array(32), commitment.subarray(80))), DecodingError);
  assert.throws(() => blind.verifyCommitment(concat(IDENTITY_G1, commitment.subarray(48))), DecodingError);
  assert.throws(() => blind.verifyCommitment(new Uint8Array(0)), DecodingError);
  assert.throws(() => blind.blindSign(SK, PK, commitment.subarray(0, 100), HEADER, []), DecodingError);
  // the blind interface is domain-separated from the core one
  const plain = blind.blindSign(SK, PK, new Uint8Array(0), HEADER, MESSAGES.slice(0, 1));
  blind.verify(PK, plain, HEADER, MESSAGES.slice(0, 1), [], 0n);
  assert.throws(() => bbs.verify(PK, plain, HEADER, MESSAGES.slice(0, 1)), InvalidSignature);
});

// ---- pseudonym ---------------------------------------------------------------------------------------------

const ELECTION_A = utf8("election-2026-budget/contest-1");
const ELECTION_B = utf8("election-2026-board/contest-1");
const NYM_MESSAGES = MESSAGES.slice(0, 2);
const NYM_COMMITTED = COMMITTED.slice(0, 1);

const credential = (() => {
  const proverNyms = bbs.calculateRandomScalars(2);
  const [commitment, proverBlind] = nym.commitWithNym(NYM_COMMITTED, proverNyms);
  const [sig, entropy] = nym.blindSignWithNym(SK, PK, commitment, 2, null, HEADER, NYM_MESSAGES);
  const nymSecrets = nym.finalizeNymSignature(PK, sig, HEADER, NYM_MESSAGES, NYM_COMMITTED, proverNyms, entropy, proverBlind);
  assert.equal(nymSecrets[0], proverNyms[0]);
  assert.equal(nymSecrets[1], (proverNyms[1]! + entropy) % bbs.R);
  assert.throws(
    () => nym.finalizeNymSignature(PK, sig, HEADER, NYM_MESSAGES, NYM_COMMITTED, proverNyms, entropy + 1n, proverBlind),
    InvalidSignature,
  );
  return { sig, nymSecrets, proverBlind };
})();

function prove(contextId: Uint8Array, ph: Uint8Array): [Uint8Array, Uint8Array] {
  return nym.proofGenWithNym(PK, credential.sig, HEADER, ph, credential.nymSecrets, contextId, NYM_MESSAGES, NYM_COMMITTED, [0], [], credential.proverBlind);
}

function verifyNym(p: Uint8Array, pseudonym: Uint8Array, contextId: Uint8Array, ph: Uint8Array, n = 2): void {
  nym.proofVerifyWithNym(PK, {
    proof: p,
    header: HEADER,
    ph,
    pseudonym,
    contextId,
    bigL: 2,
    disclosedMessages: [NYM_MESSAGES[0]!],
    disclosedCommitmentMessages: [],
    disclosedIndexes: [0],
    disclosedCommitmentIndexes: [],
    lengthNymVector: n,
  });
}

const [proofA, nymA] = prove(ELECTION_A, PH);

test("pseudonym: stable within a context, different across contexts", () => {
  assert.deepEqual(nym.calculatePseudonym(ELECTION_A, credential.nymSecrets), nymA);
  assert.notDeepEqual(nym.calculatePseudonym(ELECTION_B, credential.nymSecrets), nymA);
  verifyNym(proofA, nymA, ELECTION_A, PH);
});

test("pseudonym: a proof moved to another election, ballot or pseudonym is refused", () => {
  const nymB = nym.calculatePseudonym(ELECTION_B, credential.nymSecrets);
  assert.throws(() => verifyNym(proofA, nymA, ELECTION_B, PH), InvalidProof);
  assert.throws(() => verifyNym(proofA, nymB, ELECTION_B, PH), InvalidProof);
  assert.throws(() => verifyNym(proofA, nymA, ELECTION_A, utf8("ballot-2")), InvalidProof);
  const stranger = nym.calculatePseudonym(ELECTION_A, bbs.calculateRandomScalars(2));
  assert.throws(() => verifyNym(proofA, stranger, ELECTION_A, PH), InvalidProof);
  assert.throws(() => verifyNym(flip(proofA, 3 * 48 + 31), nymA, ELECTION_A, PH), BbsErrorClass);
});

test("pseudonym: wrong nym vector length, or an index pointing at a nym secret, is refused", () => {
  assert.throws(() => verifyNym(proofA, nymA, ELECTION_A, PH, 1), InvalidProof);
  assert.throws(
    () =>
      nym.proofVerifyWithNym(PK, {
        proof: proofA,
        header: HEADER,
        ph: PH,
        pseudonym: nymA,
        contextId: ELECTION_A,
        bigL: 2,
        disclosedMessages: [NYM_MESSAGES[0]!],
        disclosedCommitmentMessages: [utf8("x")],
        disclosedIndexes: [0],
        disclosedCommitmentIndexes: [1],
        lengthNymVector: 2,
      }),
    InvalidProof,
  );
});

test("pseudonym: every other spelling of the point, the identity and the base point are refused", () => {
  const variants = [
    Uint8Array.of(nymA[0]! & 0x7f, ...nymA.subarray(1)), // uncompressed flag
    Uint8Array.of(0xc0, ...nymA.subarray(1)), // infinity with stray bits
    concat(nymA, Uint8Array.of(0)),
    nymA.subarray(0, 47),
    IDENTITY_G1,
    bbs.g1ToBytes(bbs.G1_GENERATOR),
  ];
  // x + p, where it still fits the 381 coordinate bits (an aliasing double vote)
  const x = BigInt("0x" + Buffer.from(nymA).toString("hex")) & ((1n << 381n) - 1n);
  if (x + P < 1n << 381n) {
    const alias = intToFixed(x + P, 48);
    alias[0]! |= nymA[0]! & 0xe0;
    variants.push(alias);
  }
  for (const v of variants) {
    assert.throws(() => nym.pseudonymFromBytes(v), DecodingError);
    assert.throws(() => verifyNym(proofA, v, ELECTION_A, PH), DecodingError);
  }
});

test("pseudonym: bad commitments are refused by BlindSignWithNym; the interfaces are domain-separated", () => {
  const [commitment] = nym.commitWithNym(NYM_COMMITTED, [5n, 7n]);
  assert.throws(() => nym.blindSignWithNym(SK, PK, new Uint8Array(0), 2, null, HEADER, NYM_MESSAGES), DecodingError);
  assert.throws(() => nym.blindSignWithNym(SK, PK, commitment, 4, null, HEADER, NYM_MESSAGES), InvalidProof);
  assert.throws(() => nym.blindSignWithNym(SK, PK, flip(commitment, commitment.length - 1), 2, null, HEADER, NYM_MESSAGES), BbsErrorClass);
  assert.throws(() => blind.verifyCommitment(commitment), InvalidProof);
  assert.throws(() => nym.commitWithNym([], []), RangeError);
  assert.throws(() => nym.commitWithNym([], [bbs.R]), RangeError);
});
