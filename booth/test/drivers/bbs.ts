// tests/booth/test_bbs_interop.py: the booth's anonymous credentials and evidence, driven from pytest. Input
// {"ops": [{"op": ..., ...}]}; output one `attempt` result per op, in order (errors as their class name).
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import { verifyCommitment } from "../../src/crypto/bbs_blind.ts";
import { API_ID as NYM_API_ID } from "../../src/crypto/bbs_pseudonym.ts";
import {
  AnonymousEvidence,
  anonymousEvidence,
  credentialBinding,
  presentForRevocation,
  verifyAnonymous,
  verifyRevocation,
} from "../../src/crypto/anonymous.ts";
import {
  AnonymousCredential,
  CredentialRequest,
  exportCredential,
  finishCredential,
  importCredential,
  IssuedCredential,
  requestCredential,
} from "../../src/crypto/credentials.ts";
import { electionContext } from "../../src/crypto/election.ts";
import { attempt, serve } from "./io.ts";

type Op = { op: string; [key: string]: any };

const context = (op: Op) => electionContext(fromHex(op["created"]), fromHex(op["key"]));

/** A credential parsed WITHOUT the signature check of its import (test only: to forge proofs over a bad signature). */
function unchecked(value: any): AnonymousCredential {
  const check = AnonymousCredential.prototype.check;
  AnonymousCredential.prototype.check = () => undefined;
  try {
    return AnonymousCredential.fromJson(value);
  } finally {
    AnonymousCredential.prototype.check = check;
  }
}

function run(op: Op): unknown {
  switch (op.op) {
    case "request": {
      const request = requestCredential(op["election_id"], fromHex(op["election_hash"]));
      return { state: request.toJson(), registrar: request.registrarFile() };
    }
    case "check_commitment":
      return verifyCommitment(fromHex(op["commitment"]), NYM_API_ID) ?? null;
    case "finish": {
      const request = CredentialRequest.fromJson(op["state"]);
      const credential = finishCredential(request, fromHex(op["issuer_key"]), IssuedCredential.fromJson(op["issued"]));
      return { file: exportCredential(credential), pseudonym: toHex(credential.pseudonym()) };
    }
    case "import": {
      const credential = op["file"] ? importCredential(op["file"]) : AnonymousCredential.fromJson(op["credential"]);
      return { credential: credential.toJson(), pseudonym: toHex(credential.pseudonym()) };
    }
    case "evidence": {
      const credential = op["unchecked"] ? unchecked(op["credential"]) : AnonymousCredential.fromJson(op["credential"]);
      const ctx = context(op);
      const binding = toHex(credentialBinding(credential, ctx.electionHash));
      return { evidence: anonymousEvidence(credential, ctx, fromHex(op["ballot_hash"])), binding };
    }
    case "verify":
      return verifyAnonymous(context(op), AnonymousEvidence.fromJson(op["evidence"]), fromHex(op["ballot_hash"])) ?? null;
    case "present":
      return presentForRevocation(AnonymousCredential.fromJson(op["credential"]), op["roll_id"], op["issuance"]).toJson();
    case "verify_revocation":
      return (
        verifyRevocation(
          fromHex(op["credential_key"]),
          fromHex(op["election_hash"]),
          op["roll_id"],
          op["issuance"],
          AnonymousEvidence.fromJson(op["evidence"]),
        ) ?? null
      );
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

serve((input: { ops: Op[] }) => input.ops.map((op) => attempt(() => run(op))));
