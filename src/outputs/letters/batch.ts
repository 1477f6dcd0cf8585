// Renders a night's letters into a folder: one <letterId>.pdf per letter and
// an index.csv for the print vendor. Large batches are spread over worker
// threads, one per core. Small ones render in this thread, because starting
// a worker (loading tsx, pdfkit and the fonts) costs more than they take.

import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

import { InvariantError, RequestError } from "../../errors.ts";
import { compareRowsBy, writeCsvFile, type CsvColumn } from "../csv.ts";
import { LETTER_ID, type LetterData } from "./letter-data.ts";
import { renderLetterFile, type RenderedFile, type RenderTask } from "./render-file.ts";
import type { WorkerReply, WorkerRequest } from "./render-worker.ts";
import { BUNDLED_TEMPLATE_FOLDER, findLetterTemplate, type TemplateLocation } from "./templates.ts";

export interface RenderLettersOptions {
  /** Folder of the <stage>.<language>.hbs templates, by default the bundled ones. */
  templateFolder?: string;
  /** Worker threads for large batches, by default one per core. */
  workers?: number;
  /** Batches of at most this many letters render in this thread. */
  inProcessMax?: number;
}

/** One row of index.csv: what the print vendor needs, and no address. */
export interface PrintIndexEntry {
  letterId: string;
  customerRef: string;
  language: string;
  stage: string;
  pages: number;
  file: string;
  sha256: string;
}

export const PRINT_INDEX_FILE = "index.csv";

export const PRINT_INDEX_COLUMNS: CsvColumn<PrintIndexEntry>[] = [
  { name: "letter_id", kind: "text", value: (row) => row.letterId },
  { name: "customer_ref", kind: "text", value: (row) => row.customerRef },
  { name: "language", kind: "text", value: (row) => row.language },
  { name: "stage", kind: "text", value: (row) => row.stage },
  { name: "pages", kind: "integer", value: (row) => row.pages },
  { name: "file", kind: "text", value: (row) => row.file },
  { name: "sha256", kind: "text", value: (row) => row.sha256 },
];

// On an idle 2-core machine, letters of one to five items took about 9 ms
// each in one thread, and two workers (each loading tsx, pdfkit and the
// fonts) broke even at roughly 300 to 400 letters.
const DEFAULT_IN_PROCESS_MAX = 300;

// Each worker gets a second task while it renders the first, so that it
// does not sit idle while the main thread hands out the next letter.
const TASKS_PER_WORKER = 2;

/**
 * Renders every letter into `folder` (created when missing) and writes the
 * print index, sorted by letter id. Returns the index rows. Throws
 * RequestError when a letter's stage has no template, and stops rendering
 * then, although letters handed out before it may already be written.
 */
export async function renderLetters(
  letters: Iterable<LetterData> | AsyncIterable<LetterData>,
  folder: string,
  options: RenderLettersOptions = {},
): Promise<PrintIndexEntry[]> {
  await mkdir(folder, { recursive: true });
  const source = new LetterSource(letters, folder, options.templateFolder);
  const inProcessMax = options.inProcessMax ?? DEFAULT_IN_PROCESS_MAX;
  const workerCount = Math.max(1, options.workers ?? availableParallelism());

  let entries: PrintIndexEntry[];
  try {
    const small = (await source.readAhead(inProcessMax + 1)) <= inProcessMax;
    entries = small ? await renderInProcess(source) : await renderInWorkers(source, workerCount);
  } finally {
    await source.close();
  }
  entries.sort(compareRowsBy(PRINT_INDEX_COLUMNS, ["letter_id"]));
  await writeCsvFile(join(folder, PRINT_INDEX_FILE), PRINT_INDEX_COLUMNS, entries);
  return entries;
}

interface PendingLetter {
  task: RenderTask;
  entry: Omit<PrintIndexEntry, "pages" | "file" | "sha256">;
}

/**
 * Hands out letters one at a time as render tasks, checking each letter id
 * and resolving each template on the way, so a missing template fails the
 * batch with its own error.
 */
class LetterSource {
  private readonly iterator: Iterator<LetterData> | AsyncIterator<LetterData>;
  private readonly buffered: LetterData[] = [];
  private readonly seenIds = new Set<string>();
  private readonly templates = new Map<string, TemplateLocation>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    letters: Iterable<LetterData> | AsyncIterable<LetterData>,
    private readonly folder: string,
    private readonly templateFolder = BUNDLED_TEMPLATE_FOLDER,
  ) {
    this.iterator =
      Symbol.asyncIterator in letters
        ? letters[Symbol.asyncIterator]()
        : letters[Symbol.iterator]();
  }

  /** Reads ahead up to `count` letters and returns how many are buffered. */
  async readAhead(count: number): Promise<number> {
    while (this.buffered.length < count) {
      const next = await this.iterator.next();
      if (next.done) break;
      this.buffered.push(next.value);
    }
    return this.buffered.length;
  }

  /** Lets a generator that is still open (a ledger query) release what it holds. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }

  /** Returns the next letter's task, or undefined at the end. Concurrent calls are served in order. */
  next(): Promise<PendingLetter | undefined> {
    const result = this.queue.then(() => this.take());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async take(): Promise<PendingLetter | undefined> {
    let letter = this.buffered.shift();
    if (!letter) {
      const next = await this.iterator.next();
      if (next.done) return undefined;
      letter = next.value;
    }
    return this.prepare(letter);
  }

  private prepare(letter: LetterData): PendingLetter {
    if (!LETTER_ID.test(letter.letterId)) {
      throw new InvariantError(
        `letter id ${JSON.stringify(letter.letterId)} is not usable as a file name`,
      );
    }
    if (this.seenIds.has(letter.letterId)) {
      throw new InvariantError(`letter id ${letter.letterId} occurs twice in one batch`);
    }
    this.seenIds.add(letter.letterId);
    const key = `${letter.stage}\u0000${letter.language}`;
    let template = this.templates.get(key);
    if (!template) {
      template = findLetterTemplate(letter.stage, letter.language, this.templateFolder);
      this.templates.set(key, template);
    }
    return {
      task: { letter, template, folder: this.folder },
      entry: {
        letterId: letter.letterId,
        customerRef: letter.customerRef,
        language: letter.language,
        stage: letter.stage,
      },
    };
  }
}

async function renderInProcess(source: LetterSource): Promise<PrintIndexEntry[]> {
  const entries: PrintIndexEntry[] = [];
  for (let pending = await source.next(); pending; pending = await source.next()) {
    entries.push(toIndexEntry(pending, await renderLetterFile(pending.task)));
  }
  return entries;
}

function toIndexEntry(pending: PendingLetter, rendered: RenderedFile): PrintIndexEntry {
  return { ...pending.entry, pages: rendered.pages, file: rendered.file, sha256: rendered.sha256 };
}

async function renderInWorkers(
  source: LetterSource,
  workerCount: number,
): Promise<PrintIndexEntry[]> {
  const workers = Array.from({ length: workerCount }, () => new RenderWorker());
  const entries: PrintIndexEntry[] = [];
  let failed = false;
  const drain = async (worker: RenderWorker): Promise<void> => {
    try {
      while (!failed) {
        const pending = await source.next();
        if (!pending) return;
        entries.push(toIndexEntry(pending, await worker.render(pending.task)));
      }
    } catch (error) {
      // The other loops stop taking letters, and the first error is reported.
      failed = true;
      throw error;
    }
  };
  const loops = workers.flatMap((worker) =>
    Array.from({ length: TASKS_PER_WORKER }, () => drain(worker)),
  );
  try {
    await Promise.all(loops);
    return entries;
  } finally {
    await Promise.allSettled(loops);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** One worker thread, which renders the tasks posted to it in the order posted. */
class RenderWorker {
  private readonly worker = new Worker(new URL("./render-worker.js", import.meta.url), {
    // The entry registers tsx itself. Clearing the inherited flags keeps a
    // parent started with --import tsx from registering it a second time.
    execArgv: [],
  });
  private nextId = 0;
  private failure: Error | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (file: RenderedFile) => void; reject: (error: Error) => void }
  >();

  constructor() {
    this.worker.on("message", (reply: WorkerReply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`letter worker exited with code ${code}`)));
  }

  render(task: RenderTask): Promise<RenderedFile> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, task } satisfies WorkerRequest);
    });
  }

  terminate(): Promise<number> {
    this.worker.removeAllListeners("exit");
    return this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    const current = this.pending.get(reply.id);
    if (!current) return;
    this.pending.delete(reply.id);
    if ("result" in reply) current.resolve(reply.result);
    else current.reject(reviveError(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const current of this.pending.values()) current.reject(error);
    this.pending.clear();
  }
}

/** Rebuilds an error posted by a worker, keeping the classes that map to exit statuses. */
function reviveError(posted: { name: string; message: string; stack?: string }): Error {
  const error =
    posted.name === "RequestError"
      ? new RequestError(posted.message)
      : posted.name === "InvariantError"
        ? new InvariantError(posted.message)
        : new Error(posted.message);
  if (posted.stack) error.stack = posted.stack;
  return error;
}
