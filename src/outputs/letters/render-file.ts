// Renders one letter into <letterId>.pdf, shared by the worker threads and
// the in-process path of renderLetters.

import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import { renderLetterWithPages } from "./letter.ts";
import type { LetterData } from "./letter-data.ts";
import { compileTemplateFile, type TemplateLocation } from "./templates.ts";

export interface RenderTask {
  letter: LetterData;
  template: TemplateLocation;
  /** Folder the PDF is written to. */
  folder: string;
}

export interface RenderedFile {
  letterId: string;
  /** File name relative to the output folder. */
  file: string;
  pages: number;
  sha256: string;
}

export async function renderLetterFile(task: RenderTask): Promise<RenderedFile> {
  const template = compileTemplateFile(task.template);
  const { pdf, pages } = await renderLetterWithPages(task.letter, template);
  const file = `${task.letter.letterId}.pdf`;
  await writeFile(join(task.folder, file), pdf);
  return {
    letterId: task.letter.letterId,
    file,
    pages,
    sha256: createHash("sha256").update(pdf).digest("hex"),
  };
}
