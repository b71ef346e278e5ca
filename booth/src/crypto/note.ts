// C2SP signed notes with Ed25519 keys, and transparency-log checkpoints: the port of crypto/note.py (verification
// only; the server signs). Specs: c2sp.org/signed-note (v1.0.0) and c2sp.org/tlog-checkpoint.
//
//   checkpoint body:  <origin>\n<decimal tree size>\n<base64 root hash>\n[<extension line>\n ...]
//   signed note:      body, a blank line, then lines  — <key name> <base64(key ID (4 bytes) || signature (64))>\n
//
// Key IDs are SHA-256(key name || 0x0A || 0x01 || public key)[:4]; a verifier key is
// <name>+<hex key ID>+<base64(0x01 || public key)>. Parsing is strict and canonical, as in Python: malformed input
// throws NoteError with kind "decoding" (notes, checkpoints) or "key" (key names, verifier keys); a signature by the
// expected key that does not verify, or no such signature, kind "signature". verifyCheckpointExtends throws
// MerkleProofError (merkle.ts). Opening a checkpoint proves who signed it, not which log it is about: callers
// compare `origin`.
import { publicKey as publicKeyOf, sign, signatureHolds } from "./ed25519.ts";
import { concat, equalBytes, hash, toHex, utf8 } from "./bytes.ts";
import { EMPTY_ROOT, HASH_SIZE, MerkleProofError, verifyConsistency } from "./merkle.ts";

/** crypto/errors.py DecodingError / InvalidKey / InvalidSignature, as one class with the kind kept. */
export class NoteError extends Error {
  override name = "NoteError";
  constructor(
    readonly kind: "decoding" | "key" | "signature",
    message: string,
  ) {
    super(message);
  }
}

const decoding = (m: string) => new NoteError("decoding", m);
const badKey = (m: string) => new NoteError("key", m);
const badSignature = (m: string) => new NoteError("signature", m);

/** signed-note §Signature types: 0x01 is Ed25519. */
export const ED25519_SIGNATURE_TYPE = 0x01;
/** signed-note §Format: at least 16 must be accepted; 100 is the Go reference implementation's limit. */
export const MAX_SIGNATURES = 100;
export const MAX_TREE_SIZE = 2n ** 64n - 1n;

const SIG_PREFIX = "\u2014 "; // em dash, space
const KEY_ID_SIZE = 4;
const PUBLIC_KEY_SIZE = 32;
const SIGNATURE_SIZE = 64;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const HEX_KEY_ID = /^[0-9a-f]{8}$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Python's str.isspace(): the code points the key-name rule refuses (JavaScript's \s is another set).
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

export function toBase64(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s);
}

/** RFC 4648 §4 standard base64, refusing anything that does not re-encode to the same string. */
export function fromBase64Canonical(text: string, what: string): Uint8Array {
  let raw: Uint8Array;
  try {
    if (!B64.test(text) || text.length % 4) throw new Error();
    raw = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw decoding(`${what} is not valid base64`);
  }
  if (toBase64(raw) !== text) throw decoding(`${what} is not canonical base64`);
  return raw;
}

function hasControl(text: string): boolean {
  // signed-note §Format: no ASCII control characters (below U+0020) other than newline.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

/** signed-note §Format: valid UTF-8 without control characters other than newline (a BOM is kept, as Python). */
function decodeText(data: Uint8Array, what: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    throw decoding(`${what} is not valid UTF-8`);
  }
  if (hasControl(text)) throw decoding(`${what} contains a control character`);
  return text;
}

function isValidKeyName(name: string): boolean {
  // signed-note §Format: non-empty, no Unicode spaces, no plus (U+002B); and valid UTF-8 (no lone surrogates).
  if (typeof name !== "string" || name === "" || !name.isWellFormed()) return false;
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (PY_SPACE.has(c) || c === 0x2b || c < 0x20) return false;
  }
  return true;
}

function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) throw badKey(`invalid note key name ${JSON.stringify(name)}`);
}

/** signed-note §Ed25519 signatures: the key ID, SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  checkKeyName(name);
  if (publicKey.length !== PUBLIC_KEY_SIZE) throw badKey(`Ed25519 public keys are ${PUBLIC_KEY_SIZE} bytes`);
  return hash(concat(utf8(name), Uint8Array.of(0x0a, ED25519_SIGNATURE_TYPE), publicKey)).slice(0, KEY_ID_SIZE);
}

/** A log's signed tree head (crypto.note.Checkpoint): origin, tree size, RFC 9162 root, opaque extensions. */
export class Checkpoint {
  constructor(
    readonly origin: string,
    readonly size: bigint,
    readonly rootHash: Uint8Array,
    readonly extensions: readonly string[] = [],
  ) {
    // tlog-checkpoint §Note text 1: one non-empty origin line.
    if (typeof origin !== "string" || origin === "" || origin.includes("\n")) {
      throw decoding("checkpoint origin must be one non-empty line");
    }
    // §Note text 2: the tree size, a uint64.
    if (typeof size !== "bigint" || size < 0n || size > MAX_TREE_SIZE) {
      throw decoding("checkpoint tree size must be an integer in [0, 2**64)");
    }
    // §Note text 3: the RFC 6962 root hash (SHA-256).
    if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) {
      throw decoding(`checkpoint root hash must be ${HASH_SIZE} bytes`);
    }
    // §Note text 4: extension lines, if any, non-empty.
    if (!extensions.every((e) => typeof e === "string" && e !== "" && !e.includes("\n"))) {
      throw decoding("checkpoint extensions must be non-empty lines");
    }
    for (const line of [origin, ...extensions]) {
      if (hasControl(line) || !line.isWellFormed()) throw decoding("checkpoint lines must be UTF-8 without control characters");
    }
  }

  /** The tree size as a JavaScript number (a log this booth handles never reaches 2^53). */
  get sizeNumber(): number {
    if (this.size > BigInt(Number.MAX_SAFE_INTEGER)) throw decoding("checkpoint tree size beyond 2^53");
    return Number(this.size);
  }

  /** The canonical note text: the bytes that are signed. */
  toBody(): Uint8Array {
    const lines = [this.origin, this.size.toString(), toBase64(this.rootHash), ...this.extensions];
    return utf8(lines.map((l) => l + "\n").join(""));
  }

  /** Parse a checkpoint body strictly (Checkpoint.from_body). */
  static fromBody(body: Uint8Array): Checkpoint {
    const text = decodeText(body, "checkpoint");
    if (!text.endsWith("\n")) throw decoding("checkpoint must end with a newline");
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3) throw decoding("checkpoint needs origin, size and root hash lines");
    if (lines.some((l) => l === "")) throw decoding("checkpoint lines must be non-empty");
    const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
    // §Note text 2: ASCII decimal without leading zeroes.
    if (!DECIMAL.test(sizeText)) throw decoding("checkpoint tree size is not a canonical decimal");
    const size = BigInt(sizeText);
    if (size > MAX_TREE_SIZE) throw decoding("checkpoint tree size does not fit in 64 bits");
    const root = fromBase64Canonical(rootText, "checkpoint root hash");
    return new Checkpoint(origin, size, root, extensions);
  }

  equals(other: Checkpoint): boolean {
    return equalBytes(this.toBody(), other.toBody());
  }
}

/** An Ed25519 note verifier key (crypto.note.NoteVerifier): name, 4-byte key ID, 32-byte public key. */
export class NoteVerifier {
  readonly keyId: Uint8Array;

  private constructor(
    readonly name: string,
    readonly publicKey: Uint8Array,
  ) {
    this.keyId = keyId(name, publicKey);
  }

  static fromPublicKey(name: string, publicKey: Uint8Array): NoteVerifier {
    return new NoteVerifier(name, publicKey);
  }

  /** Parse <name>+<8 lowercase hex key ID>+<base64(0x01 || public key)>: split on the first two "+" only (the
   * base64 may contain "+"), the key ID must be the one derived from name and key. */
  static fromVkey(vkey: string): NoteVerifier {
    if (typeof vkey !== "string") throw badKey("verifier key must be a string");
    const a = vkey.indexOf("+");
    const b = a < 0 ? -1 : vkey.indexOf("+", a + 1);
    if (b < 0) throw badKey("verifier key must have the form name+keyid+key");
    const [name, hexId, keyText] = [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
    checkKeyName(name);
    if (!HEX_KEY_ID.test(hexId)) throw badKey("verifier key ID must be 8 lowercase hex digits");
    let key: Uint8Array;
    try {
      key = fromBase64Canonical(keyText, "verifier key");
    } catch (e) {
      throw badKey((e as Error).message);
    }
    if (key.length !== 1 + PUBLIC_KEY_SIZE || key[0] !== ED25519_SIGNATURE_TYPE) {
      throw badKey("verifier key is not an Ed25519 (type 0x01) key");
    }
    const verifier = new NoteVerifier(name, key.slice(1));
    if (toHex(verifier.keyId) !== hexId) throw badKey(`key ID does not match the name and public key of ${JSON.stringify(name)}`);
    return verifier;
  }

  toVkey(): string {
    return `${this.name}+${toHex(this.keyId)}+${toBase64(concat(Uint8Array.of(ED25519_SIGNATURE_TYPE), this.publicKey))}`;
  }

  /** RFC 8032 Ed25519 verification of `signature` over the note text `body`. */
  verify(body: Uint8Array, signature: Uint8Array): void {
    if (signature.length !== SIGNATURE_SIZE) throw badSignature(`signature by ${JSON.stringify(this.name)} is not ${SIGNATURE_SIZE} bytes`);
    if (!signatureHolds(this.publicKey, body, signature)) throw badSignature(`signature by ${this.name}+${toHex(this.keyId)} does not verify`);
  }
}

/** Return the note text once a signature by `verifier` verifies over it (crypto.note.open_signed_note). Lines by
 * other keys (another name or key ID) are ignored, as signed-note requires; every line that names the verifier's
 * name and key ID must verify. */
export function openSignedNote(note: Uint8Array, verifier: NoteVerifier): Uint8Array {
  // Every line is parsed before any is verified, as crypto.note.open_signed_note does (so a malformed later line is
  // a decoding error whatever the earlier lines hold).
  const { body, lines } = splitSignedNote(note);
  let verified = false;
  for (const line of lines) {
    // §Signatures: signatures from unknown keys are ignored, even if they share the name or the ID (not both);
    // a line naming a known key must verify, else the whole note is refused.
    if (line.name !== verifier.name || !equalBytes(line.keyId, verifier.keyId)) continue;
    verifier.verify(body, line.signature);
    verified = true;
  }
  if (!verified) throw badSignature(`no signature by ${verifier.name}+${toHex(verifier.keyId)}`);
  return body;
}

/** Verify the note's signature by `verifier`, then parse its text as a checkpoint (crypto.note.open_checkpoint). */
export function openCheckpoint(note: Uint8Array, verifier: NoteVerifier): Checkpoint {
  return Checkpoint.fromBody(openSignedNote(note, verifier));
}

/** `next` is an append-only extension of `old` (crypto.note.verify_checkpoint_extends): same log, never smaller,
 * and the RFC 9162 §2.1.4 consistency proof from old.size to next.size holds (empty from an empty tree). */
export function verifyCheckpointExtends(old: Checkpoint, next: Checkpoint, proof: readonly Uint8Array[]): void {
  if (old.origin !== next.origin) {
    throw new MerkleProofError(`checkpoints are from different logs: ${JSON.stringify(old.origin)} and ${JSON.stringify(next.origin)}`);
  }
  if (next.size < old.size) throw new MerkleProofError(`checkpoint rolls back from size ${old.size} to ${next.size}`);
  if (old.size === 0n) {
    // RFC 9162 §2.1.1: MTH({}) = SHA-256(); every tree extends the empty tree.
    if (!equalBytes(old.rootHash, EMPTY_ROOT) || (next.size === 0n && !equalBytes(next.rootHash, EMPTY_ROOT))) {
      throw new MerkleProofError("checkpoint of size 0 does not carry the empty-tree root hash");
    }
    if (proof.length) throw new MerkleProofError("consistency proof from an empty tree must be empty");
    return;
  }
  verifyConsistency(old.size, next.size, proof, old.rootHash, next.rootHash);
}

/** The checkpoint a note carries, WITHOUT verifying any signature: only to size the next requests (how many entries
 * to fetch, which consistency proof to ask for); everything acted on goes through openCheckpoint. */
export function peekCheckpoint(note: Uint8Array): Checkpoint {
  return Checkpoint.fromBody(note.slice(0, lastBlankLine(note) + 1));
}

/** signed-note §Format: the text is separated from the signatures by the last blank line ("\n\n" at the index). */
function lastBlankLine(note: Uint8Array): number {
  for (let i = note.length - 2; i >= 0; i--) if (note[i] === 0x0a && note[i + 1] === 0x0a) return i;
  throw decoding("signed note has no blank line before its signatures");
}

// -- C2SP tlog-cosignature (cosignature/v1, Ed25519): the port of crypto/cosignature.py (verification only) --------
//
//   key ID:          SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]
//   signature:       key ID (4) || timestamp (8 bytes big-endian, <= 2^63 - 1) || Ed25519 signature (64)
//   signed message:  "cosignature/v1\n" "time " <decimal timestamp> "\n" || the whole checkpoint body
//   vkey:            <name>+<hex key ID>+<base64(0x04 || public key)>

/** tlog-cosignature §Format: the key ID algorithm byte (and vkey type) of Ed25519 cosignatures. */
export const COSIGNATURE_TYPE = 0x04;
export const MAX_TIMESTAMP = 2n ** 63n - 1n;
const COSIGNATURE_SIZE = 8 + SIGNATURE_SIZE;

/** One signature line, parsed, not verified (crypto.note.SignatureLine). */
export interface SignatureLine {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

/** crypto.note.split_signed_note: the note text and its signature lines, parsed strictly, none verified. */
export function splitSignedNote(note: Uint8Array): { body: Uint8Array; lines: SignatureLine[] } {
  decodeText(note, "signed note");
  const split = lastBlankLine(note);
  const body = note.slice(0, split + 1);
  const sigBlock = note.slice(split + 2);
  if (sigBlock[sigBlock.length - 1] !== 0x0a) throw decoding("signed note must end with a signature line and a newline");
  const texts = new TextDecoder().decode(sigBlock.slice(0, -1)).split("\n");
  if (texts.length > MAX_SIGNATURES) throw decoding(`signed note has more than ${MAX_SIGNATURES} signatures`);
  const lines = texts.map((line) => {
    if (!line.startsWith(SIG_PREFIX)) throw decoding("signature line does not start with an em dash and a space");
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(" ");
    const name = space < 0 ? rest : rest.slice(0, space);
    if (space < 0 || !isValidKeyName(name)) throw decoding("signature line has an invalid key name");
    const raw = fromBase64Canonical(rest.slice(space + 1), "signature");
    if (raw.length <= KEY_ID_SIZE) throw decoding("signature is too short");
    return { name, keyId: raw.slice(0, KEY_ID_SIZE), signature: raw.slice(KEY_ID_SIZE) };
  });
  return { body, lines };
}

/** crypto.cosignature.cosignature_key_id. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  checkKeyName(name);
  if (publicKey.length !== PUBLIC_KEY_SIZE) throw badKey(`Ed25519 public keys are ${PUBLIC_KEY_SIZE} bytes`);
  return hash(concat(utf8(name), Uint8Array.of(0x0a, COSIGNATURE_TYPE), publicKey)).slice(0, KEY_ID_SIZE);
}

/** crypto.cosignature.cosignature_message: the header line, the timestamp line, the whole checkpoint body. */
export function cosignatureMessage(body: Uint8Array, timestamp: bigint): Uint8Array {
  if (timestamp < 0n || timestamp > MAX_TIMESTAMP) throw decoding("a cosignature timestamp is in [0, 2**63)");
  Checkpoint.fromBody(body);
  return concat(utf8(`cosignature/v1\ntime ${timestamp.toString()}\n`), body);
}

/** A witness's public key (crypto.cosignature.CosignerVerifier). */
export class CosignerVerifier {
  readonly keyId: Uint8Array;

  private constructor(
    readonly name: string,
    readonly publicKey: Uint8Array,
  ) {
    this.keyId = cosignatureKeyId(name, publicKey);
  }

  static fromPublicKey(name: string, publicKey: Uint8Array): CosignerVerifier {
    return new CosignerVerifier(name, publicKey);
  }

  static fromVkey(vkey: string): CosignerVerifier {
    if (typeof vkey !== "string") throw badKey("witness verifier key must be a string");
    const a = vkey.indexOf("+");
    const b = a < 0 ? -1 : vkey.indexOf("+", a + 1);
    if (b < 0) throw badKey("witness verifier key must have the form name+keyid+key");
    const [name, hexId, keyText] = [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
    checkKeyName(name);
    if (!HEX_KEY_ID.test(hexId)) throw badKey("witness verifier key ID must be 8 lowercase hex digits");
    let key: Uint8Array;
    try {
      key = fromBase64Canonical(keyText, "witness verifier key");
    } catch (e) {
      throw badKey((e as Error).message);
    }
    if (key.length !== 1 + PUBLIC_KEY_SIZE || key[0] !== COSIGNATURE_TYPE) {
      throw badKey("witness verifier key is not an Ed25519 cosignature (type 0x04) key");
    }
    const verifier = new CosignerVerifier(name, key.slice(1));
    if (toHex(verifier.keyId) !== hexId) throw badKey(`key ID does not match the name and public key of witness ${JSON.stringify(name)}`);
    return verifier;
  }

  toVkey(): string {
    return `${this.name}+${toHex(this.keyId)}+${toBase64(concat(Uint8Array.of(COSIGNATURE_TYPE), this.publicKey))}`;
  }

  matches(line: SignatureLine): boolean {
    return line.name === this.name && equalBytes(line.keyId, this.keyId);
  }

  /** Verify a timestamped signature (after the key ID) over the checkpoint `body`; its timestamp. */
  verify(body: Uint8Array, signature: Uint8Array): bigint {
    if (signature.length !== COSIGNATURE_SIZE) throw badSignature(`cosignature by ${JSON.stringify(this.name)} is not ${COSIGNATURE_SIZE} bytes`);
    let timestamp = 0n;
    for (const byte of signature.slice(0, 8)) timestamp = (timestamp << 8n) | BigInt(byte);
    if (timestamp > MAX_TIMESTAMP) throw badSignature(`cosignature by ${JSON.stringify(this.name)} has a timestamp beyond 2**63 - 1`);
    if (!signatureHolds(this.publicKey, cosignatureMessage(body, timestamp), signature.slice(8))) {
      throw badSignature(`cosignature by ${this.name}+${toHex(this.keyId)} does not verify`);
    }
    return timestamp;
  }
}

export interface Cosignature {
  readonly witness: CosignerVerifier;
  readonly timestamp: bigint;
}

/** crypto.cosignature.cosignatures: every valid cosignature by one of `witnesses`, one per witness key; unknown
 * lines ignored; a line naming a witness's name and key ID must verify (else the note is refused). */
export function cosignatures(note: Uint8Array, witnesses: readonly CosignerVerifier[]): Cosignature[] {
  const { body, lines } = splitSignedNote(note);
  const found = new Map<string, Cosignature>();
  for (const line of lines) {
    for (const witness of witnesses) {
      if (!witness.matches(line)) continue;
      const timestamp = witness.verify(body, line.signature);
      const key = toHex(witness.publicKey);
      const earlier = found.get(key);
      if (earlier === undefined || earlier.timestamp < timestamp) found.set(key, { witness, timestamp });
    }
  }
  return [...found.values()];
}

/** crypto.cosignature.open_cosigned_checkpoint: the log's signature, then at least `quorum` distinct witness keys
 * (quorum 0: the log's signature alone). Throws NoteError kind "signature" when the quorum is not met. */
export function openCosignedCheckpoint(
  note: Uint8Array,
  log: NoteVerifier,
  witnesses: readonly CosignerVerifier[],
  quorum: number,
): { checkpoint: Checkpoint; cosignatures: Cosignature[] } {
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw badKey(`a quorum is between 0 and the number of witnesses (${witnesses.length})`);
  }
  const checkpoint = openCheckpoint(note, log);
  const found = cosignatures(note, witnesses);
  if (new Set(found.map((c) => toHex(c.witness.publicKey))).size < quorum) {
    throw badSignature(`checkpoint of size ${checkpoint.size} has ${found.length} of the ${quorum} witness cosignatures needed`);
  }
  return { checkpoint, cosignatures: found };
}

/** A cosignature line by the Ed25519 seed `seed` under `name` over the checkpoint `body` at `timestamp` (the booth
 * never cosigns; this is for the cross-implementation tests): "— <name> <base64(key ID || timestamp || sig)>\n". */
export function cosignLine(seed: Uint8Array, name: string, body: Uint8Array, timestamp: bigint): string {
  const message = cosignatureMessage(body, timestamp);
  const ts = new Uint8Array(8);
  for (let i = 7, t = timestamp; i >= 0; i--, t >>= 8n) ts[i] = Number(t & 0xffn);
  const keyIdBytes = cosignatureKeyId(name, publicKeyOf(seed));
  return `${SIG_PREFIX}${name} ${toBase64(concat(keyIdBytes, ts, sign(seed, message)))}\n`;
}
