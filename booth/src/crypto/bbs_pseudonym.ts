// BBS per-verifier linkability (pseudonyms): draft-irtf-cfrg-bbs-per-verifier-linkability-02, BLS12-381-SHA-256 —
// the same bytes as crypto/bbs_pseudonym.py (docs/protocol.md §P5.2.2-4).
//
// A credential carries a secret vector nym_secrets (length N) signed blindly: the holder commits to prover_nyms
// (commitWithNym), the registrar adds signer_nym_entropy to the last entry while signing (blindSignWithNym), and the
// holder checks the signature and derives nym_secrets[-1] = prover_nyms[-1] + signer_nym_entropy
// (finalizeNymSignature). For a context (for voting: the election instance) the pseudonym is
//
//     OP = hash_to_curve_g1(context_id, api_id);  z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS")
//     pseudonym = OP * Σ_i nym_secrets[i] * z^i
//
// constant per (credential, context) and unlinkable across contexts. proofGenWithNym proves knowledge of a signature
// and that the pseudonym uses the signed nym secrets; proofVerifyWithNym checks it. Pseudonym bytes are canonical
// (strict decoding, re-encoding equal): they serve as a nullifier.
//
// Layout (every fixture agrees; the published text has errata): api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_";
// generators = create_generators(L+1, api_id) || create_generators(1+M+N, "BLIND_" || api_id); scalars = msgs ||
// secret_prover_blind || committed || nym_secrets; header' = header || I2OSP(N, 8); e = H2S(SK || B) as in
// bbs_blind.ts.
import {
  CIPHERSUITE_ID,
  DecodingError,
  G1_GENERATOR,
  type G1Point,
  InvalidProof,
  OCTET_SCALAR_LENGTH,
  PROOF_LEN_FLOOR,
  R,
  type RandomScalars,
  calculateRandomScalars,
  checkProofPairing,
  coreVerify,
  createGenerators,
  g1FromBytes,
  g1Msm,
  g1Mul,
  g1ToBytes,
  hashToG1,
  hashToScalar,
  i2osp,
  messagesToScalars,
  mod,
  octetsToProof,
  octetsToPubkey,
  octetsToSignature,
  type ProofInitResult,
  proofChallengeCalculate,
  proofFinalize,
  proofInit,
  proofVerifyInit,
  splitMessages,
} from "./bbs.ts";
import {
  blindGeneratorsFor,
  blindSignCore,
  checkIndexRanges,
  committedCount,
  coreCommit,
  deserializeAndValidateCommit,
  prepareParameters,
} from "./bbs_blind.ts";
import { concat, equalBytes, toHex, utf8 } from "./bytes.ts";

export const API_ID = concat(CIPHERSUITE_ID, utf8("H2G_HM2S_PSEUDONYM_")); // §5 Interface identifier

// ==============================================================================================================
// §4 Pseudonym calculation

const contextCache = new Map<string, [G1Point, bigint]>();

/** OP = hash_to_curve_g1(context_id, api_id); z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS"). A pure
 * function of public inputs, cached (every ballot of an election shares its context id). */
function contextPointAndZ(contextId: Uint8Array, apiId: Uint8Array): [G1Point, bigint] {
  const key = toHex(apiId) + ":" + toHex(contextId);
  let hit = contextCache.get(key);
  if (hit === undefined) {
    hit = [hashToG1(contextId, apiId), hashToScalar(contextId, concat(apiId, utf8("VECT_NYM_SECRETS")))];
    if (contextCache.size >= 64) contextCache.clear();
    contextCache.set(key, hit);
  }
  return hit;
}

/** Σ_i coefficients[i] * z^i (mod r), by Horner's rule. */
function polyEval(coefficients: bigint[], z: bigint): bigint {
  let acc = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = mod(acc * z + coefficients[i]!);
  return acc;
}

function checkNymSecrets(nymSecrets: bigint[]): void {
  if (nymSecrets.length === 0) throw new RangeError("nym_secrets must not be empty");
  if (nymSecrets.some((s) => typeof s !== "bigint" || s < 0n || s >= R)) throw new RangeError("nym secrets are scalars in [0, r)");
}

/** §4 pseudonym = OP * poly(nym_secrets, z), encoded (48 bytes). */
export function calculatePseudonym(contextId: Uint8Array, nymSecrets: bigint[], apiId: Uint8Array = API_ID): Uint8Array {
  checkNymSecrets(nymSecrets);
  const [op, z] = contextPointAndZ(contextId, apiId);
  const pseudonym = g1Mul(op, polyEval(nymSecrets, z));
  if (pseudonym.is0()) throw new InvalidProof("pseudonym is the identity");
  return g1ToBytes(pseudonym);
}

/** Strict decoding of a pseudonym: the canonical compressed encoding of a point of G1 other than the identity and
 * the base point (§3.3), re-encoding to exactly the same bytes (it is used as a nullifier). */
export function pseudonymFromBytes(data: Uint8Array): G1Point {
  const point = g1FromBytes(data);
  if (!equalBytes(g1ToBytes(point), data)) throw new DecodingError("pseudonym encoding is not canonical");
  if (point.equals(G1_GENERATOR)) throw new DecodingError("pseudonym is the base point");
  return point;
}

// ==============================================================================================================
// §5.1 Signature generation and verification with pseudonym

/** §5.1.1 CommitWithNym with an explicit source of random scalars (the fixtures pass the mocked one). */
export function _commitWithNym(
  committedMessages: Uint8Array[],
  proverNyms: bigint[],
  apiId: Uint8Array,
  randomScalars: RandomScalars,
): [Uint8Array, bigint] {
  checkNymSecrets(proverNyms);
  const scalars = [...messagesToScalars(committedMessages, apiId), ...proverNyms]; // steps 1-2
  const blindGenerators = blindGeneratorsFor(scalars.length + 1, apiId); // step 3
  return coreCommit(scalars, blindGenerators, apiId, randomScalars); // step 4
}

/** §5.1.1 CommitWithNym -> (commitment_with_proof, secret_prover_blind). `proverNyms` are the holder's random
 * secret scalars (calculateRandomScalars(N)); keep them and the blind secret. */
export function commitWithNym(
  committedMessages: Uint8Array[],
  proverNyms: bigint[],
  apiId: Uint8Array = API_ID,
): [Uint8Array, bigint] {
  return _commitWithNym(committedMessages, proverNyms, apiId, calculateRandomScalars);
}

/** §5.1.2 BlindSignWithNym (the registrar's side; here for the fixtures and tests) -> (signature, signer_nym_entropy).
 * `signerNymEntropy = null` draws fresh entropy. */
export function blindSignWithNym(
  sk: Uint8Array,
  pk: Uint8Array,
  commitmentWithProof: Uint8Array,
  lengthNymVector: number,
  signerNymEntropy: bigint | null,
  header: Uint8Array = new Uint8Array(0),
  messages: Uint8Array[] = [],
  apiId: Uint8Array = API_ID,
): [Uint8Array, bigint] {
  if (lengthNymVector < 1) throw new RangeError("length_nym_vector must be at least 1");
  const entropy = signerNymEntropy ?? calculateRandomScalars(1)[0]!;
  if (entropy < 0n || entropy >= R) throw new RangeError("signer_nym_entropy is a scalar in [0, r)");
  if (commitmentWithProof.length === 0) throw new DecodingError("a commitment to the prover's nym secrets is required");
  const mTotal = committedCount(commitmentWithProof); // deserialization steps 2-5 (committed + N)
  if (mTotal < lengthNymVector) throw new InvalidProof("commitment holds fewer scalars than the nym vector");
  const generators = createGenerators(messages.length + 1, apiId); // step 1
  const blindGenerators = blindGeneratorsFor(mTotal + 1, apiId); // step 2
  const commitment = deserializeAndValidateCommit(commitmentWithProof, blindGenerators, apiId); // steps 3-4
  const scalars = messagesToScalars(messages, apiId); // step 5
  const combinedHeader = concat(header, i2osp(lengthNymVector, 8)); // step 9
  // steps 6-8, 10: B = B_calculate(...) + blind_generators[-1] * signer_nym_entropy; FinalizeBlindSign
  const signature = blindSignCore(sk, pk, generators, blindGenerators, commitment, combinedHeader, scalars, apiId, [
    [blindGenerators[blindGenerators.length - 1]!, entropy],
  ]);
  return [signature, entropy];
}

/** §5.1.3 VerifyFinalizeWithNym (the holder's side): verifies the blind signature and returns nym_secrets. Throws
 * DecodingError or InvalidSignature. */
export function finalizeNymSignature(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  proverNyms: bigint[],
  signerNymEntropy: bigint,
  secretProverBlind: bigint,
  apiId: Uint8Array = API_ID,
): bigint[] {
  checkNymSecrets(proverNyms);
  const n = proverNyms.length;
  const [scalars, generators] = prepareParameters(
    messages,
    committedMessages,
    messages.length + 1,
    committedMessages.length + n + 1,
    secretProverBlind,
    apiId,
  ); // step 1
  const nymSecrets = [...proverNyms]; // step 2
  nymSecrets[n - 1] = mod(proverNyms[n - 1]! + signerNymEntropy); // step 3
  scalars.push(...nymSecrets); // step 4
  const combinedHeader = concat(header, i2osp(n, 8)); // step 5
  coreVerify(pk, signature, generators, combinedHeader, scalars, apiId); // steps 6-7
  return nymSecrets; // step 8
}

// ==============================================================================================================
// §5.2-§6 Proofs with pseudonym

/** §7.1 ProofWithPseudonymChallengeCalculate: c_arr = (R, i1, msg_i1, ..., Abar, Bbar, D, T1, T2, pseudonym, Ut,
 * domain); c_octs = serialize(c_arr) || I2OSP(len(ph), 8) || ph || I2OSP(len(context_id), 8) || context_id. */
function nymChallenge(
  initRes: ProofInitResult,
  pseudonym: G1Point,
  uPoint: G1Point,
  disclosedMessages: bigint[],
  disclosedIndexes: number[],
  ph: Uint8Array,
  contextId: Uint8Array,
  apiId: Uint8Array,
): bigint {
  return proofChallengeCalculate(
    initRes,
    disclosedMessages,
    disclosedIndexes,
    ph,
    apiId,
    [pseudonym, uPoint],
    concat(i2osp(contextId.length, 8), contextId),
  );
}

/** §6.1 CoreProofGenWithNym -> (proof, pseudonym). */
function coreProofGenWithNym(
  pk: Uint8Array,
  signature: Uint8Array,
  contextId: Uint8Array,
  generators: G1Point[],
  header: Uint8Array,
  ph: Uint8Array,
  messageScalars: bigint[],
  disclosedIndexes: number[],
  lengthNymSecrets: number,
  apiId: Uint8Array,
  randomScalars: RandomScalars,
): [Uint8Array, Uint8Array] {
  const [a, e] = octetsToSignature(signature); // deserialization steps 1-3
  const bigL = messageScalars.length;
  // steps 4-13; the nym secrets are the last N messages and are never disclosed
  if (disclosedIndexes.some((i) => i >= bigL - lengthNymSecrets)) throw new InvalidProof("nym secrets cannot be disclosed");
  const [undisclosedIndexes, disclosedMsgs, undisclosedMsgs] = splitMessages(messageScalars, disclosedIndexes);
  const scalars = randomScalars(5 + undisclosedIndexes.length); // procedure step 1
  const combinedHeader = concat(header, i2osp(lengthNymSecrets, 8)); // step 2
  const initRes = proofInit(pk, [a, e], generators, scalars, combinedHeader, messageScalars, undisclosedIndexes, apiId); // 3-4
  // steps 5-7 PseudonymProofInit(context_id, nym_secrets, their random scalars m~)
  const nymSecrets = messageScalars.slice(-lengthNymSecrets);
  const nymRandoms = scalars.slice(-lengthNymSecrets);
  const [op, z] = contextPointAndZ(contextId, apiId);
  const pseudonym = g1Mul(op, polyEval(nymSecrets, z));
  const uT = g1Mul(op, polyEval(nymRandoms, z));
  if (pseudonym.is0() || uT.is0()) throw new InvalidProof("degenerate pseudonym");
  const challenge = nymChallenge(initRes, pseudonym, uT, disclosedMsgs, disclosedIndexes, ph, contextId, apiId); // step 8
  const proof = proofFinalize(initRes, challenge, e, scalars, undisclosedMsgs); // step 9
  return [proof, g1ToBytes(pseudonym)]; // step 10
}

/** §5.2 ProofGenWithNym with an explicit source of random scalars (the fixtures pass the mocked one). */
export function _proofGenWithNym(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  nymSecrets: bigint[],
  contextId: Uint8Array,
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  disclosedIndexes: number[],
  disclosedCommitmentIndexes: number[],
  secretProverBlind: bigint,
  apiId: Uint8Array,
  randomScalars: RandomScalars,
): [Uint8Array, Uint8Array] {
  checkNymSecrets(nymSecrets);
  const bigL = messages.length;
  const m = committedMessages.length;
  checkIndexRanges(disclosedIndexes, bigL, "disclosed index"); // deserialization steps 3-4
  checkIndexRanges(disclosedCommitmentIndexes, m, "disclosed commitment index"); // steps 5-6
  const [scalars, generators] = prepareParameters(
    messages,
    committedMessages,
    bigL + 1,
    m + nymSecrets.length + 1,
    secretProverBlind,
    apiId,
  ); // procedure step 1
  const indexes = [...disclosedIndexes, ...disclosedCommitmentIndexes.map((j) => j + bigL + 1)]; // steps 2-4
  return coreProofGenWithNym(
    pk,
    signature,
    contextId,
    generators,
    header,
    ph,
    [...scalars, ...nymSecrets],
    indexes,
    nymSecrets.length,
    apiId,
    randomScalars,
  ); // step 5
}

/** §5.2 ProofGenWithNym -> (proof, pseudonym) (random scalars from crypto.getRandomValues). */
export function proofGenWithNym(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  nymSecrets: bigint[],
  contextId: Uint8Array,
  messages: Uint8Array[],
  committedMessages: Uint8Array[],
  disclosedIndexes: number[],
  disclosedCommitmentIndexes: number[],
  secretProverBlind: bigint,
  apiId: Uint8Array = API_ID,
): [Uint8Array, Uint8Array] {
  return _proofGenWithNym(
    pk,
    signature,
    header,
    ph,
    nymSecrets,
    contextId,
    messages,
    committedMessages,
    disclosedIndexes,
    disclosedCommitmentIndexes,
    secretProverBlind,
    apiId,
    calculateRandomScalars,
  );
}

/** The arguments of ProofVerifyWithNym after the public key. */
export interface NymPresentation {
  proof: Uint8Array;
  header: Uint8Array;
  ph: Uint8Array;
  pseudonym: Uint8Array;
  contextId: Uint8Array;
  /** L: the number of Signer messages. */
  bigL: number;
  disclosedMessages: Uint8Array[];
  disclosedCommitmentMessages: Uint8Array[];
  disclosedIndexes: number[];
  disclosedCommitmentIndexes: number[];
  /** N: the length of the nym secret vector (it enters the header and locates the nym secrets). */
  lengthNymVector: number;
}

/** proofVerifyWithNym without the final pairing check: returns (Abar, Bbar). */
export function proofVerifyWithNymPrepare(pk: Uint8Array, p: NymPresentation, apiId: Uint8Array = API_ID): [G1Point, G1Point] {
  const nymPoint = pseudonymFromBytes(p.pseudonym); // canonical, in G1, not the identity nor BP1
  if (p.lengthNymVector < 1 || p.bigL < 0) throw new InvalidProof("invalid message counts");
  // §5.3 deserialization steps 1-5: total = L + 1 + M + N
  if (p.proof.length < PROOF_LEN_FLOOR) throw new DecodingError("proof shorter than 3*48 + 4*32 bytes");
  const u = Math.floor((p.proof.length - PROOF_LEN_FLOOR) / OCTET_SCALAR_LENGTH);
  const total = p.disclosedIndexes.length + p.disclosedCommitmentIndexes.length + u;
  const m = total - p.bigL - 1 - p.lengthNymVector;
  if (m < 0) throw new InvalidProof("proof does not match the number of signed messages");
  // disclosed indexes point at Signer messages and committed messages only: never at the prover blind or the nym
  // secrets, so the last N undisclosed responses are exactly those of the nym secrets
  checkIndexRanges(p.disclosedIndexes, p.bigL, "disclosed index");
  checkIndexRanges(p.disclosedCommitmentIndexes, m, "disclosed commitment index");
  const [scalars, generators] = prepareParameters(
    p.disclosedMessages,
    p.disclosedCommitmentMessages,
    p.bigL + 1,
    m + p.lengthNymVector + 1,
    null,
    apiId,
  ); // procedure step 1
  const indexes = [...p.disclosedIndexes, ...p.disclosedCommitmentIndexes.map((j) => j + p.bigL + 1)]; // steps 2-4
  // §6.2 CoreProofVerifyWithNym
  const proofResult = octetsToProof(p.proof); // deserialization steps 1-3
  octetsToPubkey(pk); // steps 4-5
  const combinedHeader = concat(p.header, i2osp(p.lengthNymVector, 8)); // procedure step 1
  const initRes = proofVerifyInit(pk, proofResult, generators, combinedHeader, scalars, indexes, apiId); // step 2
  // step 3 PseudonymProofVerifyInit: Uv = OP * poly(m^ of the nym secrets, z) - pseudonym * c
  const [op, z] = contextPointAndZ(p.contextId, apiId);
  const nymCommitments = proofResult.commitments.slice(-p.lengthNymVector);
  const uV = g1Msm([op, nymPoint], [polyEval(nymCommitments, z), R - proofResult.challenge]);
  if (uV.is0()) throw new InvalidProof("Uv is the identity"); // step 4
  const challenge = nymChallenge(initRes, nymPoint, uV, scalars, indexes, p.ph, p.contextId, apiId); // step 5
  if (challenge !== proofResult.challenge) throw new InvalidProof("BBS pseudonym proof challenge does not match"); // 6
  return [proofResult.abar, proofResult.bbar];
}

/** §5.3 ProofVerifyWithNym; throws DecodingError (including a non-canonical pseudonym) or InvalidProof. */
export function proofVerifyWithNym(pk: Uint8Array, p: NymPresentation, apiId: Uint8Array = API_ID): void {
  const [abar, bbar] = proofVerifyWithNymPrepare(pk, p, apiId);
  checkProofPairing(pk, abar, bbar, "BBS pseudonym proof"); // §6.2 step 7
}
