// The one canonical encoding (docs/record.md §R1): RFC 8785 JSON Canonicalization Scheme, with the record's
// restrictions (no floats, integers within ±(2^53 − 1), big integers and bytes as lowercase hex). The bytes come
// from the `canonicalize` library, as the Python side's come from `rfc8785`: one scheme, two tested libraries.
import canonicalizeJcs from "canonicalize";
import { EncodingError, utf8 } from "./bytes.ts";

export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
export type JSONObject = { [key: string]: JSONValue };

const MAX_DEPTH = 32;

function check(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodingError("JSON nested too deeply");
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw new EncodingError("string with a lone surrogate: not valid Unicode");
    return;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new EncodingError("only integers within ±(2^53 − 1); big integers are hex");
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) check(v, depth + 1);
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value as object)) {
      if (!k.isWellFormed()) throw new EncodingError("key with a lone surrogate: not valid Unicode");
      check(v, depth + 1);
    }
    return;
  }
  throw new EncodingError(`a ${typeof value} has no canonical encoding`);
}

export function canonicalText(value: JSONValue): string {
  check(value, 0);
  const text = canonicalizeJcs(value);
  if (text === undefined) throw new EncodingError("no canonical encoding");
  return text;
}

export function canonical(value: JSONValue): Uint8Array {
  return utf8(canonicalText(value));
}

/** Parse canonical bytes: anything that does not re-encode to exactly the same bytes is refused. */
export function parseCanonical(data: Uint8Array, what = "document"): JSONValue {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    throw new EncodingError(`${what}: not valid UTF-8`);
  }
  let value: JSONValue;
  try {
    value = JSON.parse(text) as JSONValue;
  } catch (e) {
    throw new EncodingError(`${what}: not valid JSON (${(e as Error).message})`);
  }
  if (canonicalText(value) !== text) throw new EncodingError(`${what}: not in canonical form`);
  return value;
}

/** Ordinary JSON from an untrusted source (a file, a QR code): bounded and checked, any key order. */
export function parseUntrusted(text: string, what = "document"): JSONValue {
  let value: JSONValue;
  try {
    value = JSON.parse(text) as JSONValue;
  } catch (e) {
    throw new EncodingError(`${what}: not valid JSON (${(e as Error).message})`);
  }
  check(value, 0);
  return value;
}

// Typed field access with precise errors (voting/encoding.py get / exact_keys).
export function asObject(value: JSONValue | undefined, what: string): JSONObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new EncodingError(`${what}: expected an object`);
  return value;
}

export function exactKeys(value: JSONValue | undefined, keys: string[], what: string, optional: string[] = []): JSONObject {
  const obj = asObject(value, what);
  const allowed = new Set([...keys, ...optional]);
  const unknown = Object.keys(obj).filter((k) => !allowed.has(k));
  if (unknown.length) throw new EncodingError(`${what}: unknown field(s) ${unknown.sort().join(", ")}`);
  const missing = keys.filter((k) => !(k in obj));
  if (missing.length) throw new EncodingError(`${what}: missing field(s) ${missing.join(", ")}`);
  return obj;
}

export function getStr(obj: JSONObject, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== "string") throw new EncodingError(`${what}.${key}: expected a string`);
  return v;
}

export function getInt(obj: JSONObject, key: string, what: string): number {
  const v = obj[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new EncodingError(`${what}.${key}: expected an integer`);
  return v;
}

export function getBool(obj: JSONObject, key: string, what: string): boolean {
  const v = obj[key];
  if (typeof v !== "boolean") throw new EncodingError(`${what}.${key}: expected a boolean`);
  return v;
}

export function getList(obj: JSONObject, key: string, what: string): JSONValue[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new EncodingError(`${what}.${key}: expected a list`);
  return v;
}
