// What the screens (main thread) and the engine (worker) exchange: plain, structured-cloneable data only.
import type { JSONObject, JSONValue } from "../crypto/encoding.ts";

export type Phase = "created" | "keyed" | "open" | "closed" | "published";

/** An election as the engine verified it (docs/protocol.md §P12): everything a screen shows comes from here. */
export interface ElectionView {
  electionId: string;
  electionHash: string; // hex
  fingerprint: string; // K7QXM-2D4NA-WB6RT-YH3CE
  logKey: string; // the signed-note verifier key the checkpoint was checked with
  title: string;
  question: string;
  description: string;
  kind: string; // referendum | committee | assembly | approval
  options: string[];
  seats: number;
  major: boolean;
  weighted: boolean; // an assembly: the ballot's weight is the owner's area (the area notice applies)
  eligibility: "signing" | "anonymous";
  revote: "last" | "refuse";
  opensAt: number;
  closesAt: number;
  phase: Phase;
  rollSize: number;
  rollArea: number; // 0.01 m²
  treeSize: number;
  modulusBits: number;
  checkpoint: Uint8Array; // the verified signed checkpoint: pinned, so the next visit must extend it (§P12 step 3)
}

/** An option index (referendum, assembly) or the indexes marked (committee, approval; none = a blank ballot). */
export type Choice = number | number[];

/** The credential as the engine needs it to build a ballot (the stored record's secret part). */
export interface CredentialSecret {
  mode: "signing" | "anonymous";
  secret: JSONValue;
}

export interface Sealed {
  ballot: Uint8Array; // canonical JSON of the encrypted ballot: exactly what CastBallot sends (and resends)
  code: string; // short code of the ballot's log leaf hash: the same code the receipt shows
}

export interface CastResult {
  receipt: JSONObject; // the CLI's receipt file format
  leafIndex: number;
  treeSize: number;
  code: string;
}

export interface ReceiptCheck {
  leafIndex: number;
  size: number; // the newer checkpoint's tree size the receipt was checked against
  supersededBy: number | null;
  witnesses: "none" | "pending" | "cosigned"; // §P17.4
}

export type EngineErrorKind = "refused" | "unreachable" | "rejected" | "invalid" | "not-integrated";

/** Every failure the engine reports, typed so the screens can say what to do (it crosses the worker boundary as
 * {kind, message, code}). */
export class EngineError extends Error {
  override name = "EngineError";
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly code = "",
  ) {
    super(message);
  }
}

export type Progress = (fraction: number, step?: string) => void;
