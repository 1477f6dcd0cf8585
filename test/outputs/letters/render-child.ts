// Renders the German fixture letter in a fresh process and prints the
// SHA-256 of the PDF, so a test can compare renders across processes.

import { createHash } from "node:crypto";

import { renderLetter } from "../../../src/outputs/letters/letter.ts";
import { loadLetterTemplate } from "../../../src/outputs/letters/templates.ts";
import { germanLetter } from "./fixtures.ts";

const letter = germanLetter();
const pdf = await renderLetter(letter, loadLetterTemplate(letter.stage, letter.language));
process.stdout.write(createHash("sha256").update(pdf).digest("hex") + "\n");
