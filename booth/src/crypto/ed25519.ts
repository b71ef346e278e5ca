// Ed25519 (RFC 8032) with @noble/curves, as crypto/ed25519.py: keys are 32-byte seeds, public keys 32 bytes,
// verification raises. And the signing-mode eligibility evidence of voting/eligibility.py (SigningEvidence,
// SigningEligibility.sign / verify; docs/protocol.md §P5.1, §P6.3): the credential signs
// "linli/ballot-signature/v1\0" ‖ election_hash ‖ ballot_hash.
import { ed25519 } from "@noble/curves/ed25519.js";
import { concat, toHex, utf8 } from "./bytes.ts";
import type { Evidence } from "./ballot.ts";
import { NotEligible, type ElectionContext } from "./election.ts";
import type { JSONObject } from "./encoding.ts";
import { CryptoError, DecodingError } from "./paillier.ts";

export const PUBLIC_KEY_SIZE = 32;
export const SIGNATURE_SIZE = 64;
export const BALLOT_SIGNATURE_DOMAIN = utf8("linli/ballot-signature/v1\x00");

export class InvalidSignature extends CryptoError {
  override name = "InvalidSignature";
}

/** A fresh 32-byte private key (seed), from crypto.getRandomValues. */
export const generateSeed = (): Uint8Array => crypto.getRandomValues(new Uint8Array(32));

export function publicKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new DecodingError("an Ed25519 private key is 32 bytes");
  return ed25519.getPublicKey(seed);
}

export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new DecodingError("an Ed25519 private key is 32 bytes");
  return ed25519.sign(message, seed);
}

/** Whether `signature` is a valid Ed25519 signature of `message` under `key`: strict RFC 8032 (S < L, canonical
 *  encodings, as OpenSSL behind Python's `cryptography`; not the ZIP-215 rules). Malformed input is `false`. The one
 *  Ed25519 check of the booth (statements, checkpoints, ballots, the relay). */
export function signatureHolds(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, key, { zip215: false });
  } catch {
    return false;
  }
}

/** Raise InvalidSignature unless `signature` is a valid Ed25519 signature of `message` (strict RFC 8032: S < L,
 *  canonical encodings, as OpenSSL behind Python's `cryptography`; not the ZIP-215 rules). */
export function verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): void {
  if (key.length !== PUBLIC_KEY_SIZE) throw new DecodingError("an Ed25519 public key is 32 bytes");
  if (signature.length !== SIGNATURE_SIZE) throw new InvalidSignature("an Ed25519 signature is 64 bytes");
  let ok: boolean;
  try {
    ok = ed25519.verify(signature, message, key, { zip215: false });
  } catch (e) {
    throw new DecodingError(`not an Ed25519 public key: ${(e as Error).message}`);
  }
  if (!ok) throw new InvalidSignature("Ed25519 signature does not verify");
}

/** voting.eligibility.signed_ballot_message. */
export const signedBallotMessage = (ctx: ElectionContext, ballotHash: Uint8Array): Uint8Array =>
  concat(BALLOT_SIGNATURE_DOMAIN, ctx.electionHash, ballotHash);

/** The evidence of a signing credential for buildBallot (SigningEligibility.sign): the binding is publicKey(seed). */
export function signingEvidence(ctx: ElectionContext, seed: Uint8Array): (ballotHash: Uint8Array) => JSONObject {
  const credential = publicKey(seed);
  return (ballotHash) => ({
    credential: toHex(credential),
    mode: "signing",
    signature: toHex(sign(seed, signedBallotMessage(ctx, ballotHash))),
  });
}

/** SigningEligibility.verify: the ballot's signature under its credential (raises NotEligible); an EvidenceCheck
 *  of ballot.ts. */
export function verifySigningEvidence(ctx: ElectionContext, evidence: Evidence, ballotHash: Uint8Array): void {
  if (evidence.mode !== "signing") throw new NotEligible("this election needs a signing credential");
  try {
    verify(evidence.credential, signedBallotMessage(ctx, ballotHash), evidence.signature);
  } catch (e) {
    if (e instanceof CryptoError) throw new NotEligible(`ballot signature does not verify under its credential (${e.message})`);
    throw e;
  }
}
