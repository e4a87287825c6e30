/** The one byte formatter, in both of its styles (summary tables and the checker's size limits). */
import { describe, expect, it } from "vitest";
import { formatBytes } from "../../compiler/format.js";

describe("formatBytes", () => {
  it("table style: whole bytes below 1 KiB, then three figures, up to TiB", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(160)).toBe("160 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.00 KiB");
    expect(formatBytes(79_976)).toBe("78.1 KiB");
    expect(formatBytes(246_824)).toBe("241 KiB");
    expect(formatBytes(3.67 * 2 ** 20)).toBe("3.67 MiB");
    expect(formatBytes(2 ** 50)).toBe("1024 TiB");
  });

  it("limit style: three significant figures in every unit, up to EiB", () => {
    expect(formatBytes(5, "limit")).toBe("5.00 B");
    expect(formatBytes(4 * 2 ** 30, "limit")).toBe("4.00 GiB");
    expect(formatBytes(1.5 * 2 ** 50, "limit")).toBe("1.50 PiB");
    expect(formatBytes(2 ** 70, "limit")).toBe("1.02e+3 EiB");
  });
});
