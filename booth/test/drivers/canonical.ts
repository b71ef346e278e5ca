// tests/booth/test_encoding_interop.py: the booth's canonical encoding (RFC 8785 via `canonicalize`) of values
// Python encoded with `rfc8785`, and the booth's strict parse of byte strings Python accepted or refused.
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import { canonical, parseCanonical, type JSONValue } from "../../src/crypto/encoding.ts";
import { attempt, serve } from "./io.ts";

serve((input: { values: JSONValue[]; documents: string[] }) => ({
  encoded: input.values.map((v) => attempt(() => toHex(canonical(v)))),
  parsed: input.documents.map((d) => attempt(() => toHex(canonical(parseCanonical(fromHex(d)))))),
}))
