// tests/booth/test_cosignature_interop.py: cosignatures (C2SP cosignature/v1) across the two implementations. Opens
// each Python-made note with booth/src/crypto/note.ts (verdict: the checkpoint size and the witnesses counted, or
// the error's kind), and makes cosignature lines for Python to verify.
import { readFileSync } from "node:fs";
import { fromHex } from "../../src/crypto/bytes.ts";
import { definitionFromJson } from "../../src/crypto/election.ts";
import { CosignerVerifier, cosignLine, NoteError, NoteVerifier, openCosignedCheckpoint } from "../../src/crypto/note.ts";
import type { JSONValue } from "../../src/crypto/encoding.ts";

interface Input {
  open: { note: string; log: string; witnesses: string[]; quorum: number }[];
  sign: { seed: string; name: string; body: string; timestamp: string }[];
  definitions: JSONValue[];
}

const input = JSON.parse(readFileSync(0, "utf8")) as Input;
const enc = new TextEncoder();
const opened = input.open.map((c) => {
  try {
    const r = openCosignedCheckpoint(
      enc.encode(c.note),
      NoteVerifier.fromVkey(c.log),
      c.witnesses.map((w) => CosignerVerifier.fromVkey(w)),
      c.quorum,
    );
    return { ok: true, size: Number(r.checkpoint.size), witnesses: r.cosignatures.map((x) => x.witness.name).sort() };
  } catch (e) {
    if (e instanceof NoteError) return { ok: false, kind: e.kind };
    throw e;
  }
});
const signed = input.sign.map((c) => cosignLine(fromHex(c.seed), c.name, enc.encode(c.body), BigInt(c.timestamp)));
const definitions = input.definitions.map((d) => {
  try {
    const def = definitionFromJson(d);
    return { ok: true, witnesses: def.witnesses.map((w) => w.toVkey()), quorum: def.witnessQuorum };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
});
process.stdout.write(JSON.stringify({ opened, signed, definitions }));
