// credentials.ts and anonymous.ts: issuance on the phone, the credential file, a ballot's evidence — and every
// refusal of voting/credentials.py and voting/eligibility.py (the Python side is checked in
// tests/booth/test_bbs_interop.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as bbs from "../src/crypto/bbs.ts";
import * as nym from "../src/crypto/bbs_pseudonym.ts";
import { EncodingError, fromHex, toHex, utf8 } from "../src/crypto/bytes.ts";
import {
  AnonymousEvidence,
  anonymousEvidence,
  credentialBinding,
  presentForRevocation,
  signAnonymous,
  verifyAnonymous,
  verifyRevocation,
  type AnonymousContext,
} from "../src/crypto/anonymous.ts";
import {
  AnonymousCredential,
  CredentialRequest,
  credentialHeader,
  exportCredential,
  finishCredential,
  importCredential,
  IssuedCredential,
  NotEligible,
  requestCredential,
  weightMessages,
} from "../src/crypto/credentials.ts";
import type { JSONObject } from "../src/crypto/encoding.ts";

const SK = bbs.keyGen(utf8("the residents' committee registrar key material, 2026"));
const PK = bbs.skToPk(SK);
const ELECTION_HASH = fromHex("11".repeat(32));
const OTHER_HASH = fromHex("22".repeat(32));
const BALLOT_HASH = fromHex("ab".repeat(32));

/** The registrar's side (voting/credentials.py issue_credential), for these tests only. */
function issue(commitment: Uint8Array, electionHash = ELECTION_HASH, weight = 0): IssuedCredential {
  const [signature, entropy] = nym.blindSignWithNym(SK, PK, commitment, 1, null, credentialHeader(electionHash), weightMessages(weight));
  return new IssuedCredential(signature, entropy, weight);
}

function ctx(weighted = false, credentialKey = PK, electionHash = ELECTION_HASH, electionId = "e1"): AnonymousContext {
  return { electionId, electionHash, definition: { credentialKey, kind: weighted ? "assembly" : "referendum" } };
}

const request = requestCredential("e1", ELECTION_HASH);
const issued = issue(request.commitment);
const credential = finishCredential(request, PK, issued);

test("request: the state and the registrar's file are the CLI's JSON", () => {
  const state = request.toJson();
  assert.deepEqual(Object.keys(state).sort(), ["commitment", "election", "election_hash", "prover_nyms", "secret_prover_blind"]);
  assert.equal(request.commitment.length, 48 + 3 * 32);
  assert.deepEqual(CredentialRequest.fromJson(state).toJson(), state);
  assert.deepEqual(request.registrarFile(), { commitment: toHex(request.commitment), election: "e1", type: "linli-commitment" });
  assert.throws(() => CredentialRequest.fromJson({ ...state, extra: 1 }), EncodingError);
  assert.throws(() => CredentialRequest.fromJson({ ...state, secret_prover_blind: "00" }), EncodingError);
  assert.throws(() => requestCredential("e1", new Uint8Array(31)), EncodingError);
});

test("finish: the registrar's blind signature is checked", () => {
  assert.equal(credential.nymSecrets.length, 1);
  assert.deepEqual(IssuedCredential.fromJson(issued.toJson()), issued);
  const otherPk = bbs.skToPk(bbs.keyGen(utf8("a different registrar's key material, 32 bytes+")));
  assert.throws(() => finishCredential(request, otherPk, issued), NotEligible);
  assert.throws(() => finishCredential(request, PK, new IssuedCredential(issued.signature, issued.signerNymEntropy + 1n)), NotEligible);
  assert.throws(() => finishCredential(request, PK, new IssuedCredential(issued.signature, issued.signerNymEntropy, 5)), NotEligible);
  assert.throws(() => finishCredential(request, PK, issue(request.commitment, OTHER_HASH)), NotEligible);
  const flipped = issued.signature.slice();
  flipped[79]! ^= 1;
  assert.throws(() => finishCredential(request, PK, new IssuedCredential(flipped, issued.signerNymEntropy)), NotEligible);
  assert.throws(() => IssuedCredential.fromJson({ ...issued.toJson(), signature: "00" }), EncodingError);
});

test("the credential file round-trips and is re-verified on import", () => {
  const file = exportCredential(credential);
  assert.equal(file["type"], "linli-anonymous-credential");
  const back = importCredential(JSON.parse(JSON.stringify(file)));
  assert.deepEqual(back.toJson(), credential.toJson());
  const value = file["value"] as JSONObject;
  const corrupt = (patch: JSONObject) => () => AnonymousCredential.fromJson({ ...value, ...patch });
  assert.throws(corrupt({ nym_secrets: [toHex(bbs.scalarToBytes(5n))] }), NotEligible);
  assert.throws(corrupt({ secret_prover_blind: toHex(bbs.scalarToBytes(5n)) }), NotEligible);
  assert.throws(corrupt({ election_hash: toHex(OTHER_HASH) }), NotEligible);
  assert.throws(corrupt({ weight: 7 }), NotEligible);
  assert.throws(corrupt({ nym_secrets: [] }), EncodingError);
  assert.throws(corrupt({ issuer_key: "00" }), EncodingError);
  assert.throws(corrupt({ extra: true }), EncodingError);
  assert.throws(() => importCredential({ type: "linli-key", value }), EncodingError);
});

test("evidence: a ballot's proof verifies, bound to the election and the ballot", () => {
  const json = anonymousEvidence(credential, ctx(), BALLOT_HASH);
  const evidence = AnonymousEvidence.fromJson(json);
  assert.deepEqual(evidence.pseudonym, credential.pseudonym());
  assert.deepEqual(credentialBinding(credential, ELECTION_HASH), evidence.binding);
  assert.throws(() => credentialBinding(credential, OTHER_HASH), NotEligible);
  assert.equal(evidence.proof.length, 3 * 48 + 6 * 32);
  verifyAnonymous(ctx(), evidence, BALLOT_HASH);
  assert.throws(() => verifyAnonymous(ctx(), evidence, fromHex("ac".repeat(32))), NotEligible);
  assert.throws(() => verifyAnonymous(ctx(false, PK, OTHER_HASH), evidence, BALLOT_HASH), NotEligible);
  assert.throws(() => verifyAnonymous(ctx(true), evidence, BALLOT_HASH), NotEligible);
});

const otherRequest = requestCredential("e1", ELECTION_HASH);
const neighbour = finishCredential(otherRequest, PK, issue(otherRequest.commitment));

test("evidence: tampered proofs and pseudonyms are refused", () => {
  const evidence = signAnonymous(credential, ctx(), BALLOT_HASH);
  const theirs = signAnonymous(neighbour, ctx(), BALLOT_HASH);
  assert.notDeepEqual(theirs.pseudonym, evidence.pseudonym);
  assert.throws(() => verifyAnonymous(ctx(), new AnonymousEvidence(theirs.pseudonym, evidence.proof), BALLOT_HASH), NotEligible);
  assert.throws(() => verifyAnonymous(ctx(), new AnonymousEvidence(evidence.pseudonym, theirs.proof), BALLOT_HASH), NotEligible);
  for (const at of [0, 100, 3 * 48 + 5, 3 * 48 + 6 * 32 - 1]) {
    const proof = evidence.proof.slice();
    proof[at]! ^= 1;
    assert.throws(() => verifyAnonymous(ctx(), new AnonymousEvidence(evidence.pseudonym, proof), BALLOT_HASH), NotEligible);
  }
  const otherPk = bbs.skToPk(bbs.keyGen(utf8("a different registrar's key material, 32 bytes+")));
  assert.throws(() => verifyAnonymous(ctx(false, otherPk), evidence, BALLOT_HASH), NotEligible);
  // the evidence's JSON: mode, canonical pseudonym, proof length, weight range, exact keys
  const json = evidence.toJson();
  const parse = (patch: JSONObject) => () => AnonymousEvidence.fromJson({ ...json, ...patch });
  assert.throws(parse({ mode: "signing" }), EncodingError);
  assert.throws(parse({ pseudonym: "c0" + "00".repeat(47) }), EncodingError);
  assert.throws(parse({ pseudonym: toHex(bbs.g1ToBytes(bbs.G1_GENERATOR)) }), EncodingError);
  assert.throws(parse({ pseudonym: (json["pseudonym"] as string).toUpperCase() }), EncodingError);
  assert.throws(parse({ proof: (json["proof"] as string) + "00" }), EncodingError);
  assert.throws(parse({ weight: -1 }), EncodingError);
  assert.throws(parse({ weight: 2 ** 40 }), EncodingError);
  assert.throws(parse({ extra: 1 }), EncodingError);
  // a credential of another election instance or registrar is refused before proving
  assert.throws(() => signAnonymous(credential, ctx(false, PK, OTHER_HASH), BALLOT_HASH), NotEligible);
  assert.throws(() => signAnonymous(credential, ctx(false, PK, ELECTION_HASH, "e2"), BALLOT_HASH), NotEligible);
  assert.throws(() => signAnonymous(credential, ctx(false, otherPk), BALLOT_HASH), NotEligible);
});

test("assembly: the signed area is disclosed and checked", () => {
  const req = requestCredential("e1", ELECTION_HASH);
  const weighted = finishCredential(req, PK, issue(req.commitment, ELECTION_HASH, 12345));
  assert.equal(weighted.weight, 12345);
  assert.deepEqual(AnonymousCredential.fromJson(weighted.toJson()).toJson(), weighted.toJson());
  const evidence = signAnonymous(weighted, ctx(true), BALLOT_HASH);
  assert.equal(evidence.weight, 12345);
  assert.equal(evidence.proof.length, 3 * 48 + 6 * 32);
  verifyAnonymous(ctx(true), evidence, BALLOT_HASH);
  assert.throws(() => verifyAnonymous(ctx(false), evidence, BALLOT_HASH), NotEligible);
  assert.throws(() => verifyAnonymous(ctx(true), new AnonymousEvidence(evidence.pseudonym, evidence.proof, 12346), BALLOT_HASH), NotEligible);
});

test("revocation: the presentation is bound to one issuance", () => {
  const evidence = presentForRevocation(credential, "unit-4B", 7);
  assert.deepEqual(evidence.pseudonym, credential.pseudonym());
  verifyRevocation(PK, ELECTION_HASH, "unit-4B", 7, evidence);
  assert.throws(() => verifyRevocation(PK, ELECTION_HASH, "unit-4B", 8, evidence), NotEligible);
  assert.throws(() => verifyRevocation(PK, ELECTION_HASH, "unit-4C", 7, evidence), NotEligible);
  assert.throws(() => verifyAnonymous(ctx(), evidence, BALLOT_HASH), NotEligible);
});
