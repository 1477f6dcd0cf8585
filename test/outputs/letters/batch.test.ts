import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { InvariantError, RequestError } from "../../../src/errors.ts";
import { renderLetters } from "../../../src/outputs/letters/batch.ts";
import type { LetterData } from "../../../src/outputs/letters/letter-data.ts";
import { germanLetter } from "./fixtures.ts";

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

/** Letters for customers C-1 ... C-n, in reverse id order, alternating stage and language. */
function batch(count: number): LetterData[] {
  return Array.from({ length: count }, (_, i) => {
    const number = count - i;
    return germanLetter({
      letterId: `L-2026-03-31-C${String(number).padStart(6, "0")}`,
      customerRef: `C-${number}`,
      language: number % 2 ? "de" : "en-GB",
      stage: number % 3 ? "reminder" : "final_notice",
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("renderLetters", function () {
  let folder: string;

  beforeEach(async function () {
    folder = await mkdtemp(join(tmpdir(), "dcms-letters-"));
  });

  afterEach(async function () {
    await rm(folder, { recursive: true, force: true });
  });

  it("writes the PDFs and the print index", async function () {
    const entries = await renderLetters(batch(3), join(folder, "out"));
    const out = join(folder, "out");
    expect((await readdir(out)).sort()).to.deep.equal([
      "L-2026-03-31-C000001.pdf",
      "L-2026-03-31-C000002.pdf",
      "L-2026-03-31-C000003.pdf",
      "index.csv",
    ]);
    const hash = async (id: string) => sha256(await readFile(join(out, `${id}.pdf`)));
    // Rows are sorted by letter id. C-3 is a final notice because 3 is
    // divisible by 3, and C-2 is in English because 2 is even. Every letter
    // of three items fits on one page.
    expect(await readFile(join(out, "index.csv"), "utf8")).to.equal(
      "letter_id,customer_ref,language,stage,pages,file,sha256\n" +
        `L-2026-03-31-C000001,C-1,de,reminder,1,L-2026-03-31-C000001.pdf,${await hash("L-2026-03-31-C000001")}\n` +
        `L-2026-03-31-C000002,C-2,en-GB,reminder,1,L-2026-03-31-C000002.pdf,${await hash("L-2026-03-31-C000002")}\n` +
        `L-2026-03-31-C000003,C-3,de,final_notice,1,L-2026-03-31-C000003.pdf,${await hash("L-2026-03-31-C000003")}\n`,
    );
    expect(entries.map((entry) => entry.letterId)).to.deep.equal([
      "L-2026-03-31-C000001",
      "L-2026-03-31-C000002",
      "L-2026-03-31-C000003",
    ]);
  });

  it("writes an empty index for no letters", async function () {
    expect(await renderLetters([], folder)).to.deep.equal([]);
    expect(await readdir(folder)).to.deep.equal(["index.csv"]);
    expect(await readFile(join(folder, "index.csv"), "utf8")).to.equal(
      "letter_id,customer_ref,language,stage,pages,file,sha256\n",
    );
  });

  it("keeps names and addresses out of the index", async function () {
    await renderLetters(batch(2), folder);
    const index = await readFile(join(folder, "index.csv"), "utf8");
    expect(index).to.not.contain("Größmann");
    expect(index).to.not.contain("Königsallee");
  });

  it("renders the same bytes in worker threads", async function () {
    const letters = batch(7);
    const inProcess = await renderLetters(letters, join(folder, "here"));
    // Seven letters above a limit of two go to the two workers, fed from an
    // async iterable as a ledger query would feed them.
    async function* stream() {
      yield* letters;
    }
    const inWorkers = await renderLetters(stream(), join(folder, "workers"), {
      workers: 2,
      inProcessMax: 2,
    });
    expect(inWorkers).to.have.length(7);
    expect(inWorkers).to.deep.equal(inProcess);
    for (const entry of inWorkers) {
      const bytes = await readFile(join(folder, "workers", entry.file));
      expect(sha256(bytes)).to.equal(entry.sha256);
    }
  });

  it("reports a worker's error", async function () {
    const letters = batch(4);
    letters[2].deadline = "2026-02-30";
    const error = await rejection(
      renderLetters(letters, folder, { workers: 2, inProcessMax: 1 }),
    );
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.contain('invalid date "2026-02-30"');
  });

  it("rejects a stage without template", async function () {
    const letters = batch(2);
    letters[1].stage = "court_claim";
    const error = await rejection(renderLetters(letters, folder));
    expect(error).to.be.instanceOf(RequestError);
    expect((error as Error).message).to.contain("court_claim.de.hbs");
  });

  it("rejects a letter id used twice", async function () {
    const letters = [...batch(2), ...batch(1)];
    const error = await rejection(renderLetters(letters, folder));
    expect(error).to.be.instanceOf(InvariantError);
    expect((error as Error).message).to.contain("L-2026-03-31-C000001 occurs twice");
  });
});
