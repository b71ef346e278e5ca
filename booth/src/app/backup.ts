// The credential's backup: the secret leaves the phone only encrypted under a PIN the voter chooses.
// PBKDF2-HMAC-SHA-256 (600,000 iterations, OWASP 2023's figure for it; a fresh 16-byte salt) derives an AES-256-GCM
// key; a fresh 12-byte nonce; the header (format, election, iterations) is the additional data, so none of it can
// be swapped. WebCrypto only: it is in every phone browser, WebViews included (a secure context).
//
//   linli-backup:1:<election id>:<iterations>:<salt b64url>:<nonce b64url>:<ciphertext+tag b64url>
//
// One line of URL-safe characters: it fits a QR code and survives copy and paste through a chat app.
import { canonical, exactKeys, getStr, parseUntrusted, type JSONObject, type JSONValue } from "../crypto/encoding.ts";

export const ITERATIONS = 600_000;
export const MIN_PIN = 6;
const PREFIX = "linli-backup";
const VERSION = "1";

export class BackupError extends Error {
  override name = "BackupError";
  constructor(
    message: string,
    readonly reason: "format" | "pin" | "weak",
  ) {
    super(message);
  }
}

function b64url(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new BackupError("backup: not base64url", "format");
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function deriveKey(pin: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin.normalize("NFC")), "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(salt), iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function header(electionId: string, iterations: number): string {
  return `${PREFIX}:${VERSION}:${electionId}:${iterations}`;
}

/** Encrypt `credential` (any JSON the booth stores) for `electionId` under `pin`. */
export async function seal(electionId: string, credential: JSONValue, pin: string): Promise<string> {
  if (pin.length < MIN_PIN) throw new BackupError(`the PIN needs at least ${MIN_PIN} characters`, "weak");
  if (!/^[a-z0-9-]+$/.test(electionId)) throw new BackupError("backup: bad election id", "format");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const head = header(electionId, ITERATIONS);
  const key = await deriveKey(pin, salt, ITERATIONS);
  const body = canonical({ credential, election: electionId, type: "linli-credential-backup" });
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: new TextEncoder().encode(head) },
    key,
    new Uint8Array(body),
  );
  return `${head}:${b64url(salt)}:${b64url(nonce)}:${b64url(new Uint8Array(sealed))}`;
}

/** The election a backup text names (readable without the PIN, so the booth can say "another election"). */
export function backupElection(text: string): string {
  const parts = text.trim().split(":");
  if (parts.length !== 7 || parts[0] !== PREFIX || parts[1] !== VERSION) {
    throw new BackupError("not a Linli credential backup", "format");
  }
  return parts[2]!;
}

/** Decrypt a backup; a wrong PIN and any altered character give the same answer (GCM's tag fails). */
export async function open(text: string, pin: string): Promise<{ electionId: string; credential: JSONValue }> {
  const electionId = backupElection(text);
  const [, , , iterText, saltText, nonceText, dataText] = text.trim().split(":") as string[];
  if (!/^[0-9]{1,9}$/.test(iterText!)) throw new BackupError("backup: bad iteration count", "format");
  const iterations = Number(iterText);
  if (iterations < ITERATIONS) throw new BackupError("backup: too few PBKDF2 iterations", "weak");
  const salt = unb64url(saltText!);
  const nonce = unb64url(nonceText!);
  const data = unb64url(dataText!);
  if (salt.length !== 16 || nonce.length !== 12 || data.length < 17) throw new BackupError("backup: truncated", "format");
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(nonce), additionalData: new TextEncoder().encode(header(electionId, iterations)) },
      await deriveKey(pin, salt, iterations),
      new Uint8Array(data),
    );
  } catch {
    throw new BackupError("wrong PIN, or the backup was altered", "pin");
  }
  const obj: JSONObject = exactKeys(
    parseUntrusted(new TextDecoder().decode(plain), "backup"),
    ["credential", "election", "type"],
    "backup",
  );
  if (getStr(obj, "type", "backup") !== "linli-credential-backup" || getStr(obj, "election", "backup") !== electionId) {
    throw new BackupError("backup: contents do not match its header", "format");
  }
  return { electionId, credential: obj["credential"]! };
}
