/**
 * The READMEs' links work from the npm page, which shows README.md without
 * the repository around it: every link is absolute (http or https), points
 * into the published package (a file `npm pack` includes), or is an anchor
 * of a heading in the same README. Links into this repository on GitHub
 * (https://github.com/nnspec/nnspec/blob/main/PATH) must name a file that
 * exists here, so they do not rot when a file moves.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { lexer, walkTokens, type Token } from "marked";
import { describe, expect, it } from "vitest";
import { packedFiles, RUNTIME_PACKAGE } from "../helpers/pack.js";
import { ROOT } from "../helpers/root.js";

const REPOSITORY_FILE = /^https:\/\/github\.com\/nnspec\/nnspec\/(?:blob|tree)\/main\/([^#?]+)/;

/** Every link and image target in a markdown text, HTML `href`/`src` included. */
function linkTargets(markdown: string): string[] {
  const found: string[] = [];
  walkTokens(lexer(markdown), (t: Token) => {
    if (t.type === "link" || t.type === "image") found.push((t as { href: string }).href);
    if (t.type === "html") for (const m of (t as { raw: string }).raw.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)) found.push(m[1]!);
  });
  return found;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  walkTokens(lexer(markdown), (t: Token) => {
    if (t.type === "heading") out.add((t as { text: string }).text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").trim().replace(/\s/g, "-"));
  });
  return out;
}

/** Why `target` does not work from the npm page of a package holding `files`; null when it does. */
function brokenLink(target: string, files: readonly string[], headings: Set<string>): string | null {
  if (target.startsWith("#")) return headings.has(target.slice(1)) ? null : "no heading has this anchor";
  if (/^https?:\/\//.test(target)) {
    const inRepo = REPOSITORY_FILE.exec(target);
    return inRepo && !existsSync(join(ROOT, decodeURIComponent(inRepo[1]!))) ? "no such file in the repository" : null;
  }
  const path = target.replace(/[#?].*$/, "").replace(/^\.\//, "");
  return files.includes(path) ? null : "a relative link to a file npm pack does not include (npm's page cannot follow it): make it absolute";
}

describe.each([
  { name: "nnspec", dir: ROOT },
  { name: "@nnspec/runtime", dir: RUNTIME_PACKAGE },
])("links in $name's README.md", ({ dir }) => {
  it("are absolute, anchors, or files the package holds", () => {
    const markdown = readFileSync(join(dir, "README.md"), "utf8");
    const files = packedFiles(dir);
    const targets = linkTargets(markdown);
    expect(targets.length).toBeGreaterThan(0);
    const broken = targets.map((t) => [t, brokenLink(t, files, anchors(markdown))]).filter(([, why]) => why !== null);
    expect(broken).toEqual([]);
  });
});

describe("the link check itself", () => {
  const files = ["README.md", "dist/x.js"];
  const headings = anchors("# Set-up on a fresh machine\n");
  it.each([
    ["docs/api.md", "a relative link"],
    ["./docs/api.md#vite", "a relative link"],
    ["https://github.com/nnspec/nnspec/blob/main/docs/nope.md", "no such file"],
    ["#nowhere", "no heading"],
  ])("refuses %s", (target, why) => {
    expect(brokenLink(target, files, headings)).toContain(why);
  });
  it.each(["https://github.com/nnspec/nnspec/blob/main/docs/api.md#vite-nnspecvite", "https://example.com/x", "dist/x.js", "#set-up-on-a-fresh-machine"])("accepts %s", (target) => {
    expect(brokenLink(target, files, headings)).toBeNull();
  });
  it("finds inline, reference and HTML links", () => {
    expect(linkTargets('[a](x.md) ![i](p.png) [r][ref]\n\n[ref]: https://r.example/\n\n<a href="h.md">h</a>\n')).toEqual(["x.md", "p.png", "https://r.example/", "h.md"]);
  });
});
