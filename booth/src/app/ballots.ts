// The ballot on the phone (docs/protocol.md §P6): a thin adapter over the ballot modules (src/crypto/ballot.ts,
// paillier.ts, proofs.ts, opening.ts, ed25519.ts) — precomputation while the voter reads, the build with the
// eligibility evidence (an Ed25519 signature, or a BBS proof with pseudonym), and the Benaloh audit.
import type { ElectionContext } from "../crypto/election.ts";
import { EngineError, type Choice, type CredentialSecret, type Progress } from "./types.ts";

export type Material = unknown;
export interface Built {
  ballot: Uint8Array;
  opening: unknown;
  choice: Choice;
}

function notYet(what: string): never {
  throw new EngineError("not-integrated", `${what}: not integrated yet`);
}

export async function precompute(_ctx: ElectionContext, _progress: Progress): Promise<Material> {
  return notYet("precomputation");
}

export async function build(_ctx: ElectionContext, _choice: Choice, _credential: CredentialSecret, _material: Material, _progress: Progress): Promise<Built> {
  return notYet("ballot building");
}

export async function audit(_ctx: ElectionContext, _built: Built): Promise<{ audit: string; choice: Choice }> {
  return notYet("audit");
}
