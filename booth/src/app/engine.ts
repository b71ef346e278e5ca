// The booth's engine: every call a screen makes that touches the protocol, in one facade over the crypto and
// client modules (src/crypto/, each a port of a Python module). It runs inside the Web Worker (worker.ts), so
// verification, precomputation and ballot building never block the screen; screens reach it through remote.ts.
//
// Each method names the protocol step it performs and the Python function it corresponds to.
import { connectTransport, LinliApi, ServerRejected } from "../crypto/api.ts";
import { fromHex, toHex } from "../crypto/bytes.ts";
import { CredentialRequest, finishCredential, IssuedCredential, requestCredential } from "../crypto/credentials.ts";
import * as ed25519 from "../crypto/ed25519.ts";
import type { ElectionContext } from "../crypto/election.ts";
import type { JSONObject, JSONValue } from "../crypto/encoding.ts";
import { leafHash } from "../crypto/merkle.ts";
import { receiptCode, receiptFile, receiptFromJson } from "../crypto/receipt.ts";
import { Entry } from "../crypto/statements.ts";
import { BoothError, type Expected, type VerifiedElection, verifyElection } from "../crypto/verify.ts";
import * as ballots from "./ballots.ts";
import { openIssuance, relayRequest, requestCheck } from "./relay.ts";
import { call, client } from "./rpc.ts";
import {
  type CastResult,
  type Choice,
  type CredentialSecret,
  EngineError,
  type ElectionView,
  type Phase,
  type Progress,
  type ReceiptCheck,
  type Sealed,
} from "./types.ts";

/** What the booth accepts without being told otherwise: the CLI's default (client/cli.py --min-modulus-bits). */
export const MIN_MODULUS_BITS = 2048;

interface Opened {
  base: string;
  expect: { fingerprint: string; logKey: string; minModulusBits: number };
  verified: VerifiedElection;
  checkpoint: Uint8Array; // the latest verified checkpoint: every later fetch must extend it
  material: ballots.Material | null;
  last: ballots.Built | null; // the last ballot built: cast (its opening dropped) or audited (revealed, spoiled)
}

const opened = new Map<string, Opened>();
const apis = new Map<string, LinliApi>();

/** src/crypto/api.ts's client of `base`; casts are not retried there: the booth's cast screen retries (§P11.4). */
function api(base: string): LinliApi {
  let a = apis.get(base);
  if (!a) apis.set(base, (a = new LinliApi(connectTransport(base), { castRetries: 0 })));
  return a;
}

/** What the server's failures mean to the voter: no answer (retrying may help) or a refusal with its status. */
const UNREACHABLE = new Set(["UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN", "CANCELED", "ABORTED"]);

async function rpc<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ServerRejected) {
      if (UNREACHABLE.has(e.code)) throw new EngineError("unreachable", `${what}: the server cannot be reached (${e.detail})`, e.code);
      throw new EngineError("rejected", `${what}: ${e.detail}`, e.code);
    }
    return refused(e);
  }
}

function election(electionId: string): Opened {
  const e = opened.get(electionId);
  if (!e) throw new EngineError("invalid", `election ${electionId} has not been verified in this session`);
  return e;
}

function context(e: Opened): ElectionContext {
  const ctx = e.verified.state.context;
  if (!ctx) throw new EngineError("invalid", "the election has no key yet");
  return ctx;
}

function rpcSync<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    return refused(e);
  }
}

/** Verification failures are refusals (the screens end there); the crypto modules' own errors likewise. */
function refused(e: unknown): never {
  if (e instanceof EngineError) throw e;
  if (e instanceof BoothError || e instanceof Error) throw new EngineError("refused", e.message, e.name);
  throw e;
}

/** §P12 (client.api.LinliClient.election), again: the latest checkpoint, extending the one verified before. */
async function refresh(e: Opened): Promise<VerifiedElection> {
  const expected: Expected = { ...e.expect, checkpoint: e.checkpoint };
  const verified = await rpc("the election", () => api(e.base).openElection(e.verified.electionId, expected));
  e.verified = verified;
  e.checkpoint = verified.checkpointNote;
  return verified;
}

function phaseOf(v: VerifiedElection): Phase {
  const p = v.view.phase;
  return p === "empty" ? "created" : p;
}

function viewOf(v: VerifiedElection): ElectionView {
  const d = v.state.requireDefinition();
  return {
    electionId: v.electionId,
    electionHash: toHex(v.electionHash),
    fingerprint: v.fingerprint,
    logKey: v.logKey,
    title: d.title,
    question: d.question,
    description: d.description,
    kind: d.kind,
    options: [...d.options],
    seats: d.seats,
    major: d.major,
    weighted: d.kind === "assembly",
    eligibility: d.eligibility,
    revote: d.revote,
    opensAt: d.opensAt,
    closesAt: d.closesAt,
    phase: phaseOf(v),
    rollSize: v.state.roll.size,
    rollArea: v.state.rollArea,
    treeSize: v.checkpoint.sizeNumber,
    modulusBits: d.modulusBits,
    checkpoint: v.checkpointNote,
  };
}


export const engine = {
  /** §P12 (client.api.LinliClient.election): fetch and verify the election — checkpoint signature and origin, the
   * set-up replayed through the election rules (signatures, roll, issuances, key and modulus proof), consistency
   * with the checkpoint this phone verified before, the fingerprint. Raises kind "refused" on any mismatch. */
  async open(
    a: { base: string; electionId: string; fingerprint: string; logKey?: string; checkpoint?: Uint8Array; minModulusBits?: number },
    progress: Progress,
  ): Promise<ElectionView> {
    const minModulusBits = a.minModulusBits ?? MIN_MODULUS_BITS;
    progress(0.1, "fetch");
    const expected: Expected = { fingerprint: a.fingerprint, logKey: a.logKey, checkpoint: a.checkpoint, minModulusBits };
    const fetched = await rpc("the election", () => api(a.base).fetchElection(a.electionId, a.checkpoint));
    progress(0.5, "verify");
    const verified = rpcSync(() => verifyElection(fetched, expected));
    progress(1, "done");
    const previous = opened.get(a.electionId);
    opened.set(a.electionId, {
      base: a.base,
      expect: { fingerprint: verified.fingerprint, logKey: verified.logKey, minModulusBits },
      verified,
      checkpoint: verified.checkpointNote,
      material: previous?.verified.fingerprint === verified.fingerprint ? previous.material : null,
      last: null,
    });
    return viewOf(verified);
  },

  /** §P12 (client.describe.LogView) on a fresh checkpoint: the phase the log reaches and `binding`'s ballots. */
  async status(a: { electionId: string; binding?: string }): Promise<{ phase: Phase; treeSize: number; ballots: number[] }> {
    const v = await refresh(election(a.electionId));
    return { phase: phaseOf(v), treeSize: v.checkpoint.sizeNumber, ballots: a.binding ? [...v.view.ballotsOf(fromHex(a.binding))] : [] };
  },

  /** §P5.1: a fresh Ed25519 credential key made on this device (crypto.getRandomValues). */
  async signingKey(_a: { electionId: string }): Promise<{ secret: JSONValue; public: string }> {
    const seed = ed25519.generateSeed();
    return { secret: { secret: toHex(seed) }, public: toHex(ed25519.publicKey(seed)) };
  },

  /** §P5.2 step 1 (voting.credentials.request_credential): commit to a fresh nym secret for this instance. */
  async requestAnonymous(a: { electionId: string }): Promise<{ secret: JSONValue; public: string }> {
    const e = election(a.electionId);
    const request = requestCredential(a.electionId, e.verified.electionHash);
    return { secret: request.toJson(), public: toHex(request.commitment) };
  },

  /** The credential relay (§P13.1): post the public part for the registrar; the relay answers with a short code,
   * shown with the request's check value (voting/relay.py request_check). */
  async relayPost(a: { electionId: string; mode: "signing" | "anonymous"; public: string }): Promise<{ code: string; check: string }> {
    const e = election(a.electionId);
    const request = relayRequest(a.electionId, a.mode, fromHex(a.public));
    const { code } = await call("PostCredentialRequest", () => client(e.base).postCredentialRequest({ electionId: a.electionId, request }));
    return { code, check: requestCheck(request) };
  },

  /** §P13.3: the registrar's signed answer for `code`, checked (its key, this instance, this code), or not yet.
   * `issued`: the blind signature (anonymous mode), null in signing mode (the key is on the log). */
  async relayPoll(a: { electionId: string; code: string }): Promise<{ ready: boolean; issued: JSONValue | null }> {
    const e = election(a.electionId);
    let data: Uint8Array;
    try {
      data = (await call("GetIssuance", () => client(e.base).getIssuance({ electionId: a.electionId, code: a.code }))).issuance;
    } catch (err) {
      if (err instanceof EngineError && err.code === "NotFound") return { ready: false, issued: null };
      throw err;
    }
    const d = e.verified.state.requireDefinition();
    try {
      const issued = openIssuance(data, { electionId: a.electionId, electionHash: e.verified.electionHash, code: a.code, registrarKey: d.registrarKey });
      return { ready: true, issued };
    } catch (err) {
      refused(err);
    }
  },

  /** §P5.1: the log's live credential.issued entry for this credential key (checkpoint-verified), or null. */
  async findIssuance(a: { electionId: string; credential: string }): Promise<{ index: number | null }> {
    const v = await refresh(election(a.electionId));
    const rollId = v.state.credentials.get(a.credential);
    const index = rollId === undefined || v.state.issued.get(rollId) !== a.credential ? undefined : v.state.issuanceIndex.get(rollId);
    return { index: index ?? null };
  },

  /** §P5.2 step 3 (voting.credentials.finish_credential): verify the blind signature, derive the nym secrets. */
  async finishAnonymous(a: { electionId: string; secret: JSONValue; issued: JSONValue }): Promise<{ secret: JSONValue; public: string }> {
    const e = election(a.electionId);
    try {
      const credential = finishCredential(
        CredentialRequest.fromJson(a.secret),
        e.verified.state.requireDefinition().credentialKey,
        IssuedCredential.fromJson(a.issued),
      );
      return { secret: credential.toJson(), public: toHex(credential.pseudonym()) };
    } catch (err) {
      refused(err);
    }
  },

  /** The ballot's binding (§P6): the credential key, or the per-election pseudonym. */
  async binding(a: { electionId: string; credential: CredentialSecret }): Promise<string> {
    return toHex(ballots.binding(context(election(a.electionId)), a.credential));
  },

  /** §P6.0: the key's base H, its tables, and one ballot's encryption material, while the voter reads. */
  async precompute(a: { electionId: string }, progress: Progress): Promise<void> {
    const e = election(a.electionId);
    e.material ??= await ballots.precompute(context(e), progress);
  },

  /** §P6.1–6.3 (voting.ballot.build_ballot): encrypt, prove, add the eligibility evidence. The opening stays here
   * until the voter casts (then it is dropped) or audits (then it is revealed and the ballot spoiled). */
  async build(a: { electionId: string; choice: Choice; credential: CredentialSecret }, progress: Progress): Promise<Sealed> {
    const e = election(a.electionId);
    const ctx = context(e);
    const material = e.material ?? (await ballots.precompute(ctx, (f) => progress(0.6 * f)));
    e.material = null; // one ballot's material, never reused
    const built = await ballots.build(ctx, a.choice, a.credential, material, (f) => progress(0.6 + 0.4 * f));
    e.last = built;
    const entry = Entry.unsigned("ballot", a.electionId, built.ballot).toBytes();
    return { ballot: built.bytes, code: receiptCode(leafHash(entry)) };
  },

  /** Benaloh challenge: reveal the last built ballot's opening, check it here, spoil the ballot. */
  async audit(a: { electionId: string }): Promise<{ audit: string; choice: Choice }> {
    const e = election(a.electionId);
    const built = e.last;
    e.last = null; // spoiled: never cast
    if (!built) throw new EngineError("invalid", "no ballot to audit");
    return ballots.audit(context(e), built);
  },

  /** §P6.4–6.8, §P11.4: cast the ballot bytes (the same bytes on every retry) and verify the receipt. */
  async cast(a: { electionId: string; ballot: Uint8Array }): Promise<CastResult> {
    const e = election(a.electionId);
    if (e.last) {
      ballots.castable(e.last); // never a ballot opened for an audit
      e.last = null; // the opening of a ballot sent to the server is never revealed
    }
    const receipt = await rpc("casting", () => api(e.base).castBallot(e.verified, a.ballot));
    return { receipt: receiptFile(receipt), leafIndex: receipt.leafIndex, treeSize: receipt.treeSize, code: receiptCode(receipt.leafHash) };
  },

  /** §P10.3 (linli voter check-receipt): inclusion at the receipt's size, consistency to the latest checkpoint,
   * and whether a later ballot of the same binding supersedes it. */
  async checkReceipt(a: { electionId: string; receipt: JSONObject }): Promise<ReceiptCheck> {
    const e = election(a.electionId);
    const r = rpcSync(() => receiptFromJson(a.receipt));
    const { election: v, status } = await rpc("the receipt", () => api(e.base).checkReceipt(r, { ...e.expect, checkpoint: e.checkpoint }));
    e.verified = v;
    e.checkpoint = v.checkpointNote;
    return { leafIndex: r.leafIndex, size: status.checkpoint.sizeNumber, supersededBy: status.supersededBy, witnesses: status.witnesses };
  },
};

export type Engine = typeof engine;
