// The booth's engine: every call a screen makes that touches the protocol, in one facade over the crypto and
// client modules (src/crypto/, written to mirror the Python modules). It runs inside the Web Worker (worker.ts), so
// verification, precomputation and ballot building never block the screen; screens reach it through remote.ts.
//
// Each method names the protocol step it performs and the Python function it corresponds to.
import type { JSONObject, JSONValue } from "../crypto/encoding.ts";
import {
  type CastResult,
  type Choice,
  type CredentialSecret,
  EngineError,
  type ElectionView,
  type Progress,
  type ReceiptCheck,
  type Sealed,
} from "./types.ts";

function notYet(what: string): never {
  throw new EngineError("not-integrated", `${what}: not integrated yet`);
}

export const engine = {
  /** §P12 (client.api.LinliClient.election): fetch and verify the election — checkpoint signature and origin, the
   * set-up replayed through the election rules (signatures, roll, issuances, key and modulus proof), consistency
   * with the checkpoint, the fingerprint. Raises kind "refused" on any mismatch. */
  async open(
    _a: { base: string; electionId: string; fingerprint: string; logKey?: string },
    _progress: Progress,
  ): Promise<ElectionView> {
    return notYet("election verification");
  },

  /** §P12 (client.describe.LogView): the phase the checkpoint-verified log reaches and `binding`'s ballots. */
  async status(_a: { electionId: string; binding?: string }): Promise<{ phase: ElectionView["phase"]; treeSize: number; ballots: number[] }> {
    return notYet("log view");
  },

  /** §P5.1: a fresh Ed25519 credential key made on this device (crypto.getRandomValues). */
  async signingKey(_a: { electionId: string }): Promise<{ secret: JSONValue; public: string }> {
    return notYet("signing credential");
  },

  /** §P5.2 step 1 (voting.credentials.request_credential): commit to a fresh nym secret. */
  async requestAnonymous(_a: { electionId: string }): Promise<{ secret: JSONValue; public: string }> {
    return notYet("anonymous credential request");
  },

  /** The credential relay (§P13.1): post the public part for the registrar; the relay answers with a short code,
   * shown with the request's check value (voting/relay.py request_check). */
  async relayPost(_a: { electionId: string; mode: "signing" | "anonymous"; public: string }): Promise<{ code: string; check: string }> {
    return notYet("credential relay");
  },

  /** The relay: the registrar's answer for `code`, or null while there is none (anonymous: the blind signature). */
  async relayPoll(_a: { electionId: string; code: string }): Promise<{ issued: JSONValue | null }> {
    return notYet("credential relay");
  },

  /** §P5.1: the log's credential.issued entry for this credential key (checkpoint-verified), or null. */
  async findIssuance(_a: { electionId: string; credential: string }): Promise<{ index: number | null }> {
    return notYet("issuance lookup");
  },

  /** §P5.2 step 3 (voting.credentials.finish_credential): verify the blind signature, derive the nym secrets. */
  async finishAnonymous(_a: { electionId: string; secret: JSONValue; issued: JSONValue }): Promise<{ secret: JSONValue; public: string }> {
    return notYet("anonymous credential");
  },

  /** The ballot's binding (§P6): the credential key, or the per-election pseudonym. */
  async binding(_a: { electionId: string; credential: CredentialSecret }): Promise<string> {
    return notYet("binding");
  },

  /** §P6.0: the key's base H, its tables, and one ballot's encryption material, while the voter reads. */
  async precompute(_a: { electionId: string }, _progress: Progress): Promise<void> {
    return notYet("precomputation");
  },

  /** §P6.1–6.3 (voting.ballot.build_ballot): encrypt, prove, add the eligibility evidence. The opening is kept
   * here until the voter casts (then it is dropped) or audits (then it is revealed and the ballot spoiled). */
  async build(_a: { electionId: string; choice: Choice; credential: CredentialSecret }, _progress: Progress): Promise<Sealed> {
    return notYet("ballot building");
  },

  /** Benaloh challenge: reveal the last built ballot's opening, check it here, spoil the ballot. */
  async audit(_a: { electionId: string }): Promise<{ audit: string; choice: Choice }> {
    return notYet("audit");
  },

  /** §P6.4–6.8, §P11.4: cast the ballot bytes (the same bytes on every retry) and verify the receipt. */
  async cast(_a: { electionId: string; ballot: Uint8Array }): Promise<CastResult> {
    return notYet("casting");
  },

  /** §P10.3 (linli voter check-receipt): inclusion at the receipt's size, consistency to the latest checkpoint,
   * and whether a later ballot of the same binding supersedes it. */
  async checkReceipt(_a: { electionId: string; receipt: JSONObject }): Promise<ReceiptCheck> {
    return notYet("receipt check");
  },
};

export type Engine = typeof engine;
