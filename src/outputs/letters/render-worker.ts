// Worker thread of renderLetters: renders each task it receives and posts
// back the file's page count and hash, or the error.

import { parentPort } from "node:worker_threads";

import { renderLetterFile, type RenderTask } from "./render-file.ts";

export interface WorkerRequest {
  id: number;
  task: RenderTask;
}

export type WorkerReply =
  | { id: number; result: Awaited<ReturnType<typeof renderLetterFile>> }
  | { id: number; error: { name: string; message: string; stack?: string } };

const port = parentPort;
if (!port) throw new Error("render-worker.ts must run in a worker thread");

port.on("message", (request: WorkerRequest) => {
  renderLetterFile(request.task).then(
    (result) => port.postMessage({ id: request.id, result } satisfies WorkerReply),
    (error: Error) =>
      port.postMessage({
        id: request.id,
        error: { name: error.name, message: error.message, stack: error.stack },
      } satisfies WorkerReply),
  );
});
