// Blind BBS signatures: draft-irtf-cfrg-bbs-blind-signatures-02, BLS12-381-SHA-256 — the same bytes as
// crypto/bbs_blind.py (docs/protocol.md §P5.2.2).
//
// The Prover commits to messages the Signer never sees (commit: a Pedersen commitment
// C = Q_2*secret_prover_blind + Σ J_i*msg_i with a Schnorr proof of opening); the Signer checks that proof and signs
// the commitment with its own messages (blindSign); the Prover verifies the signature (verify) and presents proofs
// over both message lists (proofGen / proofVerify).
//
// Interface api_id = ciphersuite_id || "BLIND_H2G_HM2S_"; the blind generators (Q_2, J_1, ..., J_M) are
// create_generators(M + 1, "BLIND_" || api_id). The signed vector is (msg_1..msg_L, secret_prover_blind,
// committed_1..committed_M) over (Q_1, H_1..H_L, Q_2, J_1..J_M). Errata of the published -02 text that the fixtures
// settle (tests/vectors/README.md): the domain covers Q_2; B adds the commitment; a commitment with proof of M
// messages is 48 + (M + 2)*32 bytes; FinalizeBlindSign hashes e = H2S(serialize((SK, B))), not (SK, B, domain).
//
// The functions take api_id so bbs_pseudonym.ts reuses them with its own interface identifier.
import {
  CIPHERSUITE_ID,
  DecodingError,
  G1_IDENTITY,
  type G1Point,
  InvalidProof,
  OCTET_POINT_LENGTH,
  OCTET_SCALAR_LENGTH,
  PROOF_LEN_FLOOR,
  R,
  type RandomScalars,
  calculateDomain,
  calculateRandomScalars,
  coreProofGen,
  coreProofVerify,
  coreVerify,
  createGenerators,
  g1FromBytes,
  g1Msm,
  g1ToBytes,
  hashToScalar,
  i2osp,
  messagesToScalars,
  mod,
  p1,
  scalarFromBytes,
  scalarToBytes,
  signWithE,
  skFromBytes,
} from "./bbs.ts";
import { concat, utf8 } from "./bytes.ts";

export const API_ID = concat(CIPHERSUITE_ID, utf8("BLIND_H2G_HM2S_")); // §3.2 Interface identifier
const COMMIT_LEN_FLOOR = OCTET_POINT_LENGTH + 2 * OCTET_SCALAR_LENGTH;

/** create_generators(count, "BLIND_" || api_id): (Q_2, J_1, ..., J_{count-1}). */
export function blindGeneratorsFor(count: number, apiId: Uint8Array): G1Point[] {
  return createGenerators(count, concat(utf8("BLIND_"), apiId));
}

// ==============================================================================================================
// §5.5 Utilities: challenge and serialization

/** §5.3 calculate_blind_challenge: hash_to_scalar(serialize((M, Q_2, J_1..J_M, C, Cbar)), api_id||"H2S_"). */
export function calculateBlindChallenge(c: G1Point, cbar: G1Point, blindGenerators: G1Point[], apiId: Uint8Array): bigint {
  if (blindGenerators.length === 0) throw new RangeError("at least one blind generator (Q_2) is needed");
  const cOcts = concat(i2osp(blindGenerators.length - 1, 8), ...blindGenerators.map(g1ToBytes), g1ToBytes(c), g1ToBytes(cbar));
  return hashToScalar(cOcts, concat(apiId, utf8("H2S_")));
}

/** §5.4.1 commitment_with_proof_to_octets: C || s^ || m^_1 .. m^_M || cp. */
export function commitmentWithProofToOctets(commitment: G1Point, sHat: bigint, mHats: bigint[], cp: bigint): Uint8Array {
  return concat(g1ToBytes(commitment), ...[sHat, ...mHats, cp].map(scalarToBytes));
}

/** §5.4.2 octets_to_commitment_with_proof -> (C, s^, (m^_1, ..., m^_M), cp); every check of the draft. */
export function octetsToCommitmentWithProof(octs: Uint8Array): [G1Point, bigint, bigint[], bigint] {
  const n = octs.length;
  if (n < COMMIT_LEN_FLOOR || (n - OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH) {
    throw new DecodingError("commitment with proof is not 48 + (M+2)*32 bytes"); // steps 1-2, 15
  }
  const c = g1FromBytes(octs.subarray(0, OCTET_POINT_LENGTH)); // steps 3-6 (identity and subgroup rejected)
  const scalars: bigint[] = [];
  for (let i = OCTET_POINT_LENGTH; i < n; i += OCTET_SCALAR_LENGTH) {
    scalars.push(scalarFromBytes(octs.subarray(i, i + OCTET_SCALAR_LENGTH))); // steps 7-14
  }
  return [c, scalars[0]!, scalars.slice(1, -1), scalars[scalars.length - 1]!];
}

/** BlindSign deserialization steps 2-5 (with the erratum: 2 scalars besides the m^_i). */
export function committedCount(commitmentWithProof: Uint8Array): number {
  const n = commitmentWithProof.length;
  if (n === 0) return 0;
  if (n < COMMIT_LEN_FLOOR || (n - COMMIT_LEN_FLOOR) % OCTET_SCALAR_LENGTH) {
    throw new DecodingError("commitment with proof is not 48 + (M+2)*32 bytes");
  }
  return (n - COMMIT_LEN_FLOOR) / OCTET_SCALAR_LENGTH;
}

// ==============================================================================================================
// §4 Core commitment operations

/** §4.1 CoreCommit -> (commitment_with_proof, secret_prover_blind). */
export function coreCommit(
  committedScalars: bigint[],
  blindGenerators: G1Point[],
  apiId: Uint8Array,
  randomScalars: RandomScalars = calculateRandomScalars,
): [Uint8Array, bigint] {
  const m = committedScalars.length;
  if (blindGenerators.length !== m + 1) throw new RangeError("need M + 1 blind generators"); // deserialization step 2
  // procedure step 1: (secret_prover_blind, s~, m~_1, ..., m~_M) = get_random_scalars(M + 2)
  const randoms = randomScalars(m + 2);
  const secretProverBlind = randoms[0]!;
  const sTilde = randoms[1]!;
  const mTildes = randoms.slice(2);
  const c = g1Msm(blindGenerators, [secretProverBlind, ...committedScalars]); // step 2
  const cbar = g1Msm(blindGenerators, [sTilde, ...mTildes]); // step 3
  const challenge = calculateBlindChallenge(c, cbar, blindGenerators, apiId); // step 4
  const sHat = mod(sTilde + secretProverBlind * challenge); // step 5
  const mHats = mTildes.map((mt, i) => mod(mt + committedScalars[i]! * challenge)); // step 6
  return [commitmentWithProofToOctets(c, sHat, mHats, challenge), secretProverBlind]; // steps 7-9
}

/** §4.2 CoreCommitVerify; throws InvalidProof. */
export function coreCommitVerify(
  commitment: G1Point,
  sHat: bigint,
  mHats: bigint[],
  cp: bigint,
  blindGenerators: G1Point[],
  apiId: Uint8Array,
): void {
  if (blindGenerators.length !== mHats.length + 1) {
    throw new InvalidProof("commitment proof does not match the number of blind generators"); // deserialization step 4
  }
  // procedure step 1: Cbar = Q_2 * s^ + J_1 * m^_1 + ... + J_M * m^_M + commitment * (-cp)
  const cbar = g1Msm([...blindGenerators, commitment], [sHat, ...mHats, R - cp]);
  if (calculateBlindChallenge(commitment, cbar, blindGenerators, apiId) !== cp) {
    throw new InvalidProof("commitment proof of correctness does not verify"); // steps 2-3
  }
}

/** §3.1.2 deserialize_and_validate_commit: the commitment point (the identity when none is supplied). */
export function deserializeAndValidateCommit(
  commitmentWithProof: Uint8Array,
  blindGenerators: G1Point[],
  apiId: Uint8Array,
): G1Point {
  if (commitmentWithProof.length === 0) return G1_IDENTITY; // step 1
  const [c, sHat, mHats, cp] = octetsToCommitmentWithProof(commitmentWithProof); // steps 2-4
  if (mHats.length + 1 !== blindGenerators.length) {
    throw new InvalidProof("commitment proof does not match the number of blind generators"); // step 5
  }
  coreCommitVerify(c, sHat, mHats, cp, blindGenerators, apiId); // steps 6-7
  return c;
}

/** §3.1.1 Commit with an explicit source of random scalars (the fixtures pass the mocked one). */
export function _commit(committedMessages: Uint8Array[], apiId: Uint8Array, randomScalars: RandomScalars): [Uint8Array, bigint] {
  const scalars = messagesToScalars(committedMessages, apiId); // step 1
  const blindGenerators = blindGeneratorsFor(scalars.length + 1, apiId); // step 2
  return coreCommit(scalars, blindGenerators, apiId, randomScalars); // step 3
}

/** §3.1.1 Commit -> (commitment_with_proof, secret_prover_blind). Keep secret_prover_blind secret. */
export function commit(committedMessages: Uint8Array[], apiId: Uint8Array = API_ID): [Uint8Array, bigint] {
  return _commit(committedMessages, apiId, calculateRandomScalars);
}

/** Check a Prover's commitment with proof (what BlindSign does first); throws DecodingError / InvalidProof. */
export function verifyCommitment(commitmentWithProof: Uint8Array, apiId: Uint8Array = API_ID): void {
  if (commitmentWithProof.length === 0) throw new DecodingError("empty commitment");
  const m = committedCount(commitmentWithProof);
  deserializeAndValidateCommit(commitmentWithProof, blindGeneratorsFor(m + 1, apiId), apiId);
}

// ==============================================================================================================
// §3.2 Blind signature interface

/** §4.3 FinalizeBlindSign steps 2-5: e = hash_to_scalar(serialize((SK, B))); A = B * 1/(SK + e). The domain enters
 * through B (erratum settled by the fixtures: the published step 2 reads serialize((SK, B, domain))). */
export function finalizeBlindSign(sk: Uint8Array, b: G1Point, apiId: Uint8Array): Uint8Array {
  const skInt = skFromBytes(sk);
  const e = hashToScalar(concat(scalarToBytes(skInt), g1ToBytes(b)), concat(apiId, utf8("H2S_"))); // steps 2-3
  return signWithE(skInt, b, e); // steps 4-5
}

/** B_calculate (§5.2, with the domain erratum) + FinalizeBlindSign; `extraTerms` are signer-chosen additions to B
 * (the pseudonym draft's blind_generators[-1] * signer_nym_entropy). */
export function blindSignCore(
  sk: Uint8Array,
  pk: Uint8Array,
  generators: G1Point[],
  blindGenerators: G1Point[],
  commitment: G1Point,
  header: Uint8Array,
  messageScalars: bigint[],
  apiId: Uint8Array,
  extraTerms: [G1Point, bigint][] = [],
): Uint8Array {
  if (generators.length !== messageScalars.length + 1) throw new RangeError("need L + 1 generators");
  const q1 = generators[0]!;
  const h = generators.slice(1);
  const domain = calculateDomain(pk, q1, [...h, ...blindGenerators], header, apiId);
  // B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L + commitment (+ extra terms)
  const b = g1Msm(
    [p1(), q1, ...h, ...extraTerms.map(([p]) => p)],
    [1n, domain, ...messageScalars, ...extraTerms.map(([, k]) => k)],
  ).add(commitment);
  if (b.is0()) throw new InvalidProof("B is the identity");
  return finalizeBlindSign(sk, b, apiId);
}

/** §3.2.1 BlindSign (the registrar's side; here for the fixtures and tests): validates the commitment proof, then
 * signs. An empty commitment_with_proof signs the Signer's messages alone. */
export function blindSign(
  sk: Uint8Array,
  pk: Uint8Array,
  commitmentWithProof: Uint8Array,
  header: Uint8Array,
  messages: Uint8Array[],
  apiId: Uint8Array = API_ID,
): Uint8Array {
  const m = committedCount(commitmentWithProof); // deserialization steps 2-5
  const generators = createGenerators(messages.length + 1, apiId); // step 1
  const blindGenerators = blindGeneratorsFor(m + 1, apiId); // step 2
  const commitment = deserializeAndValidateCommit(commitmentWithProof, blindGenerators, apiId); // steps 3-4
  const scalars = messagesToScalars(messages, apiId); // step 5
  return blindSignCore(sk, pk, generators, blindGenerators, commitment, header, scalars, apiId); // steps 6-11
}

/** §5.1 prepare_parameters -> (message_scalars, generators) over the combined layout. */
export function prepareParameters(
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  generatorsNumber: number,
  blindGeneratorsNumber: number,
  secretProverBlind: bigint | null,
  apiId: Uint8Array,
): [bigint[], G1Point[]] {
  const messageScalars = messagesToScalars(messages, apiId); // step 1
  const committedScalars: bigint[] = [];
  if (secretProverBlind !== null) committedScalars.push(mod(secretProverBlind)); // step 3
  committedScalars.push(...messagesToScalars(committedMessages, apiId)); // step 4
  const generators = createGenerators(generatorsNumber, apiId); // step 5
  const blindGenerators = blindGeneratorsFor(blindGeneratorsNumber, apiId); // step 6
  return [[...messageScalars, ...committedScalars], [...generators, ...blindGenerators]]; // step 7
}

/** §3.2.2 Verify (of a blind signature); throws DecodingError or InvalidSignature. */
export function verify(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  secretProverBlind = 0n,
  apiId: Uint8Array = API_ID,
): void {
  const [scalars, generators] = prepareParameters(
    messages,
    committedMessages,
    messages.length + 1,
    committedMessages.length + 1,
    secretProverBlind,
    apiId,
  ); // step 1
  coreVerify(pk, signature, generators, header, scalars, apiId); // step 2
}

export function checkIndexRanges(indexes: number[], bound: number, what: string): void {
  if (indexes.length > bound || indexes.some((i) => !Number.isSafeInteger(i) || i < 0 || i >= bound)) {
    throw new InvalidProof(`${what} out of range`);
  }
}

/** §3.2.3 ProofGen with an explicit source of random scalars (the fixtures pass the mocked one). */
export function _proofGen(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  disclosedIndexes: number[],
  disclosedCommitmentIndexes: number[],
  secretProverBlind: bigint,
  apiId: Uint8Array,
  randomScalars: RandomScalars,
): Uint8Array {
  const bigL = messages.length;
  const m = committedMessages.length;
  checkIndexRanges(disclosedIndexes, bigL, "disclosed index"); // deserialization steps 3-4
  checkIndexRanges(disclosedCommitmentIndexes, m, "disclosed commitment index"); // steps 5-6
  const [scalars, generators] = prepareParameters(messages, committedMessages, bigL + 1, m + 1, secretProverBlind, apiId); // 1
  // steps 2-4: indexes = disclosed_indexes || (j + L + 1 for j in disclosed_commitment_indexes)
  const indexes = [...disclosedIndexes, ...disclosedCommitmentIndexes.map((j) => j + bigL + 1)];
  return coreProofGen(pk, signature, generators, header, ph, scalars, indexes, apiId, randomScalars); // step 5
}

/** §3.2.3 ProofGen over the Signer's messages and the Prover's committed messages. */
export function proofGen(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  disclosedIndexes: number[],
  disclosedCommitmentIndexes: number[],
  secretProverBlind = 0n,
  apiId: Uint8Array = API_ID,
): Uint8Array {
  return _proofGen(
    pk,
    signature,
    header,
    ph,
    messages,
    committedMessages,
    disclosedIndexes,
    disclosedCommitmentIndexes,
    secretProverBlind,
    apiId,
    calculateRandomScalars,
  );
}

/** §3.2.4 ProofVerify; `bigL` is the number of Signer messages. Throws DecodingError or InvalidProof. */
export function proofVerify(
  pk: Uint8Array,
  proof: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  bigL: number,
  disclosedMessages: Uint8Array[],
  disclosedCommittedMessages: Uint8Array[],
  disclosedIndexes: number[],
  disclosedCommittedIndexes: number[],
  apiId: Uint8Array = API_ID,
): void {
  if (proof.length < PROOF_LEN_FLOOR) throw new DecodingError("proof shorter than 3*48 + 4*32 bytes"); // steps 1-2
  const u = Math.floor((proof.length - PROOF_LEN_FLOOR) / OCTET_SCALAR_LENGTH); // step 3
  const total = disclosedIndexes.length + disclosedCommittedIndexes.length + u; // step 4 (L + 1 + M messages)
  const m = total - bigL - 1; // step 5: the number of committed messages
  if (bigL < 0 || m < 0) throw new InvalidProof("proof does not match the number of signed messages");
  checkIndexRanges(disclosedIndexes, bigL, "disclosed index");
  checkIndexRanges(disclosedCommittedIndexes, m, "disclosed commitment index");
  const [scalars, generators] = prepareParameters(disclosedMessages, disclosedCommittedMessages, bigL + 1, m + 1, null, apiId);
  const indexes = [...disclosedIndexes, ...disclosedCommittedIndexes.map((j) => j + bigL + 1)]; // steps 2-4
  coreProofVerify(pk, proof, generators, header, ph, scalars, indexes, apiId); // step 5
}
