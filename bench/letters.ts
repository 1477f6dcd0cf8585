// Times the rendering of dunning letters: N synthetic letters (100,000 by
// default) with Latin-1 names and one to five overdue items each, rendered
// by renderLetters with one worker thread per core into a temporary folder.
//
//   node --import tsx bench/letters.ts [count] [--keep]
//
// Prints the count, the workers, the wall time, letters per second and the
// bytes written, as one JSON line. The folder is removed afterwards unless
// --keep is given.

import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";

import { addDays } from "../src/dates.ts";
import { renderLetters } from "../src/outputs/letters/batch.ts";
import type { LetterData, LetterItem } from "../src/outputs/letters/letter-data.ts";

const BUSINESS_DATE = "2026-03-31";
const FIRST_NAMES = ["Jürgen", "Zoë", "José", "Björn", "Renée", "Anna", "Øyvind", "Chloé"];
const LAST_NAMES = ["Größmann", "Müller", "Peña Ortega", "Köhler", "Weiß", "Schneider"];
const STREETS = ["Königsallee", "Brückenstraße", "Schönhauser Allee", "Am Mühlbach"];
const CITIES = ["Düsseldorf", "München", "Köln", "Nürnberg", "Berlin"];
const STAGES = ["reminder", "final_notice", "suspension", "agency"];

/** A deterministic letter: the same index always gives the same content. */
function syntheticLetter(index: number): LetterData {
  const itemCount = 1 + (index % 5);
  const items: LetterItem[] = [];
  let totalMinor = 0;
  for (let position = 0; position < itemCount; position++) {
    const daysPastDue = 10 + ((index + position * 17) % 200);
    const openMinor = 1000 + ((index * 37 + position * 101) % 50_000);
    totalMinor += openMinor;
    items.push({
      source: position % 2 === 0 ? "mobile" : "cable",
      accountId: `A-${index}-${position % 2}`,
      reference: `INV-${index}-${position}`,
      documentDate: addDays(BUSINESS_DATE, -daysPastDue - 14),
      dueDate: addDays(BUSINESS_DATE, -daysPastDue),
      currency: "EUR",
      openMinor,
      daysPastDue,
    });
  }
  const language = index % 3 === 0 ? "en" : "de";
  return {
    letterId: `${BUSINESS_DATE}-C${index + 1}`,
    businessDate: BUSINESS_DATE,
    customerRef: `C-${index + 1}`,
    language,
    stage: STAGES[index % STAGES.length],
    addressee: {
      name: `${FIRST_NAMES[index % FIRST_NAMES.length]} ${LAST_NAMES[index % LAST_NAMES.length]}`,
      addressLine1: `${STREETS[index % STREETS.length]} ${1 + (index % 180)}`,
      addressLine2: null,
      postalCode: String(10_000 + (index % 89_999)).padStart(5, "0"),
      city: CITIES[index % CITIES.length],
      region: null,
      country: "DE",
    },
    deadline: addDays(BUSINESS_DATE, 14),
    items,
    totals: [{ currency: "EUR", overdueMinor: totalMinor }],
    waysToPay: ["Bank transfer to IBAN DE02 1203 0000 0000 2020 51", "Card payment in the portal"],
  };
}

function* letters(count: number): Generator<LetterData> {
  for (let index = 0; index < count; index++) yield syntheticLetter(index);
}

function folderBytes(folder: string): number {
  let bytes = 0;
  for (const name of readdirSync(folder)) bytes += statSync(join(folder, name)).size;
  return bytes;
}

async function main(): Promise<void> {
  const count = Number(process.argv.find((argument) => /^\d+$/.test(argument)) ?? 100_000);
  const keep = process.argv.includes("--keep");
  const folder = mkdtempSync(join(tmpdir(), "dcms-bench-letters-"));
  const workers = availableParallelism();
  const started = performance.now();
  const entries = await renderLetters(letters(count), folder, { workers });
  const elapsedMs = Math.round(performance.now() - started);
  const result = {
    letters: entries.length,
    workers,
    cpu: cpus()[0]?.model ?? "unknown",
    elapsed_s: Math.round(elapsedMs / 100) / 10,
    letters_per_s: Math.round((entries.length / elapsedMs) * 1000),
    pages: entries.reduce((sum, entry) => sum + entry.pages, 0),
    megabytes: Math.round(folderBytes(folder) / 1e6),
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  if (!keep) rmSync(folder, { recursive: true, force: true });
}

await main();
