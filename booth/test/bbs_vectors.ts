// The standard BBS fixtures (tests/vectors/bbs/, provenance in tests/vectors/README.md) run against the booth's
// TypeScript: core (draft-irtf-cfrg-bbs-signatures-10), blind (-02) and pseudonym (-02), the same checks as
// tests/crypto/test_bbs.py, test_bbs_blind.py and test_bbs_pseudonym.py, byte-exact with the mocked scalars.
//
// No file system here: `runBbsVectors(files)` takes the parsed JSON files keyed by their path under
// tests/vectors/bbs/ (e.g. "core/bls12-381-sha-256/proof/proof001.json"), so the same runner works in Node
// (test/bbs_vectors.test.ts) and inside a browser page (bundle this module with the JSON).
import * as bbs from "../src/crypto/bbs.ts";
import * as blind from "../src/crypto/bbs_blind.ts";
import * as nym from "../src/crypto/bbs_pseudonym.ts";
import { concat, equalBytes, fromHex as strictHex, toHex, utf8 } from "../src/crypto/bytes.ts";

export interface VectorResult {
  name: string;
  ok: boolean;
  detail?: string;
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixture files, shape checked by use

const h = (text: string | null | undefined): Uint8Array => strictHex(text ?? "");
const scalar = (text: string | null | undefined): bigint => (text ? BigInt("0x" + text) : 0n); // odd-length hex occurs
const scalars = (texts: string[]): bigint[] => texts.map(scalar);

class Mismatch extends Error {}

function expectEqual(what: string, got: Uint8Array | bigint | string, want: Uint8Array | bigint | string): void {
  const show = (v: Uint8Array | bigint | string) => (v instanceof Uint8Array ? toHex(v) : typeof v === "bigint" ? v.toString(16) : v);
  if (show(got) !== show(want)) throw new Mismatch(`${what}: got ${show(got)}, want ${show(want)}`);
}

/** `fn` must throw exactly an instance of `kind` (as pytest.raises(kind) in the Python tests). */
function expectThrows(what: string, kind: new (...a: never[]) => Error, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof kind) return;
    throw new Mismatch(`${what}: threw ${(e as Error).name}: ${(e as Error).message}, want ${kind.name}`);
  }
  throw new Mismatch(`${what}: did not throw, want ${kind.name}`);
}

function mock(params: Json, key: "commit" | "proof"): bbs.RandomScalars {
  return bbs.mockedScalars(utf8(params.SEED), utf8(params[key].DST));
}

function checkGenerators(data: Json, apiId: Uint8Array): void {
  const points = bbs.createGenerators(1 + data.MsgGenerators.length, apiId);
  expectEqual("Q1", bbs.g1ToBytes(points[0]!), data.Q1);
  data.MsgGenerators.forEach((g: string, i: number) => expectEqual(`H_${i + 1}`, bbs.g1ToBytes(points[i + 1]!), g));
  if (data.P1 !== undefined) expectEqual("P1", bbs.P1, data.P1);
}

function revealed(map: Record<string, string> | null): [number[], Uint8Array[]] {
  const entries = Object.entries(map ?? {}).map(([k, v]) => [Number(k), h(v)] as const);
  entries.sort((a, b) => a[0] - b[0]);
  return [entries.map(([k]) => k), entries.map(([, v]) => v)];
}

// ---- core -----------------------------------------------------------------------------------------------------

const CORE = "core/bls12-381-sha-256/";

function coreCases(files: Record<string, Json>): [string, () => void][] {
  const out: [string, () => void][] = [];
  out.push([CORE + "keypair.json", () => {
    const k = files[CORE + "keypair.json"];
    const sk = bbs.keyGen(h(k.keyMaterial), h(k.keyInfo), h(k.keyDst));
    expectEqual("SK", sk, k.keyPair.secretKey);
    expectEqual("PK", bbs.skToPk(sk), k.keyPair.publicKey);
  }]);
  out.push([CORE + "generators.json", () => checkGenerators(files[CORE + "generators.json"], bbs.API_ID)]);
  out.push([CORE + "h2s.json", () => {
    const d = files[CORE + "h2s.json"];
    expectEqual("hash_to_scalar", bbs.hashToScalar(h(d.message), h(d.dst)), scalar(d.scalar));
  }]);
  out.push([CORE + "MapMessageToScalarAsHash.json", () => {
    const d = files[CORE + "MapMessageToScalarAsHash.json"];
    expectEqual("dst", h(d.dst), concat(bbs.API_ID, utf8("MAP_MSG_TO_SCALAR_AS_HASH_")));
    const got = bbs.messagesToScalars(d.cases.map((c: Json) => h(c.message)), bbs.API_ID);
    d.cases.forEach((c: Json, i: number) => expectEqual(`scalar ${i}`, got[i]!, scalar(c.scalar)));
  }]);
  out.push([CORE + "mockedRng.json", () => {
    const d = files[CORE + "mockedRng.json"];
    expectEqual("seed", h(d.seed), utf8("3.141592653589793238462643383279"));
    const got = bbs.seededRandomScalars(h(d.seed), h(d.dst), d.count);
    d.mockedScalars.forEach((s: string, i: number) => expectEqual(`scalar ${i}`, got[i]!, scalar(s)));
    const viaDefault = bbs.mockedCalculateRandomScalars(d.count);
    viaDefault.forEach((s, i) => expectEqual(`default mock ${i}`, s, got[i]!));
  }]);
  for (const name of Object.keys(files).filter((n) => n.startsWith(CORE + "signature/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const pk = h(c.signerKeyPair.publicKey);
      const [header, signature] = [h(c.header), h(c.signature)];
      const messages = c.messages.map(h);
      if (!c.result.valid) {
        expectThrows("Verify", bbs.InvalidSignature, () => bbs.verify(pk, signature, header, messages));
        return;
      }
      bbs.verify(pk, signature, header, messages);
      expectEqual("Sign", bbs.sign(h(c.signerKeyPair.secretKey), pk, header, messages), signature);
      const generators = bbs.createGenerators(messages.length + 1, bbs.API_ID);
      const domain = bbs.calculateDomain(pk, generators[0]!, generators.slice(1), header, bbs.API_ID);
      expectEqual("domain", domain, scalar(c.trace.domain));
    }]);
  }
  for (const name of Object.keys(files).filter((n) => n.startsWith(CORE + "proof/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const [pk, proof, header, ph] = [h(c.signerPublicKey), h(c.proof), h(c.header), h(c.presentationHeader)];
      const messages: Uint8Array[] = c.messages.map(h);
      const indexes: number[] = c.disclosedIndexes;
      const disclosed = indexes.map((i) => messages[i]!);
      if (!c.result.valid) {
        expectThrows("ProofVerify", bbs.InvalidProof, () => bbs.proofVerify(pk, proof, header, ph, disclosed, indexes));
        return;
      }
      bbs.proofVerify(pk, proof, header, ph, disclosed, indexes);
      const regenerated = bbs._proofGen(pk, h(c.signature), header, ph, messages, indexes, bbs.mockedCalculateRandomScalars);
      expectEqual("ProofGen (mocked scalars)", regenerated, proof);
      const t = c.trace.random_scalars;
      const want = scalars([t.r1, t.r2, t.e_tilde, t.r1_tilde, t.r3_tilde, ...t.m_tilde_scalars]);
      bbs.mockedCalculateRandomScalars(want.length).forEach((s, i) => expectEqual(`random scalar ${i}`, s, want[i]!));
    }]);
  }
  return out;
}

// ---- blind ----------------------------------------------------------------------------------------------------

const BLIND = "blind/bls12-381-sha-256/";

function blindCases(files: Record<string, Json>): [string, () => void][] {
  const out: [string, () => void][] = [];
  const messagesJson = files["blind/messages.json"] ?? { messages: [], committedMessages: [] };
  const MESSAGES: Uint8Array[] = messagesJson.messages.map(h);
  const COMMITTED: Uint8Array[] = messagesJson.committedMessages.map(h);
  out.push([BLIND + "generators.json", () => {
    const d = files[BLIND + "generators.json"];
    expectEqual("api_id", utf8(d.generators.api_id), blind.API_ID);
    expectEqual("blind api_id", utf8(d.blindGenerators.api_id), concat(utf8("BLIND_"), blind.API_ID));
    checkGenerators(d.generators, blind.API_ID);
    checkGenerators(d.blindGenerators, concat(utf8("BLIND_"), blind.API_ID));
  }]);
  for (const name of Object.keys(files).filter((n) => n.startsWith(BLIND + "commit/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const committed = (c.committedMessages ?? []).map(h);
      const [commitment, proverBlind] = blind._commit(committed, blind.API_ID, mock(c.mockRngParameters, "commit"));
      expectEqual("commitment with proof", commitment, c.commitmentWithProof);
      expectEqual("prover blind", proverBlind, scalar(c.proverBlind));
      blind.verifyCommitment(commitment);
      const t = c.trace.random_scalars;
      const mocked = mock(c.mockRngParameters, "commit")(committed.length + 2);
      expectEqual("s~", mocked[1]!, scalar(t.s_tilde));
      t.m_tildes.forEach((m: string, i: number) => expectEqual(`m~_${i}`, mocked[2 + i]!, scalar(m)));
    }]);
  }
  for (const name of Object.keys(files).filter((n) => n.startsWith(BLIND + "signature/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const [sk, pk] = [h(c.signerKeyPair.secretKey), h(c.signerKeyPair.publicKey)];
      const [header, signature] = [h(c.header), h(c.signature)];
      const messages = (c.messages ?? []).map(h);
      const committed = (c.committedMessages ?? []).map(h);
      const proverBlind = scalar(c.proverBlind);
      expectEqual("BlindSign", blind.blindSign(sk, pk, h(c.commitmentWithProof), header, messages), signature);
      blind.verify(pk, signature, header, messages, committed, proverBlind);
      expectThrows("Verify, wrong blind", bbs.InvalidSignature, () =>
        blind.verify(pk, signature, header, messages, committed, (proverBlind + 1n) % bbs.R),
      );
    }]);
  }
  for (const name of Object.keys(files).filter((n) => n.startsWith(BLIND + "proof/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const [pk, proof, header, ph, bigL] = [h(c.signerPublicKey), h(c.proof), h(c.header), h(c.presentationHeader), c.L];
      const [idx, msgs] = revealed(c.revealedMessages);
      const [cidx, cmsgs] = revealed(c.revealedCommittedMessages);
      // M from the proof length: U = total - disclosed, total = L + 1 + M (proof005's commitment hex is corrupt)
      const u = (proof.length - bbs.PROOF_LEN_FLOOR) / 32;
      const m = idx.length + cidx.length + u - bigL - 1;
      blind.proofVerify(pk, proof, header, ph, bigL, msgs, cmsgs, idx, cidx);
      const regenerated = blind._proofGen(
        pk,
        h(c.signature),
        header,
        ph,
        MESSAGES.slice(0, bigL),
        COMMITTED.slice(0, m),
        idx,
        cidx,
        scalar(c.proverBlind),
        blind.API_ID,
        mock(c.mockRngParameters, "proof"),
      );
      expectEqual("ProofGen (mocked scalars)", regenerated, proof);
      expectThrows("ProofVerify, other presentation header", bbs.InvalidProof, () =>
        blind.proofVerify(pk, proof, header, concat(ph, utf8("!")), bigL, msgs, cmsgs, idx, cidx),
      );
    }]);
  }
  return out;
}

// ---- pseudonym ------------------------------------------------------------------------------------------------

const NYM = "pseudonym/bls12-381-sha-256/";

function nymCases(files: Record<string, Json>): [string, () => void][] {
  const out: [string, () => void][] = [];
  out.push([NYM + "generators.json", () => {
    const d = files[NYM + "generators.json"];
    expectEqual("api_id", utf8(d.generators.api_id), nym.API_ID);
    expectEqual("blind api_id", utf8(d.blindGenerators.api_id), concat(utf8("BLIND_"), nym.API_ID));
    checkGenerators(d.generators, nym.API_ID);
    checkGenerators(d.blindGenerators, concat(utf8("BLIND_"), nym.API_ID));
  }]);
  for (const name of Object.keys(files).filter((n) => n.startsWith(NYM + "nymCommit/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const committed = (c.committedMessages ?? []).map(h);
      const [commitment, proverBlind] = nym._commitWithNym(
        committed,
        scalars(c.proverNyms),
        nym.API_ID,
        mock(c.mockRngParameters, "commit"),
      );
      expectEqual("commitment with proof", commitment, c.commitmentWithProof);
      expectEqual("prover blind", proverBlind, scalar(c.proverBlind));
    }]);
  }
  for (const name of Object.keys(files).filter((n) => n.startsWith(NYM + "nymSignature/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const [sk, pk] = [h(c.signerKeyPair.secretKey), h(c.signerKeyPair.publicKey)];
      const [header, signature] = [h(c.header), h(c.signature)];
      const messages = (c.messages ?? []).map(h);
      const committed = (c.committedMessages ?? []).map(h);
      const proverNyms = scalars(c.proverNyms);
      const entropy = scalar(c.signer_nym_entropy);
      const proverBlind = scalar(c.proverBlind);
      const [issued, used] = nym.blindSignWithNym(sk, pk, h(c.commitmentWithProof), proverNyms.length, entropy, header, messages);
      expectEqual("BlindSignWithNym", issued, signature);
      expectEqual("entropy", used, entropy);
      const nymSecrets = nym.finalizeNymSignature(pk, signature, header, messages, committed, proverNyms, entropy, proverBlind);
      const want = scalars(c.nym_secrets);
      if (nymSecrets.length !== want.length) throw new Mismatch("nym_secrets length");
      nymSecrets.forEach((s, i) => expectEqual(`nym secret ${i}`, s, want[i]!));
      expectThrows("VerifyFinalizeWithNym, wrong entropy", bbs.InvalidSignature, () =>
        nym.finalizeNymSignature(pk, signature, header, messages, committed, proverNyms, (entropy + 1n) % bbs.R, proverBlind),
      );
    }]);
  }
  for (const name of Object.keys(files).filter((n) => n.startsWith(NYM + "nymProof/")).sort()) {
    out.push([name, () => {
      const c = files[name];
      const [pk, proof, pseudonym] = [h(c.signerPublicKey), h(c.proof), h(c.pseudonym)];
      const [header, ph, contextId] = [h(c.header), h(c.presentationHeader), h(c.context_id)];
      const nymSecrets = scalars(c.nym_secrets);
      const [idx, msgs] = revealed(c.revealedMessages);
      const [cidx, cmsgs] = revealed(c.revealedCommittedMessages);
      nym.proofVerifyWithNym(pk, {
        proof,
        header,
        ph,
        pseudonym,
        contextId,
        bigL: c.L,
        disclosedMessages: msgs,
        disclosedCommitmentMessages: cmsgs,
        disclosedIndexes: idx,
        disclosedCommitmentIndexes: cidx,
        lengthNymVector: nymSecrets.length,
      });
      expectEqual("CalculatePseudonym", nym.calculatePseudonym(contextId, nymSecrets), pseudonym);
      const [regenerated, regeneratedPseudonym] = nym._proofGenWithNym(
        pk,
        h(c.signature),
        header,
        ph,
        nymSecrets,
        contextId,
        (c.messages ?? []).map(h),
        (c.committedMessages ?? []).map(h),
        idx,
        cidx,
        scalar(c.proverBlind),
        nym.API_ID,
        mock(c.mockRngParameters, "proof"),
      );
      expectEqual("ProofGenWithNym (mocked scalars)", regenerated, proof);
      if (!equalBytes(regeneratedPseudonym, pseudonym)) throw new Mismatch("ProofGenWithNym pseudonym");
    }]);
  }
  return out;
}

/** Run every fixture given (one result per fixture file; blind proofs also need "blind/messages.json"); never
 * throws. */
export function runBbsVectors(files: Record<string, unknown>): VectorResult[] {
  const f = files as Record<string, Json>;
  const cases = [...coreCases(f), ...blindCases(f), ...nymCases(f)].filter(([name]) => name in f);
  return cases.map(([name, run]) => {
    try {
      run();
      return { name, ok: true };
    } catch (e) {
      return { name, ok: false, detail: `${(e as Error).name}: ${(e as Error).message}` };
    }
  });
}
