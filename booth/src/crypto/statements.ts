// Ledger entries and the set-up statements' bodies: the ports of voting/records.py (the entry envelope of
// docs/record.md §R2, authors, tree heads, the Ed25519 statement signature) and of the parts of voting/statements.py
// a voter's device replays (roll.published, roll.corrected, credential.issued, credential.revoked, election.opened
// and election.closed; key.published's body is parsed by election.ts and modulus.ts).
//
// Every entry is {"author": {...} | null, "body": {...}, "election": id, "kind": kind, "signature": hex | null,
// "v": 1}; a statement (kinds authored by admin, registrar or trustee) carries its author's Ed25519 key and a
// signature over "linli/statement/v1\0" ‖ canonical(entry without "signature") (§P1). Parse errors are EncodingError
// (voting.errors.InvalidEncoding); a statement from the wrong role or with a bad signature is InvalidStatement.
import { signatureHolds } from "./ed25519.ts";
import { concat, EncodingError, equalBytes, toHex, utf8 } from "./bytes.ts";
import { InvalidElection, VotingError, hexBytes } from "./election.ts";
import { canonical, exactKeys, getInt, getList, getStr, parseCanonical, type JSONObject, type JSONValue } from "./encoding.ts";

/** voting.errors.InvalidStatement: bad signature, wrong author, wrong kind, another election instance. */
export class InvalidStatement extends VotingError {
  override name = "InvalidStatement";
}

export const STATEMENT_DOMAIN = utf8("linli/statement/v1\0");
export const FORMAT_VERSION = 1;
export const MAX_ROLL_BATCH = 10_000;

export const ENTRY_KINDS = [
  "election.created",
  "roll.published",
  "roll.corrected",
  "key.published",
  "credential.issued",
  "credential.revoked",
  "election.opened",
  "ballot",
  "election.closed",
  "tally",
  "decryption.share",
  "result",
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
export type Role = "admin" | "registrar" | "trustee";

/** voting/records.py STATEMENT_ROLES: who authors each statement kind (ballots and server entries: nobody). */
export const STATEMENT_ROLES: Partial<Record<EntryKind, Role>> = {
  "election.created": "admin",
  "roll.published": "admin",
  "roll.corrected": "admin",
  "key.published": "admin",
  "credential.issued": "registrar",
  "credential.revoked": "registrar",
  "election.opened": "admin",
  "election.closed": "admin",
  "decryption.share": "trustee",
};

/** A tree head (size, RFC 9162 root) of the election's log as a statement's signer saw it (§P2.3; LogHead). */
export interface LogHead {
  readonly size: number;
  readonly root: Uint8Array;
}

export function logHeadFromJson(value: JSONValue | undefined, what = "log_head"): LogHead {
  const obj = exactKeys(value, ["root", "size"], what);
  const size = getInt(obj, "size", what);
  if (!(size >= 1 && size < 2 ** 40)) throw new EncodingError(`${what}.size: out of range`);
  return { size, root: hexBytes(obj["root"], `${what}.root`, 32) };
}

export interface Author {
  readonly role: Role;
  readonly key: Uint8Array; // Ed25519 public key
  readonly index: number; // trustee index (1..n); 0 for other roles
}

function authorFromJson(value: JSONValue | undefined): Author {
  const obj = exactKeys(value, ["index", "key", "role"], "author");
  const role = getStr(obj, "role", "author");
  if (role !== "admin" && role !== "registrar" && role !== "trustee") {
    throw new EncodingError(`author: ${JSON.stringify(role)} is not a valid Role`);
  }
  const index = getInt(obj, "index", "author");
  if ((role === "trustee") !== index > 0 || !(index >= 0 && index <= 64)) {
    throw new EncodingError("author.index: a trustee index in 1..64, 0 for other roles");
  }
  return { role, key: hexBytes(obj["key"], "author.key", 32), index };
}

const authorJson = (a: Author): JSONObject => ({ index: a.index, key: toHex(a.key), role: a.role });

/** One log entry (voting.records.Entry). Built only by `fromBytes`, which checks the encoding is canonical and
 * that statements carry an author of the kind's role and a signature, other entries neither. */
export class Entry {
  private constructor(
    readonly kind: EntryKind,
    readonly electionId: string,
    readonly body: JSONObject,
    readonly author: Author | null,
    readonly signature: Uint8Array | null,
  ) {}

  static fromJson(value: JSONValue): Entry {
    const obj = exactKeys(value, ["author", "body", "election", "kind", "signature", "v"], "entry");
    const v = getInt(obj, "v", "entry");
    if (v !== FORMAT_VERSION) throw new EncodingError(`entry.v: unsupported format version ${v}`);
    const kindText = getStr(obj, "kind", "entry");
    if (!(ENTRY_KINDS as readonly string[]).includes(kindText)) {
      throw new EncodingError(`entry.kind: unknown kind ${JSON.stringify(kindText)}`);
    }
    const kind = kindText as EntryKind;
    const electionId = getStr(obj, "election", "entry");
    const body = obj["body"];
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new EncodingError("entry.body: expected an object");
    const author = obj["author"] === null ? null : authorFromJson(obj["author"]);
    const signature = obj["signature"] === null ? null : hexBytes(obj["signature"], "entry.signature", 64);
    const role = STATEMENT_ROLES[kind];
    if (role === undefined) {
      if (author !== null || signature !== null) throw new EncodingError(`a ${kind} entry carries no author or signature`);
    } else {
      if (author === null || signature === null) throw new EncodingError(`a ${kind} statement must be signed by its author`);
      if (author.role !== role) throw new InvalidStatement(`a ${kind} statement must come from the ${role}`);
    }
    return new Entry(kind, electionId, body, author, signature);
  }

  /** Parse canonical bytes (voting.records.Entry.from_bytes: anything that does not re-encode is refused). */
  static fromBytes(data: Uint8Array): Entry {
    const entry = Entry.fromJson(parseCanonical(data, "entry"));
    // parseCanonical's decoder drops a leading byte-order mark, which Python's parse refuses: the bytes must be
    // exactly the entry's one encoding
    if (!equalBytes(entry.toBytes(), data)) throw new EncodingError("entry: not in canonical form");
    return entry;
  }

  /** An unsigned entry (a ballot, a server entry) of `body`, e.g. the ballot entry a cast appends. */
  static unsigned(kind: EntryKind, electionId: string, body: JSONObject): Entry {
    if (STATEMENT_ROLES[kind] !== undefined) throw new RangeError(`a ${kind} entry is a signed statement`);
    return new Entry(kind, electionId, body, null, null);
  }

  private unsignedJson(): JSONObject {
    return {
      author: this.author === null ? null : authorJson(this.author),
      body: this.body,
      election: this.electionId,
      kind: this.kind,
      v: FORMAT_VERSION,
    };
  }

  /** The bytes the author signs: "linli/statement/v1\0" ‖ canonical(entry without "signature") (§R2). */
  signedMessage(): Uint8Array {
    return concat(STATEMENT_DOMAIN, canonical(this.unsignedJson()));
  }

  /** The canonical bytes: what the ledger hashes (RFC 9162 leaf) and the record stores. */
  toBytes(): Uint8Array {
    return canonical({ ...this.unsignedJson(), signature: this.signature === null ? null : toHex(this.signature) });
  }

  /** The author's Ed25519 signature (RFC 8032, strict encodings); whether that author may make this statement is
   * the caller's check. */
  verifySignature(): void {
    if (this.author === null || this.signature === null) throw new InvalidStatement(`${this.kind} entry is not signed`);
    if (!signatureHolds(this.author.key, this.signedMessage(), this.signature)) throw new InvalidStatement(`${this.kind} statement: bad signature (Ed25519 signature does not verify)`);
  }
}

// -- bodies (voting/statements.py) -------------------------------------------------------------------------------

/** §P2.3: the election hash every statement but election.created names, the tree head of those that attest to the
 * log, and the rest of the body (voting.statements._bound). */
function bound(value: JSONObject, what: string, head: boolean): { electionHash: Uint8Array; logHead: LogHead | null; rest: JSONObject } {
  const electionHash = hexBytes(value["election_hash"], `${what}.election_hash`, 32);
  let logHead: LogHead | null = null;
  if (head) logHead = logHeadFromJson(value["log_head"], `${what}.log_head`);
  else if ("log_head" in value) throw new EncodingError(`${what}: unexpected log_head`);
  const rest: JSONObject = {};
  for (const [k, v] of Object.entries(value)) if (k !== "election_hash" && k !== "log_head") rest[k] = v;
  return { electionHash, logHead, rest };
}

/** One line of the voter roll (voting.election.RollEntry): a unit id in its canonical form and an area. The id
 * pattern admits only ASCII letters and digits, CJK ideographs (NFC-stable) and . _ / -, so a matching id is
 * already what normalise_unit makes of it. */
export interface RollEntry {
  readonly rollId: string;
  readonly area: number; // exclusive floor area in 0.01 m² (assembly); 0 otherwise
}

const ROLL_ID = /^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._/-]{0,63}$/u;

export function rollEntryFromJson(value: JSONValue | undefined): RollEntry {
  const obj = exactKeys(value, ["area", "roll_id"], "roll entry");
  const rollId = getStr(obj, "roll_id", "roll entry");
  const area = getInt(obj, "area", "roll entry");
  if (!ROLL_ID.test(rollId)) {
    throw new InvalidElection(
      `roll id ${JSON.stringify(rollId)}: 1-64 characters of A-Z a-z 0-9, Chinese characters, and . _ / - between`,
    );
  }
  if (!(area >= 0 && area < 2 ** 32)) throw new InvalidElection(`roll id ${JSON.stringify(rollId)}: area out of range`);
  return { rollId, area };
}

export interface RollPublished {
  readonly electionHash: Uint8Array;
  readonly entries: readonly RollEntry[];
}

export function rollPublishedFromJson(body: JSONObject): RollPublished {
  const { electionHash, rest } = bound(body, "roll.published", false);
  exactKeys(rest, ["entries"], "roll.published");
  const items = getList(rest, "entries", "roll.published");
  if (!(items.length >= 1 && items.length <= MAX_ROLL_BATCH)) {
    throw new EncodingError(`roll.published: 1..${MAX_ROLL_BATCH} entries per batch`);
  }
  return { electionHash, entries: items.map(rollEntryFromJson) };
}

export interface RollCorrected {
  readonly electionHash: Uint8Array;
  readonly rollId: string;
  readonly replacement: RollEntry | null;
}

export function rollCorrectedFromJson(body: JSONObject): RollCorrected {
  const { electionHash, rest } = bound(body, "roll.corrected", false);
  exactKeys(rest, ["replacement", "roll_id"], "roll.corrected");
  const rollId = getStr(rest, "roll_id", "roll.corrected");
  return { electionHash, rollId, replacement: rest["replacement"] === null ? null : rollEntryFromJson(rest["replacement"]) };
}

export interface CredentialIssued {
  readonly electionHash: Uint8Array;
  readonly rollId: string;
  readonly credential: Uint8Array; // signing mode: the credential's Ed25519 key; anonymous mode: empty
}

export function credentialIssuedFromJson(body: JSONObject, anonymous: boolean): CredentialIssued {
  const { electionHash, rest } = bound(body, "credential.issued", false);
  exactKeys(rest, anonymous ? ["roll_id"] : ["credential", "roll_id"], "credential.issued");
  const rollId = getStr(rest, "roll_id", "credential.issued");
  const credential = anonymous ? new Uint8Array(0) : hexBytes(rest["credential"], "credential.issued.credential", 32);
  return { electionHash, rollId, credential };
}

export interface CredentialRevoked {
  readonly electionHash: Uint8Array;
  readonly rollId: string;
  readonly issuance: number; // the leaf index of the issuance withdrawn
  readonly evidence: JSONValue | null; // anonymous mode: the revoked credential's presentation (parsed by the caller)
}

export function credentialRevokedFromJson(body: JSONObject, anonymous: boolean): CredentialRevoked {
  const what = "credential.revoked";
  const { electionHash, rest } = bound(body, what, false);
  exactKeys(rest, anonymous ? ["evidence", "issuance", "roll_id"] : ["issuance", "roll_id"], what);
  const issuance = getInt(rest, "issuance", what);
  if (!(issuance >= 0 && issuance < 2 ** 40)) throw new EncodingError(`${what}.issuance: not a leaf index`);
  return { electionHash, rollId: getStr(rest, "roll_id", what), issuance, evidence: anonymous ? rest["evidence"]! : null };
}

/** election.opened / election.closed: the election hash and the tree head the administrator verified. */
export interface Attestation {
  readonly electionHash: Uint8Array;
  readonly logHead: LogHead;
}

export function attestationFromJson(body: JSONObject, kind: "election.opened" | "election.closed"): Attestation {
  const { electionHash, logHead, rest } = bound(body, kind, true);
  exactKeys(rest, [], kind);
  return { electionHash, logHead: logHead! };
}

/** key.published's election hash, read before the key itself (the state checks the instance first, §P2.3). */
export function boundElectionHash(body: JSONObject, what: string): Uint8Array {
  return bound(body, what, false).electionHash;
}
