/** The conformance property suites pass on the real XS engine, every one of them. */
import { beforeAll, describe, expect, it } from "vitest";
import { type XsRunResult } from "../../tools/xs/run-xs";
import { CONFORMANCE_SUITES } from "../conformance/index";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/conformance.xs.ts", "conformance", "conformance bundle");
});

describe("conformance suites on XS", () => {
  for (const suite of CONFORMANCE_SUITES) {
    for (const property of suite.properties) {
      it(`${suite.suite}: ${property.name}`, () => {
        const result = run.records.find((r) => r.kind === "property" && r["suite"] === suite.suite && r["name"] === property.name);
        expect(result, "property did not run on XS").toBeDefined();
        expect(result?.["error"]).toBe("");
        expect(result?.["ok"]).toBe(true);
      });
    }
  }

  it("ran every property exactly once", () => {
    const expected = CONFORMANCE_SUITES.reduce((n, s) => n + s.properties.length, 0);
    expect(run.records.filter((r) => r.kind === "property")).toHaveLength(expected);
    expect(run.records.find((r) => r.kind === "done")?.["total"]).toBe(expected);
  });
});
