/** displayPath / escapeControl: what the CLI and the renderer print for names from the user's world. */
import { describe, expect, it } from "vitest";
import { displayPath, escapeControl } from "../../diagnostics/display.js";
import { renderText } from "../../diagnostics/render-text.js";
import { checkSource } from "../../compiler/index.js";

describe("displayPath", () => {
  it("leaves ordinary paths alone, spaces and non-ASCII letters included", () => {
    for (const p of ["model.nnspec", "./a b/ç.nnspec", "/tmp/x", "数据/w.safetensors"]) expect(displayPath(p)).toBe(p);
  });

  it("quotes and escapes ANSI escapes, newlines, C1 controls, U+2028 and bidi overrides", () => {
    expect(displayPath("a\x1b[2Jb.nnspec")).toBe('"a\\x1b[2Jb.nnspec"');
    expect(displayPath("x\ny")).toBe('"x\\ny"');
    expect(displayPath('q"\\\r\u009b')).toBe('"q\\"\\\\\\r\\x9b"');
    expect(displayPath("a\u2028b\u202ec")).toBe('"a\\u2028b\\u202ec"');
  });

  it("escapeControl escapes without quoting, and returns safe text unchanged", () => {
    expect(escapeControl("no such file")).toBe("no such file");
    expect(escapeControl("x\x1b]0;title\x07")).toBe("x\\x1b]0;title\\x07");
  });
});

describe("the text renderer's file header", () => {
  it("shows a file name with an ANSI escape quoted, never raw", () => {
    const name = "evil\x1b[31m.nnspec";
    const [d] = checkSource(name, new TextEncoder().encode("model m {\n  input 4\n  bogus\n}\n"), 30).diagnostics;
    const text = renderText(d!);
    expect(text).not.toContain("\x1b");
    expect(text).toContain('--> "evil\\x1b[31m.nnspec":3:');
  });
});
