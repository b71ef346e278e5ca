// tests/booth/test_context_*.py and test_receipt_*.py: the booth's verification of what a server returns, run on
// Python-made elections, checkpoints and receipts. One request, many cases; each answer is {"ok": ...} or
// {"error": class, "message", and for the booth's errors "reason", "index", "cause"} (io.ts attempt).
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import type { JSONValue } from "../../src/crypto/encoding.ts";
import { Checkpoint, NoteError, NoteVerifier, openCheckpoint, openSignedNote, verifyCheckpointExtends } from "../../src/crypto/note.ts";
import { ModulusError, modulusProofFromJson, verifyModulus, type ModulusProof } from "../../src/crypto/modulus.ts";
import { checkReceipt, checkReceiptWitnessed, receiptCode, receiptFile, receiptFromJson, verifyReceipt } from "../../src/crypto/receipt.ts";
import { BoothError, ElectionInvalid, ElectionMismatch, ReceiptInvalid, verifyElection, type Expected, type Fetched, type VerifiedElection } from "../../src/crypto/verify.ts";
import { serve } from "./io.ts";

const hexes = (xs: readonly string[]): Uint8Array[] => xs.map((x) => fromHex(x));
const big = (x: string): bigint => (x.startsWith("-") ? -BigInt("0x" + x.slice(1)) : BigInt("0x" + x));
const hexOf = (x: bigint): string => (x < 0n ? "-" + (-x).toString(16) : x.toString(16));

/** The Python class of a rule's error (crypto/errors.py names NoteError's kinds). */
function causeName(e: Error | undefined): string | null {
  if (e instanceof NoteError) return { decoding: "DecodingError", key: "InvalidKey", signature: "InvalidSignature" }[e.kind];
  return e?.name ?? null;
}

/** A thrown error as pytest compares it: the class, the booth's reason, the rule's error class. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (e) {
    const err = e as Error;
    const out: Record<string, unknown> = { error: err.name, message: err.message };
    if (err instanceof NoteError || err instanceof ModulusError) out["kind"] = err.kind;
    if (err instanceof ElectionInvalid) {
      out["reason"] = err.reason;
      out["index"] = err.index;
      out["cause"] = causeName(err.cause);
    } else if (err instanceof ElectionMismatch || err instanceof ReceiptInvalid) {
      out["reason"] = err.reason;
    } else if (!(err instanceof BoothError || err instanceof NoteError || err instanceof ModulusError)) {
      out["unexpected"] = true; // not one of the typed refusals: a bug
      out["stack"] = err.stack ?? "";
    }
    return out;
  }
}

interface RawProof {
  sigmas: string[];
  blum: { w: string; x: string[]; a: number[]; b: number[] };
  fac: Record<"P" | "Q" | "A" | "B" | "T" | "sigma" | "z1" | "z2" | "w1" | "w2" | "v", string>;
}

const fromRaw = (p: RawProof): ModulusProof => ({
  sigmas: p.sigmas.map(big),
  blum: { w: big(p.blum.w), x: p.blum.x.map(big), a: p.blum.a, b: p.blum.b },
  fac: {
    P: big(p.fac.P), Q: big(p.fac.Q), A: big(p.fac.A), B: big(p.fac.B), T: big(p.fac.T),
    sigma: big(p.fac.sigma), z1: big(p.fac.z1), z2: big(p.fac.z2), w1: big(p.fac.w1), w2: big(p.fac.w2), v: big(p.fac.v),
  },
});

const toRaw = (p: ModulusProof): RawProof => ({
  sigmas: p.sigmas.map(hexOf),
  blum: { w: hexOf(p.blum.w), x: p.blum.x.map(hexOf), a: [...p.blum.a], b: [...p.blum.b] },
  fac: {
    P: hexOf(p.fac.P), Q: hexOf(p.fac.Q), A: hexOf(p.fac.A), B: hexOf(p.fac.B), T: hexOf(p.fac.T),
    sigma: hexOf(p.fac.sigma), z1: hexOf(p.fac.z1), z2: hexOf(p.fac.z2), w1: hexOf(p.fac.w1), w2: hexOf(p.fac.w2), v: hexOf(p.fac.v),
  },
});

interface FetchedJson {
  election_id: string;
  prefix: string;
  vkey: string;
  checkpoint: string; // hex of the note
  entries: string[];
  consistency?: string[];
  previous_consistency?: string[];
}
interface ExpectedJson {
  fingerprint: string;
  log_key?: string;
  checkpoint?: string;
  min_modulus_bits?: number;
}

const fetched = (f: FetchedJson): Fetched => ({
  electionId: f.election_id,
  serverInfo: { logOriginPrefix: f.prefix, verifierKey: f.vkey },
  checkpoint: fromHex(f.checkpoint),
  entries: hexes(f.entries),
  ...(f.consistency ? { consistency: hexes(f.consistency) } : {}),
  ...(f.previous_consistency ? { previousConsistency: hexes(f.previous_consistency) } : {}),
});

const expected = (e: ExpectedJson): Expected => ({
  fingerprint: e.fingerprint,
  ...(e.log_key !== undefined ? { logKey: e.log_key } : {}),
  ...(e.checkpoint !== undefined ? { checkpoint: fromHex(e.checkpoint) } : {}),
  minModulusBits: e.min_modulus_bits ?? 1024,
});

function summary(v: VerifiedElection): JSONValue {
  const s = v.state;
  return {
    election_id: v.electionId,
    fingerprint: v.fingerprint,
    election_hash: toHex(v.electionHash),
    log_key: v.logKey,
    size: Number(v.checkpoint.size),
    setup_size: s.size,
    setup_phase: s.phase,
    phase: v.view.phase,
    shares: v.view.shares,
    complete: v.complete,
    roll: [...s.roll.values()].map((r) => [r.rollId, r.area]),
    roll_area: s.rollArea,
    issued: Object.fromEntries(s.issued),
    credentials: Object.fromEntries(s.credentials),
    revoked: [...s.revoked].sort(),
    ballots: Object.fromEntries([...v.view.ballots].map(([k, idx]) => [k, [...idx]])),
    key_hash: s.context ? toHex(s.context.keyHash) : null,
    n: s.context ? s.context.publicKey.n.toString(16) : null,
    registrar_key: toHex(s.requireDefinition().registrarKey),
  };
}

type Case =
  | { op: "modulus"; n: string; context: string; min_bits: number; proof: RawProof }
  | { op: "modulus_json"; json: JSONValue; bits: number }
  | { op: "open_note"; vkey: string; note: string }
  | { op: "open_checkpoint"; vkey: string; note: string }
  | { op: "extends"; old: [string, string, string]; next: [string, string, string]; proof: string[] }
  | { op: "verify"; fetched: FetchedJson; expected: ExpectedJson }
  | { op: "receipt_verify"; receipt: JSONValue; vkey: string; origin: string; entry?: string }
  | { op: "receipt_check"; receipt: JSONValue; fetched: FetchedJson; expected: ExpectedJson; consistency: string[] }
  | { op: "receipt_code"; leaf_hash: string }
  | {
      op: "receipt_witnessed";
      receipt: JSONValue;
      fetched: FetchedJson;
      expected: ExpectedJson;
      cosigned: string | null;
      consistency: string[];
      inclusion: string[];
    };

const cp = ([origin, size, root]: [string, string, string]) => new Checkpoint(origin, BigInt(size), fromHex(root));

function run(c: Case): unknown {
  switch (c.op) {
    case "modulus":
      return verifyModulus(big(c.n), fromRaw(c.proof), fromHex(c.context), c.min_bits) ?? null;
    case "modulus_json":
      return toRaw(modulusProofFromJson(c.json, c.bits));
    case "open_note":
      return toHex(openSignedNote(fromHex(c.note), NoteVerifier.fromVkey(c.vkey)));
    case "open_checkpoint": {
      const v = NoteVerifier.fromVkey(c.vkey);
      const k = openCheckpoint(fromHex(c.note), v);
      return { origin: k.origin, size: k.size.toString(), root: toHex(k.rootHash), extensions: [...k.extensions], vkey: v.toVkey() };
    }
    case "extends":
      return verifyCheckpointExtends(cp(c.old), cp(c.next), hexes(c.proof)) ?? null;
    case "verify":
      return summary(verifyElection(fetched(c.fetched), expected(c.expected)));
    case "receipt_verify": {
      const r = receiptFromJson(c.receipt);
      const k = verifyReceipt(r, NoteVerifier.fromVkey(c.vkey), c.origin, c.entry !== undefined ? fromHex(c.entry) : undefined);
      return { size: k.size.toString(), file: receiptFile(r), code: receiptCode(r.leafHash) };
    }
    case "receipt_check": {
      const r = receiptFromJson(c.receipt);
      const election = verifyElection(fetched(c.fetched), expected(c.expected));
      const status = checkReceipt(r, election, hexes(c.consistency));
      return { size: status.checkpoint.size.toString(), superseded_by: status.supersededBy, complete: status.complete };
    }
    case "receipt_code":
      return receiptCode(fromHex(c.leaf_hash));
    case "receipt_witnessed": {
      const r = receiptFromJson(c.receipt);
      const election = verifyElection(fetched(c.fetched), expected(c.expected));
      const w = checkReceiptWitnessed(r, election, c.cosigned === null ? null : fromHex(c.cosigned), hexes(c.consistency), hexes(c.inclusion));
      return { status: w.status, size: w.checkpoint === null ? null : Number(w.checkpoint.size) };
    }
  }
}

serve((input: { cases: Case[] }) => ({ results: input.cases.map((c) => outcome(() => run(c))) }));
