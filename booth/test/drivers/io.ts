// The drivers' side of tests/booth/node.py: read one JSON document from stdin, write the answer as JSON on stdout.
// `attempt` turns a thrown error into {"error": its class name, "message"} so pytest can check refusals.
import { readFileSync } from "node:fs";

export function serve(handle: (input: any) => unknown): void {
  const input: unknown = JSON.parse(readFileSync(0, "utf8"));
  process.stdout.write(JSON.stringify(handle(input)));
}

export function attempt(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (e) {
    const err = e as Error;
    return { error: err.name, message: err.message };
  }
}
