// A voter's receipt (docs/protocol.md §P10.3, §P12): the port of client/api.py Receipt — the same JSON, so a receipt
// the booth keeps is checked by `linli voter check-receipt` and a CLI receipt by the booth — its verification against
// its own checkpoint, later against a newer checkpoint of the grown log (inclusion + consistency), and "superseded by
// entry N" (client/cli.py _say_superseded, from the verified log view).
//
// The receipt JSON is exactly Receipt.to_json: {"checkpoint": <signed note text>, "election", "inclusion_proof":
// [hex], "leaf_hash": hex, "leaf_index", "tree_size"}; the file the CLI saves adds "type": "linli-receipt"
// (receiptFile). The short code people read aloud or compare (receiptCode) is derived from the leaf hash, never
// stored: the first 50 bits in base32, two groups of five (client/api.py receipt_code).
import { base32, EncodingError, equalBytes, fromHex, toHex } from "./bytes.ts";
import { exactKeys, getInt, getList, getStr, type JSONObject, type JSONValue } from "./encoding.ts";
import { HASH_SIZE, leafHash, MerkleProofError, verifyInclusion } from "./merkle.ts";
import { type Checkpoint, NoteError, type NoteVerifier, openCheckpoint, openCosignedCheckpoint } from "./note.ts";
import { ReceiptInvalid, requireExtends, type VerifiedElection, openLogCheckpoint } from "./verify.ts";

export const RECEIPT_FILE = "linli-receipt";

export interface Receipt {
  readonly electionId: string;
  readonly leafIndex: number;
  readonly leafHash: Uint8Array;
  readonly treeSize: number;
  readonly inclusionProof: readonly Uint8Array[];
  readonly checkpoint: Uint8Array; // C2SP signed note (tlog-checkpoint), UTF-8
}

/** Receipt.to_json, key for key. */
export function receiptToJson(r: Receipt): JSONObject {
  return {
    checkpoint: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(r.checkpoint),
    election: r.electionId,
    inclusion_proof: r.inclusionProof.map(toHex),
    leaf_hash: toHex(r.leafHash),
    leaf_index: r.leafIndex,
    tree_size: r.treeSize,
  };
}

/** What `linli voter vote` saves (client/cli.py: {"type": "linli-receipt", **receipt.to_json()}). */
export function receiptFile(r: Receipt): JSONObject {
  return { type: RECEIPT_FILE, ...receiptToJson(r) };
}

/** Receipt.from_json, strict: the fields Receipt.to_json writes (and the file's "type"), lowercase hex. */
export function receiptFromJson(value: JSONValue): Receipt {
  const what = "receipt";
  const obj = exactKeys(value, ["checkpoint", "election", "inclusion_proof", "leaf_hash", "leaf_index", "tree_size"], what, ["type"]);
  if ("type" in obj && obj["type"] !== RECEIPT_FILE) throw new EncodingError(`${what}: not a ${RECEIPT_FILE} file`);
  const proof = getList(obj, "inclusion_proof", what).map((h, i) => {
    if (typeof h !== "string") throw new EncodingError(`${what}.inclusion_proof[${i}]: expected a hex string`);
    return fromHex(h, `${what}.inclusion_proof[${i}]`, HASH_SIZE);
  });
  const leaf = getStr(obj, "leaf_hash", what);
  const index = getInt(obj, "leaf_index", what);
  const size = getInt(obj, "tree_size", what);
  if (index < 0 || size < 0) throw new EncodingError(`${what}: leaf index and tree size are non-negative`);
  return {
    electionId: getStr(obj, "election", what),
    leafIndex: index,
    leafHash: fromHex(leaf, `${what}.leaf_hash`, HASH_SIZE),
    treeSize: size,
    inclusionProof: proof,
    checkpoint: new TextEncoder().encode(getStr(obj, "checkpoint", what)),
  };
}

/** Receipt.verify: the checkpoint's signature and origin, its size, the entry (when given), and the inclusion of
 * the leaf at `leafIndex`. Returns the receipt's checkpoint; throws ReceiptInvalid. */
export function verifyReceipt(r: Receipt, verifier: NoteVerifier, origin: string, entry?: Uint8Array): Checkpoint {
  try {
    const cp = openCheckpoint(r.checkpoint, verifier);
    if (cp.origin !== origin) {
      throw new ReceiptInvalid("receipt", `checkpoint is for log ${JSON.stringify(cp.origin)}, expected ${JSON.stringify(origin)}`);
    }
    if (cp.size !== BigInt(r.treeSize)) throw new ReceiptInvalid("receipt", "checkpoint size differs from the receipt's tree size");
    if (entry !== undefined && !equalBytes(leafHash(entry), r.leafHash)) {
      throw new ReceiptInvalid("receipt", "the receipt is for a different entry");
    }
    verifyInclusion(r.leafHash, r.leafIndex, r.treeSize, r.inclusionProof, cp.rootHash);
    return cp;
  } catch (e) {
    if (e instanceof NoteError || e instanceof MerkleProofError) {
      throw new ReceiptInvalid("receipt", `receipt does not verify: ${e.message}`, e);
    }
    throw e;
  }
}

export interface ReceiptStatus {
  /** The newer checkpoint the receipt's log has grown consistently to. */
  readonly checkpoint: Checkpoint;
  /** The entry of a later ballot of the same binding that counts instead, or null (also when the log view does not
   * cover every entry: then `complete` is false). */
  readonly supersededBy: number | null;
  readonly complete: boolean;
  /** §P17.4: the witnesses' verdict ("none" when the election names no witnesses). */
  readonly witnesses: WitnessStatus;
}

/** LinliClient.check_receipt + _say_superseded (§P10.3): the receipt verifies against its own checkpoint, the
 * verified election's newer checkpoint extends it (`consistency`: the RFC 9162 proof from the receipt's size to the
 * election checkpoint's), and the log view says whether a later ballot supersedes it. */
export function checkReceipt(r: Receipt, election: VerifiedElection, consistency: readonly Uint8Array[]): ReceiptStatus {
  if (r.electionId !== election.electionId) {
    throw new ReceiptInvalid("receipt", `the receipt is for election ${JSON.stringify(r.electionId)}, not ${election.electionId}`);
  }
  const old = verifyReceipt(r, election.verifier, election.origin);
  const next = openLogCheckpoint(election.checkpointNote, election.verifier, election.origin);
  try {
    requireExtends(old, next, consistency);
  } catch (e) {
    if (e instanceof ReceiptInvalid) {
      throw new ReceiptInvalid(e.reason, `the log no longer contains the receipt's checkpoint: ${e.message}`, e);
    }
    throw e;
  }
  return { checkpoint: next, supersededBy: election.view.supersededBy(r.leafIndex), complete: election.complete, witnesses: "none" };
}

/** §P17.4, what a witnessed election's receipt check found: "cosigned" (the entry is in a checkpoint with the
 * quorum), or "pending" (no cosigned checkpoint covers it yet). Elections without witnesses: "none". */
export type WitnessStatus = "none" | "pending" | "cosigned";

/** LinliClient.check_receipt_witnessed (§P17.4): the receipt verifies against its own checkpoint; `cosignedNote`
 * (the server's newest checkpoint with the quorum, or null if it has none) carries the election's quorum of valid
 * cosignatures, names this log, and extends the receipt's checkpoint (`consistency`, from the receipt's size to
 * its size); the entry is included in it (`inclusion`, the RFC 9162 proof at its size). Pending when no cosigned
 * checkpoint covers the entry; throws ReceiptInvalid otherwise. */
export function checkReceiptWitnessed(
  r: Receipt,
  election: VerifiedElection,
  cosignedNote: Uint8Array | null,
  consistency: readonly Uint8Array[],
  inclusion: readonly Uint8Array[],
): { status: WitnessStatus; checkpoint: Checkpoint | null } {
  const d = election.definition;
  const old = verifyReceipt(r, election.verifier, election.origin);
  if (cosignedNote === null) return { status: "pending", checkpoint: null };
  let cosigned: Checkpoint;
  try {
    cosigned = openCosignedCheckpoint(cosignedNote, election.verifier, d.witnesses, d.witnessQuorum).checkpoint;
  } catch (e) {
    if (e instanceof NoteError) throw new ReceiptInvalid("receipt", `the server's cosigned checkpoint does not verify: ${e.message}`, e);
    throw e;
  }
  if (cosigned.origin !== election.origin) throw new ReceiptInvalid("receipt", "the cosigned checkpoint is for another log");
  if (cosigned.size < old.size) return { status: "pending", checkpoint: cosigned };
  try {
    requireExtends(old, cosigned, consistency);
    verifyInclusion(r.leafHash, r.leafIndex, cosigned.sizeNumber, inclusion, cosigned.rootHash);
  } catch (e) {
    if (e instanceof ReceiptInvalid || e instanceof MerkleProofError) {
      throw new ReceiptInvalid("receipt", `the witnessed log does not contain the receipt's entry: ${e.message}`, e);
    }
    throw e;
  }
  return { status: "cosigned", checkpoint: cosigned };
}

export const RECEIPT_CODE_CHARS = 10;

/** The receipt's short code (client/api.py receipt_code): base32 (RFC 4648) of the leaf hash, its first 10
 * characters (50 bits) in two groups of five, e.g. "K7QXM-2D4NA". */
export function receiptCode(leaf: Uint8Array): string {
  if (leaf.length !== HASH_SIZE) throw new RangeError(`a leaf hash is ${HASH_SIZE} bytes`);
  const out = base32(leaf).slice(0, RECEIPT_CODE_CHARS);
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}
