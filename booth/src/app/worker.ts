// The Web Worker that runs the engine (engine.ts): one request at a time per call id, progress reported as it
// goes. Heavy work — verification, precomputation, ballot building — never blocks the screen.
import { engine, type Engine } from "./engine.ts";
import { EngineError } from "./types.ts";

export type Request = { id: number; method: keyof Engine; args: unknown };
export type Reply =
  | { id: number; progress: { fraction: number; step?: string } }
  | { id: number; result: unknown }
  | { id: number; error: { kind: string; message: string; code: string } };

const scope = self as unknown as { onmessage: ((e: MessageEvent<Request>) => void) | null; postMessage(m: Reply, t?: Transferable[]): void };

scope.onmessage = async (event) => {
  const { id, method, args } = event.data;
  const progress = (fraction: number, step?: string) => scope.postMessage({ id, progress: { fraction, step } });
  try {
    const fn = engine[method] as (a: unknown, p: typeof progress) => Promise<unknown>;
    scope.postMessage({ id, result: await fn(args, progress) });
  } catch (e) {
    const err =
      e instanceof EngineError
        ? { kind: e.kind, message: e.message, code: e.code }
        : { kind: "invalid", message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), code: "" };
    scope.postMessage({ id, error: err });
  }
};
