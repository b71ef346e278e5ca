// The ballot on the phone (docs/protocol.md §P6): a thin adapter over the ballot modules — precomputation while
// the voter reads (ballot.ts precompute: the key's base H and its table, then one ballot's vote-independent
// exponentiations), the build with the eligibility evidence (ed25519.ts signingEvidence, or anonymous.ts's BBS proof
// with pseudonym), and the Benaloh audit (opening.ts: open, then check here what `linli verify-audit` checks).
import { AnonymousEvidence, anonymousEvidence, credentialBinding, verifyAnonymous } from "../crypto/anonymous.ts";
import {
  assertCastable,
  type BallotMaterial,
  buildBallot,
  type BuiltBallot,
  type Evidence,
  type EvidenceCheck,
  precompute as precomputeMaterial,
} from "../crypto/ballot.ts";
import { fromHex } from "../crypto/bytes.ts";
import { AnonymousCredential } from "../crypto/credentials.ts";
import * as ed25519 from "../crypto/ed25519.ts";
import type { ElectionContext } from "../crypto/election.ts";
import type { JSONObject } from "../crypto/encoding.ts";
import { checkOpening, openBallot } from "../crypto/opening.ts";
import { keyBase } from "../crypto/paillier.ts";
import { EngineError, type Choice, type CredentialSecret, type Progress } from "./types.ts";

export type Material = BallotMaterial;
export type Built = BuiltBallot;

/** Let the worker answer progress messages between the long steps. */
const breathe = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** §P6.0: H and its fixed-base table (once per key), then one ballot's material (used once). */
export async function precompute(ctx: ElectionContext, progress: Progress): Promise<Material> {
  progress(0.02, "table");
  await breathe();
  keyBase(ctx.publicKey.n);
  progress(0.5, "material");
  await breathe();
  const material = precomputeMaterial(ctx);
  progress(1, "done");
  return material;
}

function signingSeed(credential: CredentialSecret): Uint8Array {
  const s = (credential.secret as JSONObject | null)?.["secret"];
  if (typeof s !== "string") throw new EngineError("invalid", "malformed signing credential");
  return fromHex(s, "signing credential", 32);
}

/** The ballot's binding (§P6): the credential key, or the per-election pseudonym of this instance. */
export function binding(ctx: ElectionContext, credential: CredentialSecret): Uint8Array {
  if (credential.mode === "signing") return ed25519.publicKey(signingSeed(credential));
  return credentialBinding(AnonymousCredential.fromJson(credential.secret), ctx.electionHash);
}

/** §P6.1–6.3: encrypt and prove with the precomputed material, then the eligibility evidence over the ballot hash. */
export async function build(ctx: ElectionContext, choice: Choice, credential: CredentialSecret, material: Material, progress: Progress): Promise<Built> {
  if (credential.mode !== ctx.definition.eligibility) throw new EngineError("invalid", `this election needs a ${ctx.definition.eligibility} credential`);
  progress(0.1, "build");
  await breathe();
  if (credential.mode === "signing") {
    const seed = signingSeed(credential);
    return buildBallot(ctx, choice, ed25519.publicKey(seed), ed25519.signingEvidence(ctx, seed), material);
  }
  const anonymous = AnonymousCredential.fromJson(credential.secret);
  return buildBallot(ctx, choice, credentialBinding(anonymous, ctx.electionHash), (h) => anonymousEvidence(anonymous, ctx, h), material);
}

/** The eligibility check of the election's mode (an EvidenceCheck for verifyBallot / checkOpening). */
export const checkEvidence: EvidenceCheck = (ctx: ElectionContext, evidence: Evidence, ballotHash: Uint8Array): void => {
  if (evidence.mode === "signing") ed25519.verifySigningEvidence(ctx, evidence, ballotHash);
  else verifyAnonymous(ctx, new AnonymousEvidence(evidence.pseudonym, evidence.proof, evidence.weight), ballotHash);
};

/** Benaloh: open the ballot (it is spoiled from now on), check the opening as `linli verify-audit` would; the audit
 * file is the opening itself (voting/audit.py reads it). */
export function audit(ctx: ElectionContext, built: Built): { audit: string; choice: Choice } {
  const opening = openBallot(ctx, built);
  const checked = checkOpening(ctx, opening, checkEvidence);
  return { audit: JSON.stringify(opening, null, 1), choice: typeof checked.choice === "number" ? checked.choice : [...checked.choice] };
}

/** Refuse to send a ballot that was opened for an audit. */
export const castable = (built: Built): void => assertCastable(built);
