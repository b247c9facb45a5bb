// The no-panic and determinism gate (ARCHITECTURE.md "The rules every file lives by").
// `npm run lint` runs tsc for every tsconfig and then this config.
import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";
import picket from "./tools/eslint/picket-plugin.js";

const DEVICE_FILES = ["core/**/*.ts", "hal/**/*.ts", "agent/**/*.ts", "host-sim/kernel/**/*.ts"];
/** The only device file that may call `trace` (hal/moddable/console.ts). */
export const CONSOLE_SINK = "hal/moddable/console.ts";

const nodeModuleNames = builtinModules.filter((name) => !name.startsWith("_"));

const forbiddenSyntax = [
  { selector: "ThrowStatement", message: "No panics: return a Result/Status error code instead of throwing." },
  { selector: "TryStatement", message: "Only core/runtime/guard.ts and the agent task boundary may catch exceptions." },
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: "Non-deterministic: take randomness from the injected Entropy." },
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: "Non-deterministic: take time from the injected Clock." },
  { selector: "NewExpression[callee.name='Date']", message: "Non-deterministic: take time from the injected Clock." },
  { selector: "CallExpression[callee.name='Date']", message: "Non-deterministic: take time from the injected Clock." },
  { selector: "MemberExpression[object.name='performance']", message: "Non-deterministic: take time from the injected Clock." },
  { selector: "ForInStatement", message: "for-in walks prototype chains and engine-specific key order; iterate explicit arrays." },
  { selector: "WithStatement", message: "Not allowed." },
  {
    selector: "MethodDefinition[key.type='PrivateIdentifier']",
    message: "A #private method costs every instance a heap slot on XS: write a TypeScript `private` method named with a trailing `_` (the build mangles such names).",
  },
];

const forbiddenGlobals = [
  ...["process", "Buffer", "require", "module", "exports", "__dirname", "__filename"].map((name) => ({ name, message: "Node global: device code is XS-clean." })),
  ...["window", "document", "navigator", "fetch", "crypto", "localStorage"].map((name) => ({ name, message: "Host/DOM global: use a HAL contract." })),
  ...["setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "queueMicrotask"].map((name) => ({ name, message: "Timers come from the scheduler (sans-IO), not globals." })),
  ...["print", "trace", "console"].map((name) => ({ name, message: "No printing in library code: append to the log ring." })),
  { name: "globalThis", message: "No global state: everything is injected." },
  { name: "eval", message: "XS-clean: no eval." },
  { name: "Function", message: "XS-clean: no Function constructor." },
];

export default tseslint.config(
  { ignores: ["node_modules/**", "build/**", ".cache/**", ".stryker-tmp/**", "test/gate/fixtures/**", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      // Device folders are typed by tsconfig.device.json (no Node types); the rest by tsconfig.json.
      parserOptions: { project: ["./tsconfig.device.json", "./tsconfig.json"], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin, picket },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "no-eval": "error",
      "no-implied-eval": "off",
      "@typescript-eslint/no-implied-eval": "error",
      "no-new-func": "error",
      "picket/layer-imports": "error",
    },
  },
  {
    files: DEVICE_FILES,
    rules: {
      "no-restricted-syntax": ["error", ...forbiddenSyntax],
      "no-restricted-globals": ["error", ...forbiddenGlobals],
      "no-restricted-imports": [
        "error",
        {
          paths: nodeModuleNames.map((name) => ({ name, message: "Node built-in: device code is XS-clean." })),
          patterns: [{ group: ["node:*"], message: "Node built-in: device code is XS-clean." }],
        },
      ],
      "no-console": "error",
      "no-var": "error",
      "picket/no-top-level-mutable-state": "error",
    },
  },
  {
    // Outside the Moddable drivers (which keep the SDK's own #field shape, see STYLE), device code has no
    // #private members at all: every class with one costs each instance a slot for its private record on XS.
    files: ["core/**/*.ts", "agent/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...forbiddenSyntax,
        {
          selector: "PropertyDefinition[key.type='PrivateIdentifier']",
          message: "A #private field costs every instance a heap slot on XS (its private record): write a TypeScript `private` field named with a trailing `_` (the build mangles such names).",
        },
      ],
    },
  },
  {
    // The board's console sink: the one place Moddable's `trace` may be called (a refused boot's line).
    files: [CONSOLE_SINK],
    rules: {
      "no-restricted-globals": ["error", ...forbiddenGlobals.filter((rule) => rule.name !== "trace")],
    },
  },
  {
    // The one documented exception guard, and the outermost task boundary.
    files: ["core/runtime/guard.ts", "agent/task-boundary.ts"],
    rules: {
      "no-restricted-syntax": ["error", ...forbiddenSyntax.filter((rule) => rule.selector !== "TryStatement")],
    },
  },
);
