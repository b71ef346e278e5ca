// The screens' handle on the engine in its Web Worker: a typed call per method, progress as a callback, errors
// rebuilt as EngineError.
import type { Engine } from "./engine.ts";
import { EngineError, type EngineErrorKind, type Progress } from "./types.ts";
import type { Reply, Request } from "./worker.ts";

type Args<K extends keyof Engine> = Parameters<Engine[K]>[0];
type Result<K extends keyof Engine> = Awaited<ReturnType<Engine[K]>>;

export class Remote {
  private next = 1;
  private calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; progress?: Progress }>();

  constructor(private worker: Worker) {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const call = this.calls.get(reply.id);
      if (!call) return;
      if ("progress" in reply) call.progress?.(reply.progress.fraction, reply.progress.step);
      else {
        this.calls.delete(reply.id);
        if ("result" in reply) call.resolve(reply.result);
        else call.reject(new EngineError(reply.error.kind as EngineErrorKind, reply.error.message, reply.error.code));
      }
    };
    worker.onerror = (event) => {
      for (const call of this.calls.values()) call.reject(new EngineError("invalid", `the booth's worker failed: ${event.message}`));
      this.calls.clear();
    };
  }

  call<K extends keyof Engine>(method: K, args: Args<K>, progress?: Progress): Promise<Result<K>> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      this.worker.postMessage({ id, method, args } satisfies Request);
    });
  }
}
