// A ballot's anonymous eligibility evidence (docs/protocol.md §P5.2.3-4): the pseudonym for the election's ballot
// context and a BBS proof with pseudonym whose presentation header binds the election instance and the ballot hash —
// the anonymous parts of voting/eligibility.py (AnonymousEvidence, AnonymousEligibility.sign / verify,
// presentation_header, present_for_revocation), same bytes and same JSON.
import { BbsError } from "./bbs.ts";
import { pseudonymFromBytes, proofVerifyWithNym } from "./bbs_pseudonym.ts";
import { concat, EncodingError, equalBytes, fromHex, toHex, uint, utf8 } from "./bytes.ts";
import {
  type AnonymousCredential,
  ballotContextId,
  credentialHeader,
  NotEligible,
  NYM_LENGTH,
  weightMessages,
} from "./credentials.ts";
import { exactKeys, getInt, getStr, type JSONObject, type JSONValue } from "./encoding.ts";

export const BALLOT_PH_DOMAIN = utf8("linli/ballot-ph/v1\0");
export const REVOCATION_PH_DOMAIN = utf8("linli/revocation-ph/v1\0");
// 3 points + (e^, r1^, r3^, challenge) + one response for the prover blind and one per nym secret (L = 0, M = 0)
const NYM_PROOF_LENGTH = 3 * 48 + (4 + 1 + NYM_LENGTH) * 32;

/** What of the verified election context (election.ts ElectionContext, voting.election.ElectionContext) the
 * evidence is bound to: an ElectionContext is one. */
export interface AnonymousContext {
  readonly electionId: string;
  /** SHA-256 of the canonical election.created entry (§P2.3). */
  readonly electionHash: Uint8Array;
  readonly definition: {
    /** credential_key: the registrar's BBS public key (G2, 96 bytes). */
    readonly credentialKey: Uint8Array;
    /** The kind: an assembly weighs ballots by area (kind_rules.weighted), which the evidence discloses. */
    readonly kind: string;
  };
}

/** voting/kinds: only the assembly's rules are weighted. */
const weighted = (ctx: AnonymousContext): boolean => ctx.definition.kind === "assembly";

/** The evidence of an anonymous ballot (AnonymousEvidence); `pseudonym` is the ballot's binding. */
export class AnonymousEvidence {
  constructor(
    readonly pseudonym: Uint8Array, // compressed G1 point, canonical (the per-election nullifier)
    readonly proof: Uint8Array, // BBS proof with pseudonym (pseudonym draft §5.2)
    readonly weight: number = 0, // assembly: the disclosed signed area (0.01 m²); 0 otherwise
  ) {}

  get binding(): Uint8Array {
    return this.pseudonym;
  }

  toJson(): JSONObject {
    return { mode: "anonymous", proof: toHex(this.proof), pseudonym: toHex(this.pseudonym), weight: this.weight };
  }

  static fromJson(obj: JSONValue): AnonymousEvidence {
    const o = exactKeys(obj, ["mode", "proof", "pseudonym", "weight"], "eligibility");
    if (getStr(o, "mode", "eligibility") !== "anonymous") {
      throw new EncodingError("eligibility.mode: this election uses anonymous credentials");
    }
    const pseudonym = fromHex(hexField(o, "pseudonym"), "eligibility.pseudonym", 48);
    try {
      pseudonymFromBytes(pseudonym); // canonical, in G1, not the identity: no aliasing
    } catch (e) {
      if (e instanceof BbsError) throw new EncodingError(`eligibility.pseudonym: ${e.message}`, { cause: e });
      throw e;
    }
    const proof = fromHex(hexField(o, "proof"), "eligibility.proof");
    if (proof.length !== NYM_PROOF_LENGTH) throw new EncodingError(`eligibility.proof: expected ${NYM_PROOF_LENGTH} bytes`);
    const weight = getInt(o, "weight", "eligibility");
    if (weight < 0 || weight >= 2 ** 40) throw new EncodingError("eligibility.weight out of range");
    return new AnonymousEvidence(pseudonym, proof, weight);
  }
}

function hexField(o: JSONObject, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new EncodingError(`eligibility.${key}: expected a hex string`);
  return v;
}

/** Binds the BBS proof to this election and this ballot (BBS draft issue #74: proofs must be bound). */
export function presentationHeader(electionHash: Uint8Array, ballotHash: Uint8Array): Uint8Array {
  return concat(BALLOT_PH_DOMAIN, electionHash, ballotHash);
}

/** The ballot's binding: the credential's pseudonym for the election instance `electionHash` (binding_of). */
export function credentialBinding(credential: AnonymousCredential, electionHash: Uint8Array): Uint8Array {
  if (!equalBytes(credential.electionHash, electionHash)) {
    throw new NotEligible("this credential was issued for another election (instance)");
  }
  return credential.pseudonym();
}

/** The eligibility evidence of a ballot (AnonymousEligibility.sign), as the ballot's JSON carries it. */
export function anonymousEvidence(credential: AnonymousCredential, ctx: AnonymousContext, ballotHash: Uint8Array): JSONValue {
  return signAnonymous(credential, ctx, ballotHash).toJson();
}

/** AnonymousEligibility.sign: the credential must be this election instance's, from its registrar. */
export function signAnonymous(credential: AnonymousCredential, ctx: AnonymousContext, ballotHash: Uint8Array): AnonymousEvidence {
  if (
    credential.electionId !== ctx.electionId ||
    !equalBytes(credential.electionHash, ctx.electionHash) ||
    !equalBytes(credential.issuerKey, ctx.definition.credentialKey)
  ) {
    throw new NotEligible("this credential was issued for another election (instance) or by another registrar");
  }
  const [proof, pseudonym] = credential.prove(presentationHeader(ctx.electionHash, ballotHash));
  return new AnonymousEvidence(pseudonym, proof, credential.weight);
}

/** AnonymousEligibility.verify: the stateless check of a ballot's evidence (throws NotEligible). */
export function verifyAnonymous(ctx: AnonymousContext, evidence: AnonymousEvidence, ballotHash: Uint8Array): void {
  if (weighted(ctx) !== evidence.weight > 0) {
    throw new NotEligible("an assembly ballot discloses its owner's area; other ballots disclose nothing");
  }
  verifyPresentation(ctx.definition.credentialKey, ctx.electionHash, presentationHeader(ctx.electionHash, ballotHash), evidence, "eligibility proof");
}

function verifyPresentation(
  credentialKey: Uint8Array,
  electionHash: Uint8Array,
  ph: Uint8Array,
  evidence: AnonymousEvidence,
  what: string,
): void {
  const messages = weightMessages(evidence.weight);
  try {
    proofVerifyWithNym(credentialKey, {
      proof: evidence.proof,
      header: credentialHeader(electionHash),
      ph,
      pseudonym: evidence.pseudonym,
      contextId: ballotContextId(electionHash),
      bigL: messages.length,
      disclosedMessages: messages,
      disclosedCommitmentMessages: [],
      disclosedIndexes: messages.length ? [0] : [],
      disclosedCommitmentIndexes: [],
      lengthNymVector: NYM_LENGTH,
    });
  } catch (e) {
    if (e instanceof BbsError) throw new NotEligible(`${what} does not verify: ${e.message}`, { cause: e });
    throw e;
  }
}

// -- §P5.3 revoking an anonymous credential before the election opens ------------------------------------------------

/** The presentation header of a revocation (§P5.3): the election instance, the leaf index of the issuance it
 * withdraws and that issuance's roll id (fixed-width fields first, the roll id last). */
export function revocationHeader(electionHash: Uint8Array, rollId: string, issuance: number): Uint8Array {
  if (electionHash.length !== 32 || !Number.isSafeInteger(issuance) || issuance < 0) {
    throw new EncodingError("revocation header: a 32-byte election hash and a leaf index");
  }
  return concat(REVOCATION_PH_DOMAIN, electionHash, uint(issuance, 8), utf8(rollId));
}

/** On the holder's device: the credential's ballot pseudonym with a BBS proof bound to the revocation of issuance
 * `issuance` (roll id `rollId`), for `linli registrar revoke` (present_for_revocation). */
export function presentForRevocation(credential: AnonymousCredential, rollId: string, issuance: number): AnonymousEvidence {
  const [proof, pseudonym] = credential.prove(revocationHeader(credential.electionHash, rollId, issuance));
  return new AnonymousEvidence(pseudonym, proof, credential.weight);
}

/** verify_revocation (§P5.3): any signed area is accepted. Throws NotEligible. */
export function verifyRevocation(
  credentialKey: Uint8Array,
  electionHash: Uint8Array,
  rollId: string,
  issuance: number,
  evidence: AnonymousEvidence,
): void {
  verifyPresentation(credentialKey, electionHash, revocationHeader(electionHash, rollId, issuance), evidence, "the revocation's credential proof");
}
