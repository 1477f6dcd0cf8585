// Entry of the letter worker threads. A worker does not inherit the module
// hooks that let the main thread import TypeScript, so this plain JavaScript
// file registers tsx in the worker before it loads the worker's code.

import { register } from "tsx/esm/api";

register();
await import("./render-worker.ts");
