// Parse Mermaid diagrams with mermaid's own parser, as GitHub's renderer does before drawing.
// stdin: a JSON array of diagram texts; stdout: a JSON array, per diagram, of
// {"type": "<diagram type>"} or {"error": "<parser message>"}.
// mermaid.parse() runs the diagram type's grammar and fills its model, which is where syntax
// errors and unknown diagram types show; only drawing needs a browser. Labels go through
// DOMPurify, which needs a DOM: jsdom's window stands in, set before mermaid is loaded
// (DOMPurify looks for `window` when its module is evaluated).
import { JSDOM } from "jsdom";

const { window } = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const diagrams = JSON.parse(Buffer.concat(chunks).toString("utf8"));

mermaid.initialize({ startOnLoad: false });
const results = [];
for (const text of diagrams) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ type: parsed.diagramType });
  } catch (error) {
    results.push({ error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
